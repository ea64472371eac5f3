"""Which build record wins: the one rule that builds.json, the fan-in merge and the site share.

A record is keyed by module, branch, git tag and variant. The newest ``time`` wins; records
with the same time are ordered by their content, so the winner never depends on which
agent's file or which line came first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["file_order", "newer", "newest", "record_key"]


def record_key(rec: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    """What a record is the latest run of: module, branch, git tag and variant."""
    return (rec.get("module"), rec.get("branch"), rec.get("git_tag"), rec.get("variant"))


def file_order(rec: dict[str, Any]) -> tuple[str, str, str, str]:
    """Where a record goes in builds.json: by its key, an absent branch or tag first (stable
    diffs, whichever command wrote the file)."""
    return (str(rec.get("module")), str(rec.get("branch") or ""), str(rec.get("git_tag") or ""),
            str(rec.get("variant")))


def newer(rec: dict[str, Any], old: dict[str, Any]) -> bool:
    """Whether ``rec`` replaces ``old`` (a record with the same key)."""
    new_time, old_time = str(rec.get("time") or ""), str(old.get("time") or "")
    if new_time != old_time:
        return new_time > old_time
    # the same time: any fixed choice that does not depend on which came first
    return json.dumps(rec, sort_keys=True, default=str) > json.dumps(
        old, sort_keys=True, default=str)


def newest(records: Iterable[Any]) -> dict[tuple[Any, Any, Any, Any], dict[str, Any]]:
    """The winning record per key, in the order keys were first seen (non-objects skipped)."""
    best: dict[tuple[Any, Any, Any, Any], dict[str, Any]] = {}
    for rec in records:
        if not isinstance(rec, dict):
            continue
        key = record_key(rec)
        old = best.get(key)
        if old is None or newer(rec, old):
            best[key] = rec
    return best
