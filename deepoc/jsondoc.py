"""The one JSON layout deep-oc writes.

Every JSON file deep-oc writes uses :func:`dumps`: strict RFC 8259 JSON (``allow_nan=False``:
NaN or an infinity raises ValueError instead of writing a file other readers reject; the
validator refuses such values long before, this is the last guard), two-space indent, sorted
keys, a final newline. A file that is mostly one long list of records (catalog.json's ``modules``,
builds.json's ``builds``) names that list, and then holds one record per line, so a diff
of the file shows which records changed:

    {
      "catalog_version": 1,
      "modules": [
        {"name": "a", ...},
        {"name": "b", ...}
      ]
    }
"""

from __future__ import annotations

import json
from typing import Any


def dumps(data: Any, listing: str | None = None) -> str:
    """``data`` as stable, indented JSON ending with a newline; the objects of the top-level
    list ``listing`` one per line."""
    items = data.get(listing) if listing is not None and isinstance(data, dict) else None
    if not items or not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False,
                          allow_nan=False) + "\n"
    text = json.dumps({**data, listing: []}, indent=2, sort_keys=True, ensure_ascii=False,
                          allow_nan=False)
    empty = "\n  " + json.dumps(listing) + ": []"  # two spaces: only the top-level key
    lines = ",\n".join("    " + json.dumps(i, sort_keys=True, ensure_ascii=False,
                          allow_nan=False) for i in items)
    return text.replace(empty, empty[:-1] + "\n" + lines + "\n  ]", 1) + "\n"
