"""The site folder on disk: a work tree filled page by page, then swapped in atomically.

Why: readers of the live site must only ever see the old site or the new one, a failed
build must leave the old one untouched, and a build where little changed should write
little. So a build fills a work tree beside the site, reusing the standby copy of the site
two builds ago (pages whose input hash matches are left alone) and taking pages the live
site already has right from it; only the rest is rendered. Then the two trees swap in one
step.
"""

from __future__ import annotations

import fcntl
import os

from deepoc import cjson
from deepoc.errors import DeepOCError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Paths are plain strings (os.path): see deepoc.site.render for why not pathlib.


def _rmtree(path: str) -> None:
    import shutil  # only for leftovers: not imported by a build that has none

    shutil.rmtree(path, ignore_errors=True)

MANIFEST = ".deepoc-site.json"
MANIFEST_VERSION = 3


def beside(out: str, what: str) -> str:
    """The path of the build's own file ``what`` next to the site folder ``out``:
    ``.SITE.what``, hidden and outside the published folder."""
    head, name = os.path.split(out)
    return os.path.join(head, f".{name}.{what}")


def standby_path(out: str) -> str:
    """Where the previous generation of the site is kept for the next incremental build."""
    return beside(out, "standby")


def read_manifest(folder: str, globals_key: str) -> dict[str, Any] | None:
    """The manifest of a tree built with the same renderer and settings, else None. It
    names the build that made the tree; the page hashes of the live and standby trees are
    kept with the build's state, beside the site (a few marshalled dicts, not JSON that
    every build would parse and write again)."""
    try:
        with open(os.path.join(folder, MANIFEST), "rb") as fh:
            manifest = cjson.loads(fh.read())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("globals") != globals_key \
            or manifest.get("manifest_version") != MANIFEST_VERSION:
        return None
    return manifest


class site_lock:  # noqa: N801 - used as a function: ``with site_lock(out):``
    """One build at a time per site folder (the standby tree and the swap are shared).
    A class, not contextlib.contextmanager: contextlib costs a rebuild about 1 ms."""

    def __init__(self, out: str) -> None:
        self._path = beside(out, "lock")
        self._fh = None

    def __enter__(self) -> None:
        self._fh = open(self._path, "ab")  # noqa: SIM115 - closed in __exit__
        fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
        self._fh.close()


