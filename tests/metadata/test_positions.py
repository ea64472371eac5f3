"""Every error of a file with several problems, each at the line and column of its value."""

from __future__ import annotations

from deepoc.metadata import validate_bytes

V1 = b"""{
  "title": "Plant classifier",
  "summary": 42,
  "description": "one string, not a list",
  "date_creation": "2019-13-01",
  "keywords": ["a", "b", "a"],
  "license": "MIT",
  "cite_url": "not a url",
  "sources": {
    "dockerfile_repo": "https://github.com/deephdc/DEEP-OC-plants",
    "docker_registry_repo": " deephdc/plants"
  },
  "tosca": [
    {"title": "t", "url": "https://x.org/t.yml", "inputs": ["rclone_conf", "rclone_urls"]}
  ],
  "licence": "typo"
}
"""

V2 = b"""metadata_version: 2.0.0
title: Demo
summary: A demo
description: |
  Long text.
dates:
  created: 2024-01-02
  updated: '2024-01-03'
links:
  source_code: https://github.com/ai4os/demo
  docker_image: ai4oshub/demo
  documentation: not a uri
libraries:
  - Pytorch
  - PyTorch
tasks: [Computer Vision, computer vision]
categories: [AI4 trainable]
tags: []
sata-type: [Image]
sources: {code: x}
"""


def _triples(report):
    return [(i.path, i.line, i.column) for i in report.errors]


def test_v1_every_error_located():
    r = validate_bytes(V1, "metadata.json")
    assert r.schema_version == "1.0.0" and not r.valid
    assert _triples(r) == [
        ("$.summary", 3, 14),
        ("$.description", 4, 18),
        ("$.date_creation", 5, 20),
        ("$.keywords[2]", 6, 26),
        ("$.cite_url", 8, 15),
        ("$.sources", 9, 14),
        ("$.sources.docker_registry_repo", 11, 29),
        ("$.tosca[0].inputs[1]", 14, 76),
    ]
    msgs = [str(i) for i in r.errors]
    assert msgs[0] == "$.summary: expected string, got integer (quote it: \"42\")"
    assert msgs[1] == ("$.description: expected array, got string "
                       "(write it as a list: [\"...\"])")
    assert msgs[2].startswith("$.date_creation: '2019-13-01' is not a valid date")
    assert msgs[3] == "$.keywords[2]: 'a' is repeated (also item 0) (list each value once)"
    assert msgs[5].startswith("$.sources: missing required key 'code' (add 'code'")
    assert msgs[7] == ("$.tosca[0].inputs[1]: 'rclone_urls' is not an allowed value "
                       "(did you mean 'rclone_url'?)")
    (w,) = r.warnings
    assert (w.path, w.line, w.column) == ("$.licence", 16, 3)
    assert str(w) == "$.licence: unknown key 'licence' (did you mean 'license'?)"


def test_v2_every_error_located():
    r = validate_bytes(V2, "ai4-metadata.yml")
    assert r.schema_version == "2.0.0"
    assert _triples(r) == [
        ("$.dates.created", 7, 12),
        ("$.links.documentation", 12, 18),
        ("$.libraries[0]", 14, 5),
        ("$.tasks[1]", 16, 26),
        ("$.sources", 20, 1),
    ]
    msgs = [str(i) for i in r.errors]
    assert msgs[0] == ("$.dates.created: expected string, got YAML date "
                       "(YAML read this as a date; quote it: '2024-01-02')")
    assert msgs[2] == "$.libraries[0]: 'Pytorch' is not an allowed value (did you mean 'PyTorch'?)"
    assert msgs[3] == ("$.tasks[1]: 'computer vision' is not an allowed value "
                       "(did you mean 'Computer Vision'?)")
    assert msgs[4].startswith("$.sources: 'sources' is not allowed here")
    (w,) = r.warnings
    assert str(w) == "$.sata-type: unknown key 'sata-type' (did you mean 'data-type'?)"
    assert (w.line, w.column) == (19, 1)


def test_issue_and_report_forms():
    r = validate_bytes(V1, "metadata.json")
    d = r.to_dict()
    assert d["file"] == "metadata.json" and d["valid"] is False and d["readable"] is True
    assert d["errors"][0] == {"path": "$.summary", "line": 3, "column": 14,
                              "message": "expected string, got integer", "hint": "quote it: \"42\""}
    assert isinstance(r.data, dict) and r.data["license"] == "MIT"


def test_missing_key_in_nested_object_points_at_the_object():
    r = validate_bytes(b'metadata_version: "2.3.0"\nlinks:\n  docker_image: a/b\n',
                       "ai4-metadata.yml")
    links = [i for i in r.errors if i.path == "$.links"]
    assert [(i.line, i.column, i.message) for i in links] == [
        (3, 3, "missing required key 'source_code'")]


def test_keys_of_later_versions_say_which_version_declares_them():
    r = validate_bytes(b"metadata_version: 2.0.0\nresources: {inference: {cpu: 1}}\n"
                       b"links: {self: 'https://x.org', source_code: 'https://y.org'}\n",
                       "ai4-metadata.yml")
    assert [(w.path, w.line, w.column, w.hint) for w in r.warnings] == [
        ("$.resources", 2, 1,
         "declared from metadata_version 2.1.0; raise metadata_version to check it"),
        ("$.links.self", 3, 9,
         "declared from metadata_version 2.2.0; raise metadata_version to check it"),
    ]


def test_docker_image_given_as_a_web_address():
    r = validate_bytes(b"metadata_version: 2.3.0\nlinks:\n  source_code: https://x.org/a\n"
                       b"  docker_image: https://hub.docker.com/r/org/name\n", "a.yml")
    (issue,) = [i for i in r.errors if i.path == "$.links.docker_image"]
    assert (issue.line, issue.column) == (4, 17)
    assert issue.hint == "give the image name (org/name[:tag]), not a web address"
