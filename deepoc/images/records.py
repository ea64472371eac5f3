"""builds.json: one record per module × branch (or git tag) × variant, newest run wins.

Written atomically after every module, so a crash or a stopped registry never leaves half
a file; the site reads it. Format: docs/reference/builds-json.md.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path

from deepoc.fsutil import atomic_write_json

BUILDS_VERSION = 1
STATUSES = ("pushed", "reused", "built", "failed")
FIELDS = (
    "module", "branch", "git_tag", "variant", "commit", "build_number", "image", "tags",
    "digest", "build_key", "status", "reason", "duration", "log", "time",
)


def now_iso() -> str:
    """UTC time with a Z, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _key(rec: dict) -> tuple:
    return (rec.get("module"), rec.get("branch"), rec.get("git_tag"), rec.get("variant"))


class BuildsFile:
    """Merges new records into an existing builds.json and rewrites it atomically."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._records: dict[tuple, dict] = {}
        if self.path and self.path.exists():
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                for rec in doc.get("builds") or []:
                    if isinstance(rec, dict):
                        self._records[_key(rec)] = rec
            except (OSError, ValueError):
                self._records = {}  # unreadable: start over, the new file replaces it whole

    def add(self, records: list[dict]) -> None:
        """Record results (replacing older ones for the same module/branch/variant) and save."""
        with self._lock:
            for rec in records:
                missing = [f for f in FIELDS if f not in rec]
                assert not missing, missing
                self._records[_key(rec)] = {f: rec[f] for f in FIELDS}
            if self.path:
                atomic_write_json(self.path, self.document())

    def document(self) -> dict:
        """The whole file as a dict, records sorted for stable diffs."""
        recs = sorted(
            self._records.values(),
            key=lambda r: (
                str(r.get("module")), str(r.get("branch") or ""), str(r.get("git_tag") or ""),
                str(r.get("variant")),
            ),
        )
        return {"builds_version": BUILDS_VERSION, "updated": now_iso(), "builds": recs}
