"""What a module's ``.cookiecutter.json`` says about the template that made it, and how far
behind the installed template that is: pure functions, shared by sync, the CLI and the site."""

from __future__ import annotations

import json
import re

RECORD_FILE = ".cookiecutter.json"
_VERSION = re.compile(r"^(\d{1,6})\.(\d{1,6})\.(\d{1,6})$")


def recorded_version(data: bytes | None) -> str | None:
    """The ``_template_version`` a record holds; None without a readable record or version."""
    if data is None:
        return None
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    version = record.get("_template_version") if isinstance(record, dict) else None
    return version if isinstance(version, str) and _VERSION.match(version) else None


def _parts(version: str) -> tuple[int, int, int] | None:
    m = _VERSION.match(version)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def behind(recorded: str | None, current: str) -> str | None:
    """How far ``recorded`` is behind ``current``: e.g. "2 minor versions", "1 patch
    version"; "unknown" without a record; None when it is not behind."""
    if recorded is None:
        return "unknown"
    old, new = _parts(recorded), _parts(current)
    if old is None or new is None:
        return "unknown"
    if old >= new:
        return None
    for step, a, b in zip(("major", "minor", "patch"), old, new, strict=True):
        if a != b:
            n = b - a
            return f"{n} {step} version{'s' if n != 1 else ''}"
    return None
