"""deepoc/textsafe.py: every code point, both functions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from deepoc.textsafe import BIDI_CONTROLS, for_terminal, neutralise, neutralise_tree

ALL = "".join(map(chr, range(0x110000)))
BIDI = [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E,
        0x200F, 0x061C]


def test_the_bidi_set_is_exactly_the_issue_list() -> None:
    assert sorted(BIDI_CONTROLS) == sorted(BIDI)


def _expected_page(code: int) -> str:
    if code in BIDI:
        return ""
    if code in (9, 10):
        return chr(code)
    if code == 13:
        return "\n"
    if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE,
                                                                                     0xFFFF):
        return ""
    return chr(code)


def test_neutralise_every_code_point() -> None:
    for code in range(0x110000):
        assert neutralise(chr(code)) == _expected_page(code), hex(code)


def test_neutralised_text_is_well_formed_xml_and_idempotent() -> None:
    text = neutralise(ALL)
    assert neutralise(text) == text
    body = text.encode("utf-8").replace(b"&", b"&amp;").replace(b"<", b"&lt;")
    ET.fromstring(b"<t>" + body + b"</t>")  # parses: no control character left


@pytest.mark.parametrize(("raw", "shown"), [
    ("exe.\u202etxt", "exe.txt"), ("a\r\nb\rc", "a\nb\nc"), ("bell\x07", "bell"),
    ("\x1b[31mred", "[31mred"), ("nul\x00", "nul"), ("c1\x85", "c1"),
    ("\u2067isolate\u2069", "isolate"), ("plain text", "plain text"), ("", ""),
    ("tab\tnl\n", "tab\tnl\n"), ("é 日本 \u200d", "é 日本 \u200d"),
])
def test_neutralise_examples(raw: str, shown: str) -> None:
    assert neutralise(raw) == shown


def test_neutralise_tree_reaches_keys_and_nested_values() -> None:
    got = neutralise_tree({"t\u202e": ["a\x1b", ("b\u2066",), {"c": 1}], "n": None, "x": 2.5})
    assert got == {"t": ["a", ("b",), {"c": 1}], "n": None, "x": 2.5}


def _expected_terminal(code: int, keep_newlines: bool) -> str:
    if code == 9 or (code == 10 and keep_newlines):
        return chr(code)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if code in BIDI or 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return chr(code)


@pytest.mark.parametrize("keep", [True, False])
def test_for_terminal_every_code_point(keep: bool) -> None:
    for code in range(0x110000):
        assert for_terminal(chr(code), keep) == _expected_terminal(code, keep), hex(code)


def test_for_terminal_output_has_no_control_left() -> None:
    shown = for_terminal(ALL, keep_newlines=False)
    assert not any(ord(c) < 0x20 and c != "\t" or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert not any(ord(c) in BIDI_CONTROLS for c in shown)
    shown.encode("utf-8")  # no lone surrogate left


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"), ("a\rb", "a\\x0db"), ("\u202eabc", "\\u202eabc"),
    ("x\x9by", "x\\x9by"), ("del\x7f", "del\\x7f"), ("ok é", "ok é"),
])
def test_for_terminal_examples(raw: str, shown: str) -> None:
    assert for_terminal(raw) == shown
