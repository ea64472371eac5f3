"""The one JSON layout deep-oc writes, and a reader that splits a list of it unparsed.

Every JSON file deep-oc writes uses :func:`dumps`: two-space indent, sorted keys, a final
newline. A file that is mostly one long list of records (catalog.json's ``modules``,
builds.json's ``builds``) names that list, and then holds one record per line:

    {
      "catalog_version": 1,
      "modules": [
        {"name": "a", ...},
        {"name": "b", ...}
      ]
    }

JSON strings cannot hold a raw newline, so each record is exactly one line, and
:func:`item_starts` can find where each record is without parsing any of it.
An incremental consumer (the site build) compares records byte for byte with the previous
file and parses only the few that changed. A diff of the file also shows which records
changed.
"""

from __future__ import annotations

from itertools import accumulate, repeat

from deepoc import cjson

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    import mmap
    from typing import Any

    Buffer = bytes | mmap.mmap  # what an input file may be: read, or mapped


def dumps(data: Any, listing: str | None = None) -> str:
    """``data`` as stable, indented JSON ending with a newline; the objects of the top-level
    list ``listing`` one per line."""
    import json  # indented output: json's Python encoder (not needed to read)

    items = data.get(listing) if listing is not None and isinstance(data, dict) else None
    if not items or not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    text = json.dumps({**data, listing: []}, indent=2, sort_keys=True, ensure_ascii=False)
    empty = "\n  " + json.dumps(listing) + ": []"  # two spaces: only the top-level key
    lines = ",\n".join("    " + json.dumps(i, sort_keys=True, ensure_ascii=False) for i in items)
    return text.replace(empty, empty[:-1] + "\n" + lines + "\n  ]", 1) + "\n"


