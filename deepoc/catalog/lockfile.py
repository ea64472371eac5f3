"""DIR/modules.lock: what each module's followed branches pointed at when last synced.

The lock is the sync's memory: a branch whose remote head still equals the locked commit
(and whose catalog.json record agrees) is not fetched or parsed again. It is small,
sorted, diffable JSON so a catalog repository can commit it and review what moved.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from deepoc.fsutil import atomic_write_json

LOCK_VERSION = 1

__all__ = ["LOCK_VERSION", "read_lock", "write_lock"]


def read_lock(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Module name -> {"url", "branches": {branch: {"commit", "metadata_hash"}}}.

    A missing, unreadable or foreign lock reads as empty: the next sync simply re-reads
    everything, which is always safe.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("lock_version") != LOCK_VERSION:
        return {}
    modules = data.get("modules")
    if not isinstance(modules, dict):
        return {}
    return {k: v for k, v in modules.items() if isinstance(v, dict)}


def write_lock(
    path: str | os.PathLike[str], modules: dict[str, dict[str, Any]], source: str = "MODULES.yml"
) -> None:
    """Write the lock atomically (temp file + rename). No timestamp: the same state gives
    the same bytes, so a committed lock only changes when a module moved."""
    atomic_write_json(
        path,
        {
            "lock_version": LOCK_VERSION,
            "source": source,
            "modules": modules,
        },
    )
