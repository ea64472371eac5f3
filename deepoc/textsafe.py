"""Untrusted text made safe to show: on a web page or feed (:func:`neutralise`) and on a
terminal (:func:`for_terminal`).

Why: module metadata, file contents and git/registry answers are written by strangers.
Bidirectional overrides (U+202E...) make a title or a keyword read differently from what it
is (``txt.exe`` shown as ``exe.txt``); C0/C1 controls are not allowed in XML (a feed with one
is not well-formed) and, on a terminal, ESC and friends move the cursor, rewrite earlier
lines, set the window title or ring the bell. Pure functions, one place, exhaustive tests.
"""

from __future__ import annotations

#: Unicode bidirectional formatting characters: embeddings and overrides (U+202A-U+202E),
#: isolates (U+2066-U+2069), the implicit marks (U+200E/F) and the Arabic letter mark.
BIDI_CONTROLS = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
)


def _is_control(code: int) -> bool:
    """C0 (but tab and newline), DEL and C1 controls."""
    return (code < 0x20 and code not in (0x09, 0x0A)) or 0x7F <= code <= 0x9F


def _not_xml_char(code: int) -> bool:
    """Surrogates (a lone one cannot be encoded) and U+FFFE/U+FFFF (not XML characters)."""
    return 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF)


def neutralise(text: str) -> str:
    """``text`` for a page, a feed or a sitemap: bidirectional controls, every other control
    character and anything XML 1.0 cannot hold are removed. Tabs and
    newlines stay; ``\\r\\n`` and ``\\r`` become ``\\n``. Idempotent."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isprintable() and "\n" not in text and "\t" not in text:
        return text  # the common case, and the fast one
    out = []
    for ch in text:
        code = ord(ch)
        if code in BIDI_CONTROLS or _is_control(code) or _not_xml_char(code):
            continue
        out.append(ch)
    return "".join(out)


def neutralise_tree(value: object) -> object:
    """:func:`neutralise` applied to every string (keys too) of a JSON-like value."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, list):
        return [neutralise_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(neutralise_tree(v) for v in value)
    if isinstance(value, dict):
        return {neutralise_tree(k): neutralise_tree(v) for k, v in value.items()}
    return value


def for_terminal(text: str, keep_newlines: bool = True) -> str:
    """``text`` for a terminal: control characters (C0 but newline and tab, DEL, C1),
    bidirectional controls and lone surrogates are shown escaped (``\\x1b``, ``\\u202e``,
    ``\\udc80``), so a message can quote a file or a module's text without the terminal
    obeying it. With ``keep_newlines=False`` a newline is escaped too (one-line messages)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n" and keep_newlines or ch == "\t":
            out.append(ch)
        elif code <= 0xFF and (_is_control(code) or ch == "\n"):
            out.append(f"\\x{code:02x}")
        elif code in BIDI_CONTROLS or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
