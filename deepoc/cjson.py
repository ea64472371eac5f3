"""``loads`` and ``dumps``: :mod:`json`'s, under the names deepoc/site and deepoc/jsondoc call.

The keywords are the ones those callers use; values, text and errors are json's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["dumps", "loads"]


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``: str, or bytes in UTF-8/16/32."""
    return json.loads(text)


def dumps(obj: Any, *, sort_keys: bool = False, separators: tuple[str, str] = (", ", ": "),
          ensure_ascii: bool = True, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(obj, ...)`` on one line, with these keywords."""
    return json.dumps(obj, sort_keys=sort_keys, separators=separators,
                      ensure_ascii=ensure_ascii, default=default)
