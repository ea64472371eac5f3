"""What strict JSON (RFC 8259) written as UTF-8 can carry, as pure checks.

Every file deep-oc writes is strict JSON in UTF-8, and a module's values end up in those
files (catalog.json, the site's data). Python can hold values that such a file cannot: a
lone surrogate in a string (``"\\ud800"`` decodes to one), NaN and infinities, and integers
too long for any other reader (or for Python's own int-to-text limit). Such a value is
refused where it enters, at validation, with its place, so nothing downstream meets it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from deepoc.limits import MAX_INT_DIGITS

__all__ = ["Unrepresentable", "find_unrepresentable", "number_problem", "text_problem"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_INT_LIMIT = 10**MAX_INT_DIGITS


@dataclass(frozen=True)
class Unrepresentable:
    """A value strict UTF-8 JSON cannot carry: where (path, key or value) and why."""

    path: tuple
    is_key: bool
    message: str
    hint: str


def text_problem(s: str) -> str | None:
    """Why ``s`` cannot be written as UTF-8 (a lone surrogate), or None."""
    m = _SURROGATE.search(s)
    if m is None:
        return None
    return (f"text that cannot be encoded as UTF-8: lone surrogate U+{ord(m.group()):04X} "
            f"at character {m.start() + 1}")


def number_problem(value: Any) -> str | None:
    """Why a number cannot be carried by strict JSON (NaN, infinite, too many digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a JSON number (NaN and infinities are not allowed; a " \
               "literal too large for a 64-bit float becomes infinite)"
    if isinstance(value, int) and not -_INT_LIMIT < value < _INT_LIMIT:
        return f"integer with more than {MAX_INT_DIGITS} digits"
    return None


def _walk(value: Any) -> Iterator[tuple[tuple, bool, Any]]:
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, dict):
            for k, sub in v.items():
                yield path + (k,), True, k
                stack.append((path + (k,), sub))
        elif isinstance(v, (list, tuple)):
            for i, sub in enumerate(v):
                stack.append((path + (i,), sub))
        else:
            yield path, False, v


def find_unrepresentable(value: Any) -> Unrepresentable | None:
    """The first key or value (depth first) that strict UTF-8 JSON cannot carry, or None.

    Iterative and linear in the size of ``value``: safe on deep or wide data.
    """
    for path, is_key, v in _walk(value):
        if isinstance(v, str):
            why = text_problem(v)
            if why:
                what = "key" if is_key else "string"
                return Unrepresentable(path, is_key, f"{what}: {why}",
                                       "remove the \\ud800-\\udfff escape (a lone half of a "
                                       "UTF-16 pair) or write the whole character")
        elif isinstance(v, (int, float)):
            why = number_problem(v)
            if why:
                return Unrepresentable(path, is_key, why,
                                       "write a finite number of at most "
                                       f"{MAX_INT_DIGITS} digits, or a string")
        elif not is_key and v is not None and not isinstance(v, (bool,)):
            continue  # other types (dates from YAML) are turned into text by the writers
    return None
