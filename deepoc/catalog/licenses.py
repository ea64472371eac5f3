"""A module's license when its metadata names none: the LICENSE file at the branch head.

Many modules (every AI4OS one) leave the metadata's ``license`` empty but keep a LICENSE
file, and MIT versus AGPL-3.0 is a difference a user must see before using a module. Sync
reads the first of ``LICENSE_FILES`` present (with the metadata, no checkout, size-limited
like every blob) and names its SPDX id with pre-commit's ``identify`` library
(``identify.identify.license_id``: the choosealicense.com texts, copyright lines stripped,
whitespace folded, then an edit distance under 5 % of the text).

Five per cent of the GPL is some 1,700 characters: a whole clause can go missing and the
text is still called GPL-3.0. So an answer of identify's is only kept when the text is
*faithful* to that license's own text (:func:`faithful`), compared word by word:

- no run of more than ``MAX_HUNK_WORDS`` words of the license is missing or replaced, and
  at most ``MAX_CHANGED_WORDS`` in all;
- within the terms, words put in where none were are at most ``MAX_INSERTED_WORDS`` (a
  list marker, MIT's "(including the next paragraph)"), and a replacement is at most twice
  as long as what it replaces, or ``MAX_INSERTED_WORDS`` (a name in place of "the
  copyright holder");
- the terms do not stop short.

Copyright notices, a title, text before the license or after its end (GPL's and Apache's
"How to apply" appendix is cut at "END OF TERMS AND CONDITIONS") are free. Every real
license file tried (the 117 of this machine's Python packages and Debian's
common-licenses that identify names) passes; an added, removed or rewritten clause does
not, and the text is "unrecognised" (``spdx_id`` null): the site then links to the file
for a person to read. Words are words: a short phrase slipped in within these bounds can
pass, which is why the file stays one click away.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tempfile
import threading
from collections.abc import Mapping
from typing import Any

from identify import identify
from identify.vendor.licenses import LICENSES

from deepoc.limits import human_size

__all__ = ["LICENSE_FILES", "MAX_CHANGED_WORDS", "MAX_HUNK_WORDS", "MAX_INSERTED_WORDS",
           "faithful",
           "identify_license", "license_file", "metadata_license"]

#: read in this order; the first present is the module's license file
LICENSE_FILES: tuple[str, ...] = ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING")
#: the longest run of words of the license text that may be missing or replaced
MAX_HUNK_WORDS = 8
#: all the words of the license text that may be missing or replaced, in all
MAX_CHANGED_WORDS = 24
#: words that may be put in within the terms at one place (more if they replace as many)
MAX_INSERTED_WORDS = 4

_TEXTS: dict[str, str] = dict(LICENSES)
_END = "end of terms and conditions"
# A copyright notice line: "Copyright (c) 2024 ...", "Copyright 2007 ...", "(C) 2019 ...",
# "Copyright [yyyy] [name]", "Portions Copyright ...". Not a wrapped line of the terms that
# happens to start with "copyright license to reproduce..." (identify strips those too).
_NOTICE = re.compile(
    r"^\s*(?:portions\s+)?(?:copyright\s*(?:\(c\)|©|\d{4}|[\[<{])|(?:\(c\)|©)\s*(?:\d{4}|[\[<{]))"
    r".*$",
    re.IGNORECASE | re.MULTILINE,
)


def metadata_license(meta: Any) -> str | None:
    """The license the metadata names (v1 and v2 both say ``license``); None when it names
    none: missing, not a string, empty or only whitespace."""
    value = meta.get("license") if isinstance(meta, Mapping) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _words(text: str) -> list[str]:
    """The text as lower-case words, copyright notices and everything after the end of the
    terms removed."""
    text = _NOTICE.sub(" ", text).lower()
    end = text.find(_END)
    if end >= 0:
        text = text[: end + len(_END)]
    return text.split()


def faithful(text: str, spdx_id: str) -> bool:
    """Is ``text`` the license ``spdx_id``'s text with no more than names, notices and a
    title changed? (See the module docstring for the rule; pure, so tested directly.)"""
    reference = _TEXTS.get(spdx_id)
    if reference is None:
        return False
    have, want = _words(text), _words(reference)
    if have == want:
        return True
    ops = difflib.SequenceMatcher(None, have, want, autojunk=False).get_opcodes()
    removed = 0
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            continue
        outer = n == 0 or n == len(ops) - 1  # before the license starts, after it ends
        missing, extra = j2 - j1, i2 - i1  # words of the license gone; words put in
        if missing > MAX_HUNK_WORDS:
            return False
        if n == len(ops) - 1 and missing and not extra:
            return False  # the terms stop short
        if not outer and extra > max(MAX_INSERTED_WORDS, 2 * missing):
            return False
        removed += missing
    return removed <= MAX_CHANGED_WORDS


class _Memo:
    """Answers already computed in this process, by a key of their whole input (bounded:
    emptied when full). A catalog's modules share a few license texts under different
    copyright lines, and a module's branches share one file: each text is identified once."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.data: dict[tuple[str, ...], Any] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple[str, ...], compute: Any) -> Any:
        with self.lock:
            if key in self.data:
                return self.data[key]
        value = compute()
        with self.lock:
            if len(self.data) >= self.size:
                self.data.clear()
            self.data[key] = value
        return value


_MEMO = _Memo()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _license_id(text: str) -> str | None:
    """identify's ``license_id`` of ``text`` (it reads a path: the text goes to a private
    temp file, removed on close)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", prefix="deepoc-license-",
                                     suffix=".txt") as fh:
        fh.write(text)
        fh.flush()
        return identify.license_id(fh.name)


def identify_license(data: bytes) -> str | None:
    """The SPDX id of a license file's bytes, or None when it is not UTF-8 text or not
    faithfully one of the licenses identify knows."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    # license_id depends only on the text as identify normalises it (copyright lines out,
    # whitespace folded), faithful() only on its words: each is memoised by exactly that
    seen = identify.WS_RE.sub(" ", identify.COPYRIGHT_RE.sub("", text)).strip()
    spdx_id = _MEMO.get(("id", _digest(seen)), lambda: _license_id(text))
    if not spdx_id:
        return None
    words = " ".join(_words(text))
    ok = _MEMO.get(("faithful", spdx_id, _digest(words)), lambda: faithful(text, spdx_id))
    return spdx_id if ok else None


def license_file(blobs: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The branch record's ``license_file`` and a warning (or None) from the blobs read at
    the head (``path -> git.Blob``): the first of ``LICENSE_FILES`` present, its SPDX id
    or None when unrecognised or too large to read."""
    for path in LICENSE_FILES:
        blob = blobs.get(path)
        if blob is None:
            continue
        if blob.too_large:
            return {"path": path, "spdx_id": None}, {
                "path": path, "line": None, "column": None,
                "message": f"{path} is too large to identify: {human_size(blob.size or 0)} "
                           f"(limit {human_size(blob.limit or 0)})",
                "hint": "a license text is a few KB; name the license in the metadata",
            }
        if blob.data is not None:
            return {"path": path, "spdx_id": identify_license(blob.data)}, None
    return None, None
