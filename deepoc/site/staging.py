"""Write a whole site beside the live one, then swap it in with one rename.

Why: readers and uploaders must never see half a site, and a failed build must leave the
previous site as it was. Why keep modification times: ``rsync`` and object-storage sync
tools decide what to upload by size and time, so a page whose bytes did not change keeps
the live copy's time and is not uploaded again.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from deepoc.errors import DeepOCError, UsageError

MANIFEST = ".deepoc-site.json"  # marks a folder as built by deep-oc (-o may replace it)
MANIFEST_TEXT = '{"generator": "deep-oc", "manifest_version": 4}\n'


def beside(out: Path, what: str) -> Path:
    """A hidden path next to the site folder, outside what is published."""
    return out.parent / f".{out.name}.{what}"


def check_output(out: Path, inputs: Sequence[Path] = ()) -> Path:
    """Refuse an ``-o`` that would wipe something deep-oc did not build, or that a build
    cannot replace as a whole; return it as an absolute path.

    Why each rule: a build swaps a new folder in for ``out`` and deletes the old one, so
    ``out`` must be a real folder (a symbolic link would be replaced by a folder, and its
    target never updated), not the folder the command runs in or one holding it (it cannot
    be renamed away, and the shell would be left in a deleted folder), and no input may
    live inside it (the build would delete what it was built from)."""
    if out.is_symlink():
        raise UsageError(f"output {out} is a symbolic link (to {os.readlink(out)}): give the "
                         "folder itself as -o, a build replaces -o as a whole")
    absolute = Path(os.path.abspath(out))
    real = Path(os.path.realpath(absolute))
    if real.parent == real:
        raise UsageError(f"output {out} is the root folder: choose a folder for the site")
    here = Path(os.path.realpath(os.getcwd()))
    if real == here or real in here.parents:
        raise UsageError(f"output {out} is the folder you are in, or holds it: a build "
                         "replaces -o as a whole; give a new folder such as -o site")
    for item in inputs:
        if real in Path(os.path.realpath(item)).parents:
            raise UsageError(f"input {item} is inside the output folder {out}, which a build "
                             "replaces as a whole: keep the inputs outside -o")
    if out.exists() and not out.is_dir():
        raise UsageError(f"output {out} exists and is not a folder: choose another -o")
    if out.is_dir() and not (out / MANIFEST).exists() and any(out.iterdir()):
        raise UsageError(f"output {out} is a non-empty folder that is not a site built by "
                         f"deep-oc: choose an empty or new folder for -o")
    return absolute


class Stage:
    """A new site being written; files identical to the live site's keep their time."""

    def __init__(self, work: Path, live: Path) -> None:
        self.work, self.live = work, live
        self.files = 0
        self.changed = 0
        self._seen: set[str] = set()
        self._folders: set[Path] = set()

    def write(self, rel: str, data: str | bytes) -> None:
        if rel in self._seen:
            raise DeepOCError(f"two pages of the site map to {rel}: rename one of the modules")
        self._seen.add(rel)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        target = self.work / rel
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        target.write_bytes(raw)
        self.files += 1
        old = self.live / rel
        try:
            same = old.stat().st_size == len(raw) and old.read_bytes() == raw
        except OSError:
            same = False
        if same:
            st = old.stat()
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        else:
            self.changed += 1


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """One build at a time per site folder."""
    with open(beside(out, "lock"), "ab") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 with RENAME_EXCHANGE), so the site's
    path never stops existing; False where the system does not offer it."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap(new: Path, out: Path, old: Path) -> None:
    """Put ``new`` in place of ``out``; the previous site ends up at ``old``."""
    if not out.exists():
        new.rename(out)
    elif _exchange(new, out):
        new.rename(old)
    else:  # two renames: a reader may find no site for an instant
        out.rename(old)
        try:
            new.rename(out)
        except OSError:
            old.rename(out)
            raise


def _unwritable(out: Path, exc: OSError) -> DeepOCError:
    where = exc.filename or out.parent
    return DeepOCError(f"cannot write the site {out}: {exc.strerror or exc} ({where}); "
                       f"nothing was changed: make {where} writable or choose another -o")


@contextmanager
def staged_site(out: Path, inputs: Sequence[Path] = ()) -> Iterator[Stage]:
    """A :class:`Stage` swapped in for ``out`` when the block ends without an error, and
    deleted when it raises (``out`` stays untouched). A folder that cannot be written (a
    read-only folder or parent, a full disk) is one DeepOCError, not an internal error."""
    out = check_output(out, inputs)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _lock(out):
            yield from _staged(out)
    except OSError as exc:
        raise _unwritable(out, exc) from None


def _staged(out: Path) -> Iterator[Stage]:
    """Write the new site beside ``out`` and swap it in (the caller holds the lock)."""
    for leftover in out.parent.glob(f".{out.name}.new-*"):  # of a build that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    tag = uuid.uuid4().hex[:12]
    work, old = beside(out, f"new-{tag}"), beside(out, f"new-{tag}-old")
    work.mkdir()
    try:
        stage = Stage(work, out)
        yield stage
        stage.write(MANIFEST, MANIFEST_TEXT)
        work.chmod(0o755)
        _swap(work, out, old)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
