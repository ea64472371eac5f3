"""No input crashes the validator: arbitrary bytes, mutated real files, odd names."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepoc.metadata import FileReport, validate_bytes

from .conftest import FILES

SAMPLES = [p.read_bytes() for p in sorted(FILES.iterdir())[::40]]
NAMES = st.sampled_from(["metadata.json", "ai4-metadata.yml", "x.yaml", "<stdin>", "noext"])


def _check(report: FileReport) -> None:
    assert isinstance(report, FileReport)
    json.dumps(report.to_dict())  # the JSON output can always be written
    if not report.readable:
        assert len(report.errors) == 1 and report.data is None
    for issue in report.errors + report.warnings:
        str(issue)
        assert issue.line is None or issue.line >= 1
        assert issue.column is None or issue.column >= 1
    assert report.valid == (report.readable and not report.errors)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300), NAMES)
def test_random_bytes(data, name):
    _check(validate_bytes(data, name))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SAMPLES), st.integers(0, 10_000), st.binary(min_size=0, max_size=8),
       st.integers(0, 8), NAMES)
def test_mutated_real_files(base, at, insert, cut, name):
    at = at % (len(base) + 1)
    data = base[:at] + insert + base[at + cut:]
    _check(validate_bytes(data, name))


_text = st.text(max_size=30)
_json = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _text),
                     lambda k: st.one_of(st.lists(k, max_size=4),
                                         st.dictionaries(_text, k, max_size=4)), max_leaves=15)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_json, st.sampled_from(["metadata.json", "ai4-metadata.yml"]),
       st.sampled_from([None, "1", "2.0.0", "2.3.0"]))
def test_any_json_value(value, name, version):
    if name.endswith(".yml"):
        import yaml

        data = yaml.safe_dump(value).encode("utf-8", "surrogatepass")
    else:
        data = json.dumps(value).encode()
    _check(validate_bytes(data, name, version))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="{}[]:,\"'-&*!|>#\n\t ab1.\\", max_size=80), NAMES)
def test_syntax_soup(text, name):
    _check(validate_bytes(text.encode(), name))


def test_odd_paths_give_unreadable_reports(tmp_path):
    from deepoc.metadata import validate_path

    for name in ["a\0b.json", str(tmp_path / "missing.yml"), str(tmp_path), "/dev/null",
                 "/dev/zero"]:
        report = validate_path(name)
        _check(report)
        assert not report.readable, name


def _paths(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(_json, st.sampled_from([None, 0, 1, 2, 4]), st.booleans())
def test_json_positions_point_at_the_value(value, indent, ascii_only):
    """Every path's located offset starts that exact value (checked by decoding from there)."""
    from deepoc.metadata.parse import parse_json

    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    try:
        data, src = parse_json(text)
    except Exception:  # duplicate keys after json.dumps cannot happen; NaN/inf can
        return
    decoder = json.JSONDecoder()
    for path, expected in _paths(data):
        offset = src.value_offset(path)
        got, _ = decoder.raw_decode(text, offset)
        assert got == expected or got != got, (path, text)
        if path and isinstance(path[-1], str):
            key_off = src.key_offset(path)
            assert decoder.raw_decode(text, key_off)[0] == path[-1]


_key = st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z")
_yaml_value = st.recursive(
    st.one_of(st.integers(), _text, st.booleans()),
    lambda k: st.one_of(st.lists(k, max_size=3), st.dictionaries(_key, k, min_size=1,
                                                                    max_size=3)),
    max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(_key, _yaml_value, min_size=1, max_size=5), st.booleans())
def test_yaml_key_positions_point_at_the_key(value, flow):
    import yaml

    from deepoc.metadata.parse import parse_yaml

    text = yaml.safe_dump(value, default_flow_style=flow, width=10_000)
    data, src = parse_yaml(text)
    assert data == value
    lines = text.split("\n")
    for path, _ in _paths(data):
        if path and isinstance(path[-1], str):
            line, col = src.line_col(src.key_offset(path))
            assert lines[line - 1][col - 1:].lstrip("'\"").startswith(path[-1]), (path, text)
