"""Our evaluator against the real jsonschema (Draft 7, format checker on, rfc3987 installed).

Both must agree on validity and on the set of (path, keyword) failures, for every shipped
schema version, on every parseable corpus file and on generated instances.
"""

from __future__ import annotations

import datetime
import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepoc.metadata import schemas
from deepoc.metadata.evaluate import ANNOTATIONS, KEYWORDS, Evaluator
from deepoc.metadata.parse import decode, parse_json, parse_yaml

from .conftest import FILES

VERSIONS = list(schemas.KNOWN)


def _reference(version: str) -> jsonschema.Draft7Validator:
    schema = schemas.load(version)
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    return jsonschema.Draft7Validator(schema, format_checker=checker)


REFS = {v: _reference(v) for v in VERSIONS}
OURS = {v: Evaluator(schemas.load(v)) for v in VERSIONS}


def _theirs(version: str, instance) -> set:
    out = set()
    for e in REFS[version].iter_errors(instance):
        out.add((tuple(e.absolute_path), e.validator or "false"))
    return out


def _ours(version: str, instance) -> set:
    out = set()
    for f in OURS[version].errors(instance):
        # jsonschema reports a false subschema at the parent object's path
        path = f.path[:-1] if f.keyword == "false" else f.path
        out.add((path, f.keyword))
    return out


def _agree(instance) -> None:
    for v in VERSIONS:
        assert _ours(v, instance) == _theirs(v, instance), (v, instance)


def test_shipped_schemas_use_only_supported_keywords():
    def walk(node, inside_properties=False):
        if isinstance(node, dict):
            for k, v in node.items():
                if inside_properties:
                    walk(v)
                    continue
                assert k in KEYWORDS or k in ANNOTATIONS, k
                if k in ("properties", "definitions"):
                    walk(v, inside_properties=True)
                elif k in ("items", "additionalProperties"):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for v in VERSIONS:
        schema = schemas.load(v)
        jsonschema.Draft7Validator.check_schema(schema)
        walk(schema)


def _corpus_values():
    for path in sorted(FILES.iterdir()):
        try:
            text, _ = decode(path.read_bytes())
            parse = parse_json if path.name.endswith(".json") else parse_yaml
            yield path.name, parse(text)[0]
        except Exception:
            continue


def test_corpus_agrees_with_jsonschema_for_every_version():
    count = 0
    for name, value in _corpus_values():
        for v in VERSIONS:
            assert _ours(v, value) == _theirs(v, value), (name, v)
        count += 1
    assert count > 500


# ---- generated instances: metadata-shaped objects with good and bad values
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_uriish = st.one_of(
    st.sampled_from(["https://github.com/deephdc/x", "deephdc/deep-oc-x", " https://x.org",
                     "", "http://[::1]:80/a", "a b", "ftp:x", "//host/p", "%zz", "x:"]),
    st.text(alphabet="ab:/?#[]@!$&'()*+,;=%-._~ 0123456789AF", max_size=20),
)
_dateish = st.one_of(
    st.sampled_from(["2019-07-31", "2018-18-11", "YYYY-MM-DD", "2020-02-29", "2021-02-29",
                     "0000-01-01", "2019-7-31", "2019-07-31\n"]),
    st.dates().map(lambda d: d.isoformat()),
    st.dates(),
)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                    _text, _uriish, _dateish)
_json = st.recursive(_scalar, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(_text, kids, max_size=4)), max_leaves=10)


def _keys_of(schema) -> list[str]:
    return list(schema.get("properties", {}))


_all_keys = sorted({k for v in VERSIONS for k in _keys_of(schemas.load(v))})
_sub_keys = ["code", "dockerfile_repo", "docker_registry_repo", "pre_trained_weights",
             "source_code", "docker_image", "created", "updated", "build_status_url",
             "title", "url", "inputs", "cpu", "gpu", "memory_MB", "inference"]
_vocab = ["PyTorch", "Pytorch", "TensorFlow", "Computer Vision", "AI4 trainable", "Image",
          "rclone_conf", "docker_image", "Other", "Other"]
_value = st.one_of(
    _json,
    st.lists(st.one_of(st.sampled_from(_vocab), _text), max_size=4),
    st.dictionaries(st.sampled_from(_sub_keys), st.one_of(_uriish, _dateish, _json,
                    st.integers(-3, 9), st.lists(st.sampled_from(_vocab), max_size=3),
                    st.dictionaries(st.sampled_from(_sub_keys), st.integers(-2, 4))),
                    max_size=6),
    st.lists(st.dictionaries(st.sampled_from(_sub_keys), st.one_of(_uriish, _json)),
             max_size=3),
    _uriish, _dateish,
)
_instance = st.one_of(
    st.dictionaries(st.sampled_from(_all_keys + ["sata-type"]), _value, max_size=14),
    _json,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_instance)
def test_generated_instances_agree_with_jsonschema(instance):
    _agree(instance)


@pytest.mark.parametrize("value", [
    {"metadata_version": "2.0.0", "resources": {"inference": {"cpu": -1, "gpu": 1.0}}},
    {"keywords": ["a", "a"], "tosca": [{"inputs": ["rclone_url", "x"]}]},
    {"libraries": [True, 1, 1.0]},
    {"dates": {"created": datetime.date(2024, 1, 1)}},
    [], "text", None, 3,
])
def test_hand_picked_instances_agree(value):
    _agree(value)


def test_yaml_dates_are_type_errors_in_both():
    value = {"dates": {"created": datetime.date(2024, 1, 1), "updated": "2024-01-01"}}
    assert (("dates", "created"), "type") in _ours("2.0.0", value)
    json.dumps(value, default=str)