def item_starts(raw: Buffer, key: str) -> tuple[dict[str, Any], list[int]] | None:
    """The document without ``key``, and where the line of each object in its list ``key``
    starts in ``raw``. Returns None when ``raw`` is not in the layout of :func:`dumps` with
    ``listing=key``; the caller then parses the whole document."""
    raw = raw if isinstance(raw, bytes) else bytes(raw)  # e.g. a mapped file
    lines = raw.split(b"\n")  # one memchr pass: records are lines
    opening = b'  "' + key.encode() + b'": ['
    start = _index(lines, opening)
    if start is None:
        if _index(lines, opening + b"]") is None and _index(lines, opening + b"],") is None:
            return None
        head_text = raw  # an empty list is written "[]"
        starts: list[int] = []
    else:
        ends = [i for i in (_index(lines, b"  ]", start), _index(lines, b"  ],", start))
                if i is not None]
        if not ends or min(ends) == start + 1:
            return None
        end = min(ends)
        items = lines[start + 1:end]  # one record per line: "    {...}," ("    {...}" last)
        if not (all(map(bytes.startswith, items, repeat(b"    {")))
                and all(map(bytes.endswith, items[:-1], repeat(b"},")))
                and items[-1].endswith(b"}")):
            return None  # not one record per line: another layout
        first = sum(map(len, lines[:start + 1])) + start + 1
        starts = list(accumulate((len(line) + 1 for line in items[:-1]), initial=first))
        head_text = b"\n".join(lines[:start + 1]) + b"]" + b"\n".join(lines[end:])[3:]
    try:
        head = cjson.loads(head_text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(head, dict) or head.get(key) != []:
        return None
    del head[key]
    return head, starts


def item_at(raw: Buffer, start: int) -> bytes:
    """The record whose line starts at ``start``, with a trailing comma whether or not it
    is the last one: equal records have equal texts wherever they are."""
    line = raw[start:raw.find(b"\n", start)]
    return line if line.endswith(b",") else line + b","


def _first_at_least(items: list[int], x: int) -> int:
    """bisect.bisect_left, without its import (a shared library: about 0.8 ms of every
    site rebuild process)."""
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def changed_items(new: Buffer, old: Buffer, old_starts: list[int]
                  ) -> tuple[int, int, list[int]] | None:
    """How ``new`` differs from ``old``, a file in this layout whose records start at
    ``old_starts``: records ``first`` to ``first + count`` of ``old`` were replaced by the
    records starting at ``starts`` in ``new``, and nothing else changed. Returns
    ``(first, count, starts)``, or None when the change is not only whole records.

    Found by comparing bytes from both ends (memcmp, no parsing and no cutting up), so a
    one-record change in a 30 MB file costs about a millisecond."""
    if not old_starts:
        return None
    limit = min(len(new), len(old))
    same_head = _common_prefix(new, old, limit)
    same_tail = _common_suffix(new, old, limit - same_head)
    begin = new.rfind(b"\n", 0, same_head) + 1  # the changed lines start here in both
    new_end, old_end = len(new) - same_tail, len(old) - same_tail
    if begin < old_starts[0]:
        return None  # the head changed
    if not (_line_start(new, new_end, begin) and _line_start(old, old_end, begin)):
        stop = new.find(b"\n", new_end)  # the same line in both: their tails are equal
        if stop < 0:
            return None
        new_end, old_end = new_end + stop + 1 - new_end, old_end + stop + 1 - new_end
    first = _first_at_least(old_starts, begin)
    if first == len(old_starts) or old_starts[first] != begin:
        return None  # not at a record's line
    count = old[begin:old_end].count(b"\n")  # either may be a mapped file (no count)
    if first + count > len(old_starts):
        return None  # the list's end changed
    starts = []
    at = begin
    while at < new_end:
        line_end = new.find(b"\n", at)
        line = new[at:line_end]
        if not (line.startswith(b"    {") and line.endswith((b"},", b"}"))):
            return None  # not a record line: the list's end, or another layout
        starts.append(at)
        at = line_end + 1
    return first, count, starts


def same_bytes(a: Buffer, b: Buffer) -> bool:
    """``a == b`` for any two buffers (a mapped file compares by identity with ``==``),
    without copying either whole."""
    return len(a) == len(b) and _common_prefix(a, b, len(a)) == len(a)


# memcmp in shrinking steps, each 16 times the next: after the first size a scan makes at
# most 16 comparisons per size (under 100 in all, where 4 sizes took up to 380), and it
# compares little more than the common part
_STEPS = (1 << 20, 1 << 16, 1 << 12, 1 << 8, 1 << 4, 1)
# bytes.startswith/endswith are Python's only memcmp of two buffers, and need bytes (or a
# bytearray) on one side. A mapped file is copied through a bytearray this size at a time:
# reading a 2.4 MB input whole into new memory cost a rebuild about 1.5 ms of page faults.
_CHUNK = 1 << 16


def _prefix(h: bytes | bytearray, vb: memoryview, at: int, limit: int) -> int:
    """How many bytes ``h`` and ``vb[at:]`` have in common from their starts (<= limit)."""
    k = 0
    for size in _STEPS:
        while k + size <= limit and h.startswith(vb[at + k:at + k + size], k):
            k += size
    return k


def _suffix(h: bytes | bytearray, h_end: int, vb: memoryview, b_end: int, limit: int) -> int:
    """How many bytes ``h[:h_end]`` and ``vb[:b_end]`` have in common at their ends."""
    k = 0
    for size in _STEPS:
        while k + size <= limit and h.endswith(vb[b_end - k - size:b_end - k], 0, h_end - k):
            k += size
    return k


def _common_prefix(a: Buffer, b: Buffer, limit: int) -> int:
    vb = memoryview(b)
    if isinstance(a, bytes):
        return _prefix(a, vb, 0, limit)
    va, buf, at = memoryview(a), bytearray(min(_CHUNK, limit)), 0
    while at < limit:
        n = min(_CHUNK, limit - at)
        buf[:n] = va[at:at + n]
        same = _prefix(buf, vb, at, n)
        at += same
        if same < n:
            break
    return at


def _common_suffix(a: Buffer, b: Buffer, limit: int) -> int:
    vb, la, lb = memoryview(b), len(a), len(b)
    if isinstance(a, bytes):
        return _suffix(a, la, vb, lb, limit)
    va, buf, k = memoryview(a), bytearray(min(_CHUNK, limit)), 0
    while k < limit:
        n = min(_CHUNK, limit - k)
        buf[:n] = va[la - k - n:la - k]
        same = _suffix(buf, n, vb, lb - k, n)
        k += same
        if same < n:
            break
    return k


def _line_start(text: bytes, at: int, begin: int) -> bool:
    return at == begin or text[at - 1:at] == b"\n"


def load_item(text: bytes) -> Any:
    """One record's text from :func:`item_at` (raises ValueError when it is not JSON)."""
    return cjson.loads(text[:-1])


def _index(lines: list[bytes], line: bytes, start: int = 0) -> int | None:
    try:
        return lines.index(line, start)
    except ValueError:
        return None
