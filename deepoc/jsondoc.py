"""The one JSON layout deep-oc writes, and a reader that splits a list of it unparsed.

Every JSON file deep-oc writes (catalog.json, builds.json, modules.lock) uses
:func:`dumps`: two-space indent, sorted keys, a final newline. In that layout each item of
a top-level list starts on a line holding only four spaces and ``{``, and ends on a line
holding only four spaces and ``}`` (JSON strings cannot hold a raw newline, so these lines
can only be structure). :func:`split_items` uses that to cut such a list into the raw text
of each item without parsing any of it, so an incremental consumer (the site build) can
compare items byte for byte and parse only the few that changed.
"""

from __future__ import annotations

import json
from typing import Any

_ITEM_SEP = b"\n    },\n    {\n"
_ITEM_OPEN = b"    {\n"
_ITEM_CLOSE = b"\n    }"


def dumps(data: Any) -> str:
    """``data`` as stable, indented JSON ending with a newline (the layout above)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def split_items(raw: bytes, key: str) -> tuple[dict[str, Any], list[bytes]] | None:
    """The document without ``key``, and the raw bodies of the objects in its list ``key``.

    Each body is the text between an item's braces: ``json.loads(b"{" + body + b"}")``
    gives the item. Returns None when ``raw`` is not in the layout of :func:`dumps` (or the
    list holds something other than objects); the caller then parses the whole document.
    """
    marker = b'\n  "' + key.encode() + b'": ['
    start = raw.find(marker)
    if start < 0:
        return None
    open_at = start + len(marker)  # just after "["
    if raw.startswith(b"]", open_at):  # an empty list is written "[]"
        items: list[bytes] = []
        end = open_at
    else:
        if not raw.startswith(b"\n" + _ITEM_OPEN, open_at):
            return None
        end = raw.find(b"\n  ]", open_at)  # two spaces: only the list's own closing bracket
        if end < 0:
            return None
        body = raw[open_at + 1 + len(_ITEM_OPEN):end]
        if not body.endswith(_ITEM_CLOSE):
            return None
        items = body[:-len(_ITEM_CLOSE)].split(_ITEM_SEP)
        end += 3  # at the "]"
    try:
        head = json.loads(raw[:open_at] + raw[end:])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(head, dict) or head.get(key) != []:
        return None
    del head[key]
    return head, items


def load_item(body: bytes) -> Any:
    """One item cut by :func:`split_items` (raises ValueError when it is not JSON)."""
    return json.loads(b"{" + body + b"}")
