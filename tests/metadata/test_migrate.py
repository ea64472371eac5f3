"""``deep-oc metadata migrate``: v1 to v2, license kept, URI links, scikit-learn, validated."""

from __future__ import annotations

import datetime
import json

import pytest

from deepoc.cli import main
from deepoc.metadata import validate_bytes, validate_data
from deepoc.metadata.migrate import dump, migrate

from .conftest import FILES

V1 = {
    "title": "Skl model", "summary": "s", "description": ["para one ", "", "para two"],
    "date_creation": "2020-05-04", "keywords": ["scikit-learn", "Tabular", "trainable",
                                                "scikit-learn", "image classification"],
    "license": "Apache 2.0", "cite_url": "https://doi.org/10.1/x", "dataset_url": "ftp x",
    "training_files_url": "https://x.org/t",
    "sources": {"dockerfile_repo": "https://github.com/deephdc/DEEP-OC-skl",
                "docker_registry_repo": "deephdc/deep-oc-skl",
                "code": "https://github.com/deephdc/skl",
                "pre_trained_weights": "https://x.org/w.h5"},
    "continuous_integration": {"build_status_url": "https://j/x"},
    "tosca": [], "docker_tags": ["latest"],
}
TODAY = datetime.date(2026, 1, 2)


def test_migrate_keeps_license_and_maps_vocabularies():
    v2, notes = migrate(V1, today=TODAY)
    assert v2["metadata_version"] == "2.3.0"
    assert v2["license"] == "Apache 2.0"
    assert v2["description"] == "para one\n\npara two"
    assert v2["dates"] == {"created": "2020-05-04", "updated": "2026-01-02"}
    assert v2["links"] == {"source_code": "https://github.com/deephdc/skl",
                           "weights": "https://x.org/w.h5",
                           "citation": "https://doi.org/10.1/x",
                           "docker_image": "deephdc/deep-oc-skl"}
    assert v2["libraries"] == ["Scikit-learn"]
    assert v2["categories"] == ["AI4 trainable"]
    assert v2["tasks"] == ["Computer Vision"]
    assert v2["data-type"] == ["Tabular"]
    assert v2["tags"] == ["scikit-learn", "Tabular", "trainable", "image classification"]
    assert any("links.dataset" in n and "not a URI" in n for n in notes)
    assert any("tosca" in n for n in notes)
    report = validate_data(v2)
    assert report.valid, [str(e) for e in report.errors]
    assert not report.warnings


@pytest.mark.parametrize("as_json", [False, True])
def test_dump_round_trips_and_validates(as_json):
    v2, _ = migrate(V1, today=TODAY)
    text = dump(v2, as_json)
    name = "ai4-metadata.json" if as_json else "ai4-metadata.yml"
    report = validate_bytes(text.encode(), name)
    assert report.valid, [str(e) for e in report.errors]
    assert report.data == v2
    if not as_json:
        assert "created: '2020-05-04'" in text  # quoted: stays a string


def test_every_valid_corpus_v1_file_migrates_to_valid_v2():
    count = 0
    for path in sorted(FILES.glob("*metadata.json")):
        report = validate_bytes(path.read_bytes(), path.name)
        if not report.valid:
            continue
        v2, _ = migrate(report.data, today=TODAY)
        check = validate_bytes(dump(v2, False).encode(), "ai4-metadata.yml")
        assert check.valid, (path.name, [str(e) for e in check.errors])
        for name, link in v2["links"].items():
            if name != "docker_image":
                assert "://" in link
        count += 1
    assert count > 250


def test_cli_writes_output_and_validates(tmp_path, capsys):
    src = tmp_path / "metadata.json"
    src.write_text(json.dumps(V1))
    out = tmp_path / "ai4-metadata.yml"
    assert main(["metadata", "migrate", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{out}: valid v2.3.0 metadata" in err
    assert validate_bytes(out.read_bytes(), out.name).valid


def test_cli_refuses_v2_input_and_unparseable(tmp_path, capsys):
    v2 = FILES / "deephdc+DEEP-OC-posenet-tf__731e391__ai4-metadata.yml"
    assert main(["metadata", "migrate", str(v2)]) == 1
    assert "already metadata_version 2.0.0" in capsys.readouterr().err
    bad = tmp_path / "metadata.json"
    bad.write_text("{")
    assert main(["metadata", "migrate", str(bad)]) == 3
    assert "invalid JSON" in capsys.readouterr().err
