"""deepoc.cjson gives what json gives: the same text out, the same values and errors in."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepoc import cjson

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


def _outcome(func, arg):  # noqa: ANN001, ANN202
    try:
        return "ok", json.dumps(func(arg))
    except (ValueError, TypeError) as exc:
        return type(exc), str(exc)


@settings(max_examples=800, deadline=None)
@given(VALUES, st.booleans(), st.booleans(), st.sampled_from([(", ", ": "), (",", ":")]))
def test_dumps_and_loads_agree_with_json(value: object, sort_keys: bool, ascii_only: bool,
                                         separators: tuple[str, str]) -> None:
    text = json.dumps(value, sort_keys=sort_keys, ensure_ascii=ascii_only, separators=separators)
    assert cjson.dumps(value, sort_keys=sort_keys, ensure_ascii=ascii_only,
                       separators=separators) == text
    for variant in (text, f" \n{text}\t", text + " x", text[:-1], text.encode(),
                    "\ufeff" + text):
        assert _outcome(cjson.loads, variant) == _outcome(json.loads, variant), variant


@pytest.mark.parametrize("text", ["", " ", "[1,]", '{"a":1}{', "nul", b"\xff",
                                  b"\xef\xbb\xbf[1]", "[1]".encode("utf-16"),
                                  "[1]".encode("utf-32"), '"\\ud800"', "[NaN, -Infinity]"])
def test_odd_documents(text: str | bytes) -> None:
    got, want = _outcome(cjson.loads, text), _outcome(json.loads, text)
    assert got == want


def test_errors_are_jsons_own() -> None:
    with pytest.raises(json.JSONDecodeError, match="Expecting value: line 1 column 4"):
        cjson.loads("[1,]")
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        cjson.dumps({"a": object()})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        cjson.dumps(loop)
    assert cjson.dumps({"a": object()}, default=lambda o: "x") == '{"a": "x"}'
    assert math.isnan(cjson.loads("NaN"))