class Writer:
    """Brings a work tree up to date, touching only pages whose input hash changed.

    The work tree is either empty or the standby copy of the site two builds ago (its
    manifest says which page hashes it holds). A page already right there is left alone,
    a page that the live site has right is copied (or, when the work tree lacks it,
    hard-linked) from it, anything else is rendered. The work tree's own files are
    rewritten in place; a file it shares (hard-linked) with the live site is never
    written: its link is removed and a new file takes its place.
    """

    def __init__(self, out: str, globals_key: str, trees: Any) -> None:
        """``trees`` is what :meth:`trees` returned after the last build (from its state)."""
        self.out, self.globals_key = out, globals_key
        self.live = out if os.path.isdir(out) else None
        live = read_manifest(out, globals_key) if self.live else None
        self.live_id = (live or {}).get("build_id")
        known = trees if isinstance(trees, dict) else {}
        # the saved page hashes describe the live tree only if both come from one build
        self.same = self.live_id is not None and known.get("build_id") == self.live_id
        self.live_pages: dict[str, str] = known["pages"] if self.same else {}
        self._standby = (known.get("standby_id"), known.get("standby_diff"))
        self.pages: dict[str, str] = {}
        self.rendered = self.reused = 0
        self._dirs: set[str] = set()
        self.work = ""
        # The work tree's page hashes, never copied out: ``_base`` where ``_over`` (the
        # standby tree's difference from the live tree; None: not there) does not say.
        self._base: dict[str, str] = {}
        self._over: dict[str, str | None] = {}
        self._gone: list[str] | None = None  # pages a delta build removes
        self._diff: dict[str, str | None] | None = None  # the next standby diff, if known

    def _start(self) -> None:
        """Make the work tree: the standby tree when it is usable, else an empty folder."""
        self.work, self._base, self._over = self._work_tree()

    def _work_key(self, rel: str) -> str | None:
        """The hash of the work tree's copy of ``rel`` (None: it has none)."""
        over = self._over
        return over[rel] if rel in over else self._base.get(rel)

    def _work_tree(self) -> tuple[str, dict[str, str], dict[str, str | None]]:
        out = self.out
        leftover = os.path.basename(beside(out, "new-"))  # trees of builds that were killed
        with os.scandir(os.path.dirname(out) or ".") as entries:
            for e in entries:
                if e.name.startswith(leftover):
                    _rmtree(e.path)
        work = beside(out, f"new-{os.getpid()}-{os.urandom(4).hex()}")
        standby = standby_path(out)
        if os.path.isdir(standby):
            manifest = read_manifest(standby, self.globals_key)
            standby_id, diff = self._standby
            if self.same and manifest is not None and standby_id is not None \
                    and manifest.get("build_id") == standby_id and isinstance(diff, dict):
                os.rename(standby, work)  # a half-updated tree never keeps the standby name
                put_file(os.path.join(work, MANIFEST), b"{}")  # nor a manifest that vouches for it
                return work, self.live_pages, diff  # the live tree's, but where they differ
            _rmtree(standby)
        os.mkdir(work)
        return work, {}, {}

    def trees(self, build_id: str) -> dict[str, Any]:
        """For the next build's state: the page hashes of the new live tree and the builds
        that made it and the standby tree (the previous live one). The standby tree's are
        kept as their difference from the live tree's: a few pages, not thousands."""
        diff = None
        if self.same:
            diff = self._diff  # a delta build knows it
            if diff is None:
                new, old = self.pages, self.live_pages
                diff = {rel: key for rel, key in old.items() if new.get(rel) != key}
                diff.update((rel, None) for rel in new.keys() - old.keys())
        return {"build_id": build_id, "pages": self.pages,
                "standby_id": self.live_id if self.live is not None else None,
                "standby_diff": diff}

    def _mkdir(self, path: str) -> None:
        if path not in self._dirs:
            os.makedirs(path, exist_ok=True)
            self._dirs.add(path)

    def apply(self, changes: dict[str, str | None],
              renders: dict[str, Callable[[], str | bytes]]) -> None:
        """A delta build: the live site's pages with ``changes`` (a page's new hash; None:
        the page is gone); ``renders`` makes the changed pages. Only the changed pages and
        those where the work tree (the standby copy) differs from the live tree are looked
        at, and the live tree's page map becomes the new one in place: a rebuild touches a
        few dozen of the thousands of pages, and copying or comparing whole maps was a
        tenth of its time."""
        live, over = self.live_pages, self._over
        # an empty work tree (no standby copy) needs every page
        todo = sorted(changes.keys() | (over.keys() if self._base is live else live.keys()))
        gone, placed = [], 0
        for rel in todo:
            key = changes[rel] if rel in changes else live.get(rel)
            current = over[rel] if rel in over else self._base.get(rel)
            if key is None:
                if current is not None:
                    gone.append(rel)
            elif key != current:
                placed += 1
                self._place(rel, key, renders.get(rel), current)
        self._diff = {rel: live.get(rel) for rel, key in changes.items() if live.get(rel) != key}
        for rel, key in changes.items():
            if key is None:
                live.pop(rel, None)
            else:
                live[rel] = key
        self.pages, self._gone = live, gone
        self.reused += len(live) - placed

    def page(self, rel: str, key: str, render: Callable[[], str | bytes] | None) -> None:
        """Page ``rel`` with input hash ``key``; ``render`` makes it when no tree has it
        (None: the live site has it, read it from there)."""
        if rel in self.pages:
            raise DeepOCError(f"two pages of the site map to {rel}: rename one of the modules")
        self.pages[rel] = key
        self._place(rel, key, render, self._work_key(rel))

    def _place(self, rel: str, key: str, render: Callable[[], str | bytes] | None,
               current: str | None) -> None:
        """Bring the work tree's copy of ``rel`` (hash ``current``, None: none) to ``key``."""
        if current == key:
            self.reused += 1
            return
        target = f"{self.work}/{rel}"
        self._mkdir(os.path.dirname(target))
        exists = current is not None
        in_live = self.live is not None and self.live_pages.get(rel) == key
        fd = _open_private(target) if exists else -1
        if fd < 0:
            if exists:  # shared with the live site: drop only this tree's link to it
                try:
                    os.unlink(target)
                except FileNotFoundError:
                    pass
            if in_live:
                try:
                    os.link(f"{self.live}/{rel}", target)
                    self.reused += 1
                    return
                except OSError:
                    pass
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            if render is None or in_live:  # the live site has it right: copy its bytes
                with open(f"{self.out}/{rel}", "rb") as fh:
                    data = fh.read()
            else:
                data = render()
            write_all(fd, data.encode("utf-8") if isinstance(data, str) else data)
        finally:
            os.close(fd)
        if in_live:
            self.reused += 1
        else:
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
        gone = self._gone
        if gone is None:  # a full build: whatever the work tree has that the site has not
            base, over = self._base, self._over
            held = (base.keys() - over.keys()) | {r for r, k in over.items() if k is not None}
            gone = held - self.pages.keys()
        for rel in gone:
            try:
                os.unlink(f"{self.work}/{rel}")
            except FileNotFoundError:
                pass
        manifest = {"manifest_version": MANIFEST_VERSION, "globals": self.globals_key,
                    **extra}
        put_file(os.path.join(self.work, MANIFEST),
                 cjson.dumps(manifest, separators=(",", ":")).encode())
        os.chmod(self.work, 0o755)
        _swap(self.work, self.out, standby_path(self.out))

    def _abandon(self) -> None:
        _rmtree(self.work)


