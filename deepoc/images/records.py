"""builds.json: one record per module × branch (or git tag) × variant, newest run wins.

Written atomically after every module, so a crash or a stopped registry never leaves half
a file; the site reads it. Format: docs/reference/builds-json.md.
"""

from __future__ import annotations

import fcntl
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from deepoc.fsutil import atomic_write_json
from deepoc.images.newest import file_order, record_key

BUILDS_VERSION = 1
STATUSES = ("pushed", "reused", "built", "failed")
FIELDS = (
    "module", "branch", "git_tag", "variant", "commit", "build_number", "image", "tags",
    "digest", "build_key", "status", "reason", "duration", "log", "time",
)


def now_iso() -> str:
    """UTC time with a Z, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class BuildRecord:
    """What happened to one image: one entry of builds.json (fields in ``FIELDS`` order)."""

    module: str
    branch: str | None
    git_tag: str | None
    variant: str
    commit: str
    status: str
    build_number: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    digest: str | None = None
    build_key: str | None = None
    reason: str | None = None
    duration: float = 0.0
    log: str | None = None
    time: str = field(default_factory=lambda: now_iso())
    #: whether this run built the image (for the run's counts; not written to builds.json)
    built: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The builds.json form (docs/reference/builds-json.md)."""
        return {f: getattr(self, f) for f in FIELDS}


class BuildsFile:
    """Merges new records into an existing builds.json and rewrites it atomically."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._mine: dict[tuple, dict] = {}
        self._records: dict[tuple, dict] = self._read()

    def add(self, records: Iterable[BuildRecord]) -> None:
        """Record results (replacing older ones for the same module/branch/variant) and save.

        Other processes may update the same file (``--only`` runs side by side): under an
        exclusive lock, the file is re-read and merged before it is replaced.
        """
        with self._lock:
            for rec in records:
                entry = rec.to_dict()
                self._mine[record_key(entry)] = entry
            if not self.path:
                self._records.update(self._mine)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                self._records = self._read()
                self._records.update(self._mine)
                atomic_write_json(self.path, self.document(), listing="builds")

    def _read(self) -> dict[tuple, dict]:
        out: dict[tuple, dict] = {}
        if self.path and self.path.exists():
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                for rec in doc.get("builds") or []:
                    if isinstance(rec, dict):
                        out[record_key(rec)] = rec
            except (OSError, ValueError, AttributeError):
                return {}  # unreadable: start over, the new file replaces it whole
        return out

    def document(self) -> dict:
        """The whole file as a dict, records sorted for stable diffs."""
        recs = sorted(self._records.values(), key=file_order)
        return {"builds_version": BUILDS_VERSION, "updated": now_iso(), "builds": recs}
