"""The site folder on disk: a work tree filled page by page, then swapped in atomically.

Why: readers of the live site must only ever see the old site or the new one, a failed
build must leave the old one untouched, and a build where little changed should write
little. So a build fills a work tree beside the site, reusing the standby copy of the site
two builds ago (pages whose input hash matches are left alone) and hard-linking pages the
live site already has right; only the rest is rendered. Then the two trees swap in one step.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path

from deepoc.errors import DeepOCError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any


def _rmtree(path: Path) -> None:
    import shutil  # only for leftovers: not imported by a build that has none

    shutil.rmtree(path, ignore_errors=True)

MANIFEST = ".deepoc-site.json"
MANIFEST_VERSION = 3


def standby_path(out: Path) -> Path:
    """Where the previous generation of the site is kept for the next incremental build."""
    return out.parent / f".{out.name}.standby"


def read_manifest(folder: Path, globals_key: str) -> dict[str, Any] | None:
    """The manifest of a tree built with the same renderer and settings, else None. It
    names the build that made the tree; the page hashes of the live and standby trees are
    kept with the build's state, beside the site (a few marshalled dicts, not JSON that
    every build would parse and write again)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("globals") != globals_key \
            or manifest.get("manifest_version") != MANIFEST_VERSION:
        return None
    return manifest


@contextlib.contextmanager
def site_lock(out: Path) -> Iterator[None]:
    """One build at a time per site folder (the standby tree and the swap are shared)."""
    with open(out.parent / f".{out.name}.lock", "ab") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class Writer:
    """Brings a work tree up to date, touching only pages whose input hash changed.

    The work tree is either empty or the standby copy of the site two builds ago (its
    manifest says which page hashes it holds). A page already right there is left alone,
    a page that the live site has right is hard-linked from it, anything else is rendered.
    Files are replaced by rename, never rewritten in place, so a file shared (hard-linked)
    with the live site is never modified.
    """

    def __init__(self, out: Path, globals_key: str, trees: Any) -> None:
        """``trees`` is what :meth:`trees` returned after the last build (from its state)."""
        self.out, self.globals_key = out, globals_key
        self.live = out if out.is_dir() else None
        live = read_manifest(out, globals_key) if self.live else None
        self.live_id = (live or {}).get("build_id")
        known = trees if isinstance(trees, dict) else {}
        # the saved page hashes describe the live tree only if both come from one build
        self.same = self.live_id is not None and known.get("build_id") == self.live_id
        self.live_pages: dict[str, str] = known["pages"] if self.same else {}
        self._standby = (known.get("standby_id"), known.get("standby_pages"))
        self.pages: dict[str, str] = {}
        self.rendered = self.reused = 0
        self._dirs: set[Path] = set()
        self.work = Path()
        self.work_pages: dict[str, str] = {}

    def _start(self) -> None:
        """Make the work tree: the standby tree when it is usable, else an empty folder."""
        self.work, self.work_pages = self._work_tree()

    def _work_tree(self) -> tuple[Path, dict[str, str]]:
        out = self.out
        leftover = f".{out.name}.new-"  # work trees of builds that were killed
        with os.scandir(out.parent) as entries:
            for e in entries:
                if e.name.startswith(leftover):
                    _rmtree(Path(e.path))
        work = out.parent / f".{out.name}.new-{os.getpid()}-{os.urandom(4).hex()}"
        standby = standby_path(out)
        if standby.is_dir():
            manifest = read_manifest(standby, self.globals_key)
            standby_id, standby_pages = self._standby
            if self.same and manifest is not None and standby_id is not None \
                    and manifest.get("build_id") == standby_id \
                    and isinstance(standby_pages, dict):
                os.rename(standby, work)  # a half-updated tree never keeps the standby name
                os.unlink(work / MANIFEST)  # nor a manifest that would vouch for it
                return work, standby_pages
            _rmtree(standby)
        os.mkdir(work)
        return work, {}

    def trees(self, build_id: str) -> dict[str, Any]:
        """For the next build's state: the page hashes of the new live tree and of the
        standby tree (the previous live one) with the builds that made them."""
        return {"build_id": build_id, "pages": self.pages,
                "standby_id": self.live_id if self.live is not None else None,
                "standby_pages": self.live_pages if self.same else None}

    def _mkdir(self, path: Path) -> None:
        if path not in self._dirs:
            path.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path)

    def adopt(self, pages: dict[str, str],
              renders: dict[str, Callable[[], str | bytes]]) -> None:
        """All the pages of the new site at once (a delta build): only those the work tree
        does not already hold are looked at; ``renders`` makes the pages the live site does
        not have either."""
        work_pages = self.work_pages
        stale = [rel for rel, key in pages.items() if work_pages.get(rel) != key]
        self.reused += len(pages) - len(stale)
        for rel in stale:
            self.page(rel, pages[rel], renders.get(rel))
        self.pages = dict(pages)

    def page(self, rel: str, key: str, render: Callable[[], str | bytes] | None) -> None:
        """Page ``rel`` with input hash ``key``; ``render`` makes it when no tree has it
        (None: the live site has it, read it from there)."""
        if rel in self.pages:
            raise DeepOCError(f"two pages of the site map to {rel}: rename one of the modules")
        self.pages[rel] = key
        if self.work_pages.get(rel) == key:
            self.reused += 1
            return
        target = self.work / rel
        self._mkdir(target.parent)
        exists = rel in self.work_pages
        tmp = target.with_name(f".{target.name}.tmp") if exists else target
        if self.live is not None and self.live_pages.get(rel) == key:
            try:
                os.link(self.live / rel, tmp)
                if exists:
                    os.replace(tmp, target)
                self.reused += 1
                return
            except OSError:
                pass
        data = render() if render is not None else (self.out / rel).read_bytes()
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(tmp, "wb") as fh:
            fh.write(data)
        if exists:
            os.replace(tmp, target)
        self.rendered += 1

    def run(self, fill: Callable[[], Any], extra: dict[str, Any]) -> Any:
        """Make the work tree, ``fill`` it, and swap it in; on any failure the work tree
        is deleted and the live site stays as it was. Returns what ``fill`` returned."""
        self._start()
        try:
            result = fill()
            self._commit(extra)
        except BaseException:
            self._abandon()
            raise
        return result

    def _commit(self, extra: dict[str, Any]) -> None:
        """Drop pages the new site no longer has, write the manifest and swap the work
        tree in; the previous site becomes the standby tree."""
        for rel in self.work_pages.keys() - self.pages.keys():
            try:
                os.unlink(self.work / rel)
            except FileNotFoundError:
                pass
        manifest = {"manifest_version": MANIFEST_VERSION, "globals": self.globals_key,
                    **extra}
        (self.work / MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")))
        os.chmod(self.work, 0o755)
        _swap(self.work, self.out, standby_path(self.out))

    def _abandon(self) -> None:
        _rmtree(self.work)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    import ctypes

    try:
        # the process's own symbols (libc among them): find_library would spawn ldconfig
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap(new: Path, target: Path, standby: Path) -> None:
    """Put ``new`` in place of ``target`` (readers see the old site or the new one); the old
    site becomes the standby tree that the next build updates instead of starting over."""
    if not target.exists():
        os.rename(new, target)
        return
    if _renameat2_exchange(new, target):
        os.rename(new, standby)  # ``new`` now holds the previous site
        return
    os.rename(target, standby)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(standby, target)
        raise
