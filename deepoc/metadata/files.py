"""Which file of a module repository holds its metadata: one rule for sync and publish.

AI4OS documents ``ai4-metadata.yml`` (v2) as what the marketplace shows, and its modules
keep a legacy ``metadata.json`` beside it that is no longer kept up to date. So the newest
format comes first: ``ai4-metadata.yml``, then ``ai4-metadata.json`` (v2 written as JSON),
then ``metadata.json``. The first present wins; the others are ignored, and saying so is
the caller's job (sync records a warning naming each ignored file).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["METADATA_FILES", "choose"]

#: in order of precedence: the first present is read
METADATA_FILES: tuple[str, ...] = ("ai4-metadata.yml", "ai4-metadata.json", "metadata.json")


def choose(present: Iterable[str]) -> tuple[str | None, list[str]]:
    """(the file read, the metadata files ignored) among the ``present`` paths."""
    have = set(present)
    found = [name for name in METADATA_FILES if name in have]
    return (found[0], found[1:]) if found else (None, [])
