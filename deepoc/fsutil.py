"""File-system helpers shared by every stage: writes that are atomic or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from deepoc import jsondoc


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *,
                       overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` through a temp file and a rename.

    A crash or Ctrl-C leaves either the old file or the new one, never half of one.
    ``overwrite=False``: the temp file is hard-linked into place instead, which fails with
    FileExistsError when ``path`` exists, even one made a moment ago (no check-then-write).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes 0600 files; published catalogs and sites must get the usual mode.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str, *,
                      overwrite: bool = True) -> None:
    """Atomic write of UTF-8 text (``overwrite``: as for :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def atomic_write_json(path: str | os.PathLike[str], data: Any, listing: str | None = None
                      ) -> None:
    """Atomic write of ``data`` in deep-oc's one JSON layout (:func:`deepoc.jsondoc.dumps`; the
    objects of the top-level list ``listing`` one per line)."""
    atomic_write_text(path, jsondoc.dumps(data, listing))
