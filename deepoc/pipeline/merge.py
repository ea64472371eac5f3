"""Fan-in for a fanned-out images stage: merge per-agent builds.json files into one.

Jenkins (``parallel``) and GitHub Actions (a matrix) build each module on its own agent, each
writing a builds.json with that module's records; the site needs one file. Records are keyed
by module, branch, git tag and variant, and the newest wins (:mod:`deepoc.images.newest`:
the rule builds.json and the site follow too).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from deepoc.errors import DeepOCError
from deepoc.fsutil import atomic_write_json
from deepoc.images.newest import file_order, newest


def merge_records(parts: list[dict]) -> dict:
    """Merge parsed builds.json documents; the newest record per key wins."""
    best = newest(rec for doc in parts for rec in doc.get("builds") or [])
    records = sorted(best.values(), key=file_order)
    updated = max(
        (str(d.get("updated")) for d in parts if d.get("updated")),
        default=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return {"builds_version": 1, "updated": updated, "builds": records}


def merge_files(output: Path, inputs: list[Path]) -> int:
    """Merge ``inputs`` (and ``output`` itself when it exists) into ``output``; returns records."""
    docs = []
    for path in ([output] if output.is_file() else []) + list(inputs):
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DeepOCError(
                f"{path}: no such builds file; pass the builds.json each agent wrote"
            ) from None
        except ValueError as exc:
            raise DeepOCError(
                f"{path}: not valid JSON ({exc}); re-run that module's images stage"
            ) from None
        if not isinstance(doc, dict) or doc.get("builds_version") != 1:
            raise DeepOCError(
                f"{path}: not a builds.json (builds_version 1); pass files written by "
                "deep-oc images build"
            )
        docs.append(doc)
    merged = merge_records(docs)
    atomic_write_json(output, merged, listing="builds")
    return len(merged["builds"])
