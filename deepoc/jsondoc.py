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
:func:`split_items` can cut the list into the raw text of each record without parsing it.
An incremental consumer (the site build) compares records byte for byte with the previous
file and parses only the few that changed. A diff of the file also shows which records
changed.
"""

from __future__ import annotations

import json
from itertools import repeat

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from typing import Any


def dumps(data: Any, listing: str | None = None) -> str:
    """``data`` as stable, indented JSON ending with a newline; the objects of the top-level
    list ``listing`` one per line."""
    items = data.get(listing) if listing is not None and isinstance(data, dict) else None
    if not items or not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    text = json.dumps({**data, listing: []}, indent=2, sort_keys=True, ensure_ascii=False)
    empty = "\n  " + json.dumps(listing) + ": []"  # two spaces: only the top-level key
    lines = ",\n".join("    " + json.dumps(i, sort_keys=True, ensure_ascii=False) for i in items)
    return text.replace(empty, empty[:-1] + "\n" + lines + "\n  ]", 1) + "\n"


def split_items(raw: bytes, key: str) -> tuple[dict[str, Any], list[bytes]] | None:
    """The document without ``key``, and the raw text of each object in its list ``key``.

    ``json.loads(text)`` of an item gives that object. Returns None when ``raw`` is not in
    the layout of :func:`dumps` with ``listing=key``; the caller then parses it whole.
    """
    marker = b'\n  "' + key.encode() + b'": ['
    start = raw.find(marker)
    if start < 0:
        return None
    open_at = start + len(marker)  # at the "[" 's end
    if raw.startswith(b"]", open_at):  # an empty list is written "[]"
        items: list[bytes] = []
        end = open_at
    else:
        if raw[open_at:open_at + 1] != b"\n":
            return None
        lines = raw[open_at + 1:].split(b"\n")
        ends = [i for i in (_index(lines, b"  ]"), _index(lines, b"  ],")) if i is not None]
        if not ends or min(ends) == 0:
            return None
        lines = lines[:min(ends)]  # one record per line, each "    {...}," or "    {...}"
        last = lines[-1]
        if not (all(map(bytes.startswith, lines, repeat(b"    {")))
                and all(map(bytes.endswith, lines[:-1], repeat(b"},"))) and last.endswith(b"}")):
            return None  # not one record per line: another layout
        items = [line[4:-1] for line in lines[:-1]]
        items.append(last[4:])
        end = open_at + 1 + sum(map(len, lines)) + len(lines) + 2  # at the "]"
    try:
        head = json.loads(raw[:open_at] + raw[end:])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(head, dict) or head.get(key) != []:
        return None
    del head[key]
    return head, items


def load_item(text: bytes) -> Any:
    """One item cut by :func:`split_items` (raises ValueError when it is not JSON)."""
    return json.loads(text)


def _index(lines: list[bytes], line: bytes) -> int | None:
    try:
        return lines.index(line)
    except ValueError:
        return None