def _open_private(path: str) -> int:
    """A descriptor to rewrite ``path`` in place when no other tree shares its inode, else -1.

    Why: replacing a file that has no other link frees its inode and blocks, which cost
    about 0.3 ms a file here (ext4 mounted with discard) — most of a one-page rebuild's file
    work. The work tree is private to this build, so overwriting its own files is safe;
    a file hard-linked with the live site must never change, and is replaced instead."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return -1
    if os.fstat(fd).st_nlink == 1:
        return fd
    os.close(fd)
    return -1


def put_file(path: str, data: bytes | list[bytes]) -> None:
    """``path`` holds ``data``, rewritten in place: for files no other tree links to."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes | list[bytes], at: int = 0) -> None:
    """``data`` (a buffer, or buffers to write back to back, without joining them) at
    offset ``at`` of ``fd``, then cut the file where it ends (it may have been longer)."""
    parts = data if isinstance(data, list) else [data]
    total, done = sum(map(len, parts)), 0
    if len(parts) > 1 and hasattr(os, "pwritev"):  # not on every system (macOS, Python 3.11)
        done = os.pwritev(fd, parts, at)
    if done < total:  # one buffer, or the rest of a short write (rare)
        view = memoryview(parts[0] if len(parts) == 1 else b"".join(parts))
        while done < total:
            done += os.pwrite(fd, view[done:], at + done)
    os.ftruncate(fd, at + total)


def _renameat2_exchange(a: str, b: str) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported.

    Called through ctypes' C core (``_ctypes``): importing the ctypes package costs a
    rebuild about 2 ms, and renameat2 needs none of it (int and char* arguments, an int
    result). The package is the fallback where the core's calls are missing."""
    at_fdcwd, rename_exchange = -100, 2
    args = (at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    try:
        import _ctypes

        # the process's own symbols (libc among them): find_library would spawn ldconfig
        addr = _ctypes.dlsym(_ctypes.dlopen(None), "renameat2")
        return _ctypes.call_function(addr, args) == 0
    except (ImportError, AttributeError, OSError):
        pass
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(*args) == 0


def _swap(new: str, target: str, standby: str) -> None:
    """Put ``new`` in place of ``target`` (readers see the old site or the new one); the old
    site becomes the standby tree that the next build updates instead of starting over."""
    if not os.path.exists(target):
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
