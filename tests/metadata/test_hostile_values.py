"""Issue 17: values strict UTF-8 JSON cannot carry, and files built to make validation slow.

Each class is refused where it enters (the validator), located like any other error, and
the file's data is withheld so nothing downstream (catalog.json, the site) meets it.
"""

from __future__ import annotations

import json

import pytest

from deepoc import jsondoc
from deepoc.jsonsafe import find_unrepresentable, number_problem, text_problem
from deepoc.limits import MAX_INT_DIGITS, MAX_ISSUES_PER_FILE
from deepoc.metadata import validate_bytes, validate_data
from tests.samples import VALID_V1

from .conftest import run_process

V1 = VALID_V1


def _json(text_fields: str) -> bytes:
    """V1 with raw JSON text spliced in as the last members (so it is written as given)."""
    return (json.dumps(V1)[:-1] + ", " + text_fields + "}").encode()


def _one_error(data: bytes, name: str = "metadata.json"):
    report = validate_bytes(data, name)
    assert not report.valid and report.data is None
    assert len(report.errors) == 1, report.errors
    issue = report.errors[0]
    assert "\n" not in str(issue)
    str(issue).encode("utf-8")  # printable: the message itself never carries a surrogate
    return report, issue


@pytest.mark.parametrize(
    ("fields", "path", "line_col"),
    [
        ('"x": "Demo \\ud800 module"', "$.x", True),
        ('"sources2": {"a": ["ok", "\\udfff"]}', "$.sources2.a[1]", True),
        ('"\\ud83d": 1', None, True),  # a key: half of a pair
        ('"deep": [[[{"k": "\\udbff tail"}]]]', "$.deep[0][0][0].k", True),
    ],
)
def test_lone_surrogates_in_json_are_located_errors(fields: str, path: str | None,
                                                    line_col: bool) -> None:
    report, issue = _one_error(_json(fields))
    assert report.readable  # the JSON parses: the file is invalid, not unreadable
    assert "cannot be encoded as UTF-8" in issue.message
    assert issue.line == 1 and issue.column and issue.column > 1
    if path:
        assert issue.path == path


def test_title_surrogate_reproduction_and_valid_pairs() -> None:
    data = json.dumps({**V1, "title": "Demo \ud800 module"}).encode()
    _report, issue = _one_error(data)
    assert issue.path == "$.title" and "U+D800" in issue.message
    ok = validate_bytes(json.dumps({**V1, "title": "Demo \U0001F600 module"}).encode(),
                        "metadata.json")
    assert ok.valid and ok.data["title"] == "Demo \U0001F600 module"  # an escaped pair is fine


def test_surrogate_in_a_key_is_shown_escaped() -> None:
    data = _json('"a\\udc80b": 1')
    _report, issue = _one_error(data)
    assert "\\udc80" in issue.path


@pytest.mark.parametrize(
    ("text", "path", "what"),
    [
        ('"x": 1e999999', "$.x", "too large for a 64-bit float"),
        ('"x": [1, -1E400]', "$.x[1]", "too large for a 64-bit float"),
        ('"x": {"y": 1.5e309}', "$.x.y", "too large for a 64-bit float"),
        ('"x": ' + "9" * 5000, "$.x", "5000 digits is too long"),
        ('"x": -' + "1" * (MAX_INT_DIGITS + 1), "$.x", f"{MAX_INT_DIGITS + 1} digits"),
    ],
)
def test_numbers_json_cannot_carry_are_located_errors(text: str, path: str, what: str) -> None:
    report, issue = _one_error(_json(text))
    assert report.readable
    assert what in issue.message and issue.path == path and issue.line == 1


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_not_json(literal: str) -> None:
    report, issue = _one_error(_json(f'"k": [0, {literal}]'))
    assert not report.readable  # not JSON syntax at all
    assert "NaN and Infinity are not JSON numbers" in issue.message
    assert issue.path == "$.k[1]" and issue.line == 1


def test_boundary_numbers_are_accepted_and_written_strictly() -> None:
    big = int("9" * MAX_INT_DIGITS)
    data = _json(f'"i": {big}, "j": -{big}, "f": 1.7976931348623157e308, "t": 5e-324, '
                 '"z": -0.0')
    report = validate_bytes(data, "metadata.json")
    assert report.valid, report.errors
    text = jsondoc.dumps(report.data)
    assert json.loads(text, parse_constant=_refuse)["i"] == big


def _refuse(name: str):
    raise AssertionError(f"{name} in written JSON")


@pytest.mark.parametrize(
    ("yaml_line", "what"),
    [
        ("x: .inf", "not a JSON number"),
        ("x: -.Inf", "not a JSON number"),
        ("x: .nan", "not a JSON number"),
        ("x: [1, 1.0e+999]", "not a JSON number"),
        ("x: " + "7" * 5000, "too long"),
        ("x: 0x" + "f" * 120, f"more than {MAX_INT_DIGITS} digits"),
        ("x: {y: 0b" + "1" * 350 + "}", f"more than {MAX_INT_DIGITS} digits"),
    ],
)
def test_yaml_numbers_json_cannot_carry(yaml_line: str, what: str) -> None:
    text = f"metadata_version: 2.0.0\ntitle: t\n{yaml_line}\n"
    report, issue = _one_error(text.encode(), "ai4-metadata.yml")
    assert what in issue.message and issue.line == 3


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\U0000dc00"])
def test_yaml_surrogate_escapes_are_refused(escape: str) -> None:
    text = f'metadata_version: 2.0.0\ntitle: "a {escape} b"\n'
    _report, issue = _one_error(text.encode(), "ai4-metadata.yml")
    assert issue.line == 2


