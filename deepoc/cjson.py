"""``json.loads`` and ``json.dumps`` through CPython's C accelerator, without importing json.

Why: the :mod:`json` package imports :mod:`re`, which imports :mod:`enum`, :mod:`functools`
and :mod:`collections`: 5-10 ms of every process here, and a one-module site rebuild at
1,000 modules has about 45 ms in all. ``_json`` (the C half of :mod:`json`) parses and
writes JSON on its own. The results are the same as json's: any input the C scanner does not
take as a whole document is handed to :func:`json.loads`, which then raises json's own
error (or reads what only it reads, such as UTF-16 bytes), and without ``_json`` (another
Python) both functions are json's.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["dumps", "loads"]

_SPACE = " \t\n\r"  # JSON's whitespace (json.decoder.WHITESPACE)
_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class _Context:
    """What ``_json.make_scanner`` reads from a ``json.JSONDecoder``: its defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__
    memo: dict[str, str] = {}


def _unserialisable(obj: object) -> object:
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


try:
    from _json import encode_basestring, encode_basestring_ascii, make_encoder, make_scanner

    _scan = make_scanner(_Context())
    make_encoder({}, _unserialisable, encode_basestring_ascii, None, ": ", ", ", False,
                 False, True)  # the signature json uses; a Python that differs falls back
except (ImportError, TypeError):  # pragma: no cover - not CPython, or a changed _json
    _scan = None


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``."""
    if _scan is not None:
        try:
            s = text.decode("utf-8") if isinstance(text, bytes) else text
            start = 0
            if s[:1] in _SPACE:  # "" included: json.loads says what is wrong with it
                start = len(s) - len(s.lstrip(_SPACE))
            value, end = _scan(s, start)
            if end == len(s) or not s[end:].strip(_SPACE):
                return value
        except (StopIteration, ValueError):  # ValueError: json.JSONDecodeError, bad UTF-8
            pass
    import json  # not a whole document: json says why, in its words

    return json.loads(text)


def dumps(obj: Any, *, sort_keys: bool = False, separators: tuple[str, str] = (", ", ": "),
          ensure_ascii: bool = True, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(obj, ...)`` for these keywords (no ``indent``: use json for that)."""
    if _scan is None:  # pragma: no cover - see the module's docstring
        import json

        return json.dumps(obj, sort_keys=sort_keys, separators=separators,
                          ensure_ascii=ensure_ascii, default=default)
    encode = make_encoder({}, default or _unserialisable,
                          encode_basestring_ascii if ensure_ascii else encode_basestring,
                          None, separators[1], separators[0], sort_keys, False, True)
    return "".join(encode(obj, 0))