def test_validate_data_refuses_unrepresentable_values() -> None:
    for bad in ({**V1, "x": float("nan")}, {**V1, "x": ["\ud800"]}, {**V1, "x": 10**200},
                {**V1, "\udc00": 1}):
        report = validate_data(bad)
        assert not report.valid and report.data is None and len(report.errors) == 1


def test_the_pure_checks() -> None:
    assert text_problem("plain \u202e bidi \x00 nul \uffff") is None
    assert "U+DABC" in (text_problem("a\udabc") or "")
    assert number_problem(True) is None and number_problem(1e308) is None
    assert number_problem(float("-inf")) and number_problem(10**MAX_INT_DIGITS)
    assert number_problem(10**MAX_INT_DIGITS - 1) is None
    found = find_unrepresentable({"a": [{"b": 1}, {"\ud801": 2}]})
    assert found is not None and found.path == ("a", 1, "\ud801") and found.is_key
    assert find_unrepresentable({"a": [1.0, "x", None, True]}) is None


def test_jsondoc_refuses_nan_as_a_last_guard() -> None:
    with pytest.raises(ValueError):
        jsondoc.dumps({"x": float("inf")})
    with pytest.raises(ValueError):
        jsondoc.dumps({"modules": [{"x": float("nan")}]}, listing="modules")


def test_cli_never_exits_70_on_hostile_numbers_and_text() -> None:
    for data, code in ((_json('"x": ' + "9" * 5000), 1), (_json('"x": 1e999999'), 1),
                       (_json('"x": "\\ud800"'), 1), (_json('"x": NaN'), 3)):
        r = run_process(["-"], stdin=data)
        assert r.code == code, (r.out, r.err)
        assert "internal error" not in r.err and "Traceback" not in r.err


# -- linear validation: a cap on issues, a bound on suggestions -------------------------

@pytest.mark.parametrize("n", [MAX_ISSUES_PER_FILE + 1, 250, 3000])
def test_unknown_key_warnings_are_capped_with_a_count(n: int) -> None:
    data = dict(V1)
    for i in range(n):
        data[f"unknown_{i}"] = i
    report = validate_bytes(json.dumps(data, indent=1).encode(), "metadata.json")
    assert report.valid
    assert len(report.warnings) == MAX_ISSUES_PER_FILE + 1
    shown = report.warnings[:-1]
    assert [w.message for w in shown] == [f"unknown key 'unknown_{i}'"
                                          for i in range(MAX_ISSUES_PER_FILE)]
    assert all(w.line for w in shown) and all(w.hint for w in shown)
    rest = n - MAX_ISSUES_PER_FILE
    assert report.warnings[-1].message == f"... and {rest} more warning{'s' * (rest > 1)}"


def test_under_the_cap_nothing_is_summarised() -> None:
    data = {**V1, "titel": 1}
    report = validate_bytes(json.dumps(data).encode(), "metadata.json")
    assert [w.hint for w in report.warnings] == ["did you mean 'title'?"]


def test_errors_are_capped_too() -> None:
    report = validate_bytes(json.dumps({**V1, "keywords": list(range(5000))}, indent=1).encode(),
                            "metadata.json")
    assert not report.valid
    assert len(report.errors) == MAX_ISSUES_PER_FILE + 1
    assert report.errors[-1].message == f"... and {5000 - MAX_ISSUES_PER_FILE} more errors"
    shown = report.errors[:-1]
    assert [e.path for e in shown] == [f"$.keywords[{i}]" for i in range(MAX_ISSUES_PER_FILE)]
    lines = [e.line for e in shown]
    assert lines == list(range(lines[0], lines[0] + MAX_ISSUES_PER_FILE))


def test_yaml_lookups_of_many_keys_are_located() -> None:
    lines = ["metadata_version: 2.0.0", "title: t"] + [f"k{i}: 0" for i in range(5000)]
    report = validate_bytes(("\n".join(lines) + "\n").encode(), "ai4-metadata.yml")
    ks = [w for w in report.warnings if w.path.startswith("$.k")]
    assert len(ks) == MAX_ISSUES_PER_FILE and all(w.line == int(w.path[3:]) + 3 for w in ks)
    assert report.warnings[-1].message.endswith(" more warnings")


def test_long_words_get_no_difflib_suggestion() -> None:
    key = "t" + "i" * 5000 + "tle"
    report = validate_bytes(json.dumps({**V1, key: 1}).encode(), "metadata.json")
    assert report.valid and report.warnings[0].hint == "not in the schema: kept, not checked"


def test_yaml_alias_bomb_in_metadata_is_bounded() -> None:
    text = "metadata_version: 2.0.0\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    report, issue = _one_error(text.encode(), "ai4-metadata.yml")
    assert "alias bomb" in issue.message and issue.line
    _r, issue = _one_error(b"metadata_version: 2.0.0\na: &a [*a]\n", "ai4-metadata.yml")
    assert "recursive YAML alias" in issue.message
