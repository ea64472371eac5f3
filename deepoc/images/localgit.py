"""The local repositories behind ``deep-oc run``: a snapshot of a checkout's commit (or of its
work tree) in a temporary bare repository, and a git daemon serving it on loopback.

Why the code is served to the build rather than put in its build context: the build then
runs the very Dockerfile step the catalog runs (fetch the exact commit, check it out, pip
install), the Docker repo's context and build key stay what the catalog computes, and only
what is committed (with ``--allow-dirty``: the files of the work tree git does not ignore)
reaches the image, never the author's other branches or their ``.git`` folder.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from deepoc.images.smoke import free_port
from deepoc.images.source import SourceError, git

#: the identity of the commit that records a work tree (the author's own config is not read)
IDENTITY = ["-c", "user.name=deep-oc run", "-c", "user.email=deep-oc@localhost"]
#: the branch a detached HEAD is served as
DETACHED = "master"


def changes(repo: Path) -> list[str]:
    """What ``git status`` shows as not committed (untracked files too), one line each."""
    out = git(["status", "--porcelain", "--untracked-files=normal"], cwd=repo)
    return [line for line in out.decode("utf-8", "replace").splitlines() if line.strip()]


def branch(repo: Path) -> str:
    """The checked-out branch, or :data:`DETACHED` for a detached HEAD."""
    try:
        return git(["symbolic-ref", "-q", "--short", "HEAD"], cwd=repo).decode().strip()
    except SourceError:
        return DETACHED


@dataclass
class Snapshot:
    """A checkout as the build sees it: the commit served, and whether it holds the work
    tree's uncommitted changes (then it is a new commit on top of ``head``)."""

    commit: str
    head: str
    work_tree: bool


def snapshot(repo: Path, bare: Path, name: str, work_tree: bool = False) -> Snapshot:
    """Copy ``repo``'s HEAD commit (with ``work_tree``: a commit of its work tree on top of
    it) into a new bare repository ``bare`` as branch ``name``; ``repo`` is only read."""
    repo = repo.resolve()
    bare.parent.mkdir(parents=True, exist_ok=True)
    git(["init", "-q", "--bare", str(bare)])
    try:
        git(["fetch", "-q", "--no-tags", str(repo), "HEAD"], cwd=bare)
    except SourceError:
        raise SourceError(f"{repo} has no commit yet: commit your code first") from None
    head = git(["rev-parse", "FETCH_HEAD"], cwd=bare).decode().strip()
    commit = head
    if work_tree:
        # the author's own exclude file applies too (the .gitignore files are in the tree)
        exclude = repo / git(["rev-parse", "--git-path", "info/exclude"],
                              cwd=repo).decode().strip()
        if exclude.is_file():
            (bare / "info").mkdir(exist_ok=True)
            shutil.copyfile(exclude, bare / "info" / "exclude")
        where = ["--git-dir", str(bare), "--work-tree", str(repo)]
        git([*where, "read-tree", head], cwd=repo)
        git([*where, "add", "-A"], cwd=repo)
        tree = git([*where, "write-tree"], cwd=repo).decode().strip()
        commit = git([*IDENTITY, "--git-dir", str(bare), "commit-tree", tree, "-p", head,
                       "-m", f"deep-oc run: the work tree of {repo.name} on {head[:7]}"],
                      cwd=repo).decode().strip()
    git(["update-ref", f"refs/heads/{name}", commit], cwd=bare)
    git(["symbolic-ref", "HEAD", f"refs/heads/{name}"], cwd=bare)
    # a fetch of the exact commit works whatever the builder's git speaks
    git(["config", "uploadpack.allowAnySHA1InWant", "true"], cwd=bare)
    return Snapshot(commit=commit, head=head, work_tree=commit != head)


class GitDaemon:
    """``git daemon`` serving the repositories under ``base``, read-only, on 127.0.0.1 at a
    free port; stopped by its PID when the ``with`` block ends."""

    ATTEMPTS = 3
    START_TIMEOUT = 10.0

    def __init__(self, base: Path) -> None:
        self.base = base.resolve()
        self.port: int | None = None
        self._proc: subprocess.Popen | None = None

    def url(self, name: str) -> str:
        """The address a build fetches ``base/name`` from."""
        return f"git://127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> GitDaemon:
        for _ in range(self.ATTEMPTS):  # another process may take the free port first
            port = free_port()
            try:
                proc = subprocess.Popen(
                    ["git", "daemon", "--reuseaddr", "--export-all", "--informative-errors",
                     f"--base-path={self.base}", "--listen=127.0.0.1", f"--port={port}",
                     str(self.base)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
            except OSError as exc:
                raise SourceError(f"cannot run git daemon ({exc}): install git") from None
            if self._wait(proc, port):
                self._proc, self.port = proc, port
                return self
            self._stop(proc)
        raise SourceError("git daemon did not start on 127.0.0.1 (is git's daemon installed? "
                          "`git daemon --help` should answer)")

    def _wait(self, proc: subprocess.Popen, port: int) -> bool:
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._stop(self._proc)
            self._proc = None

    @staticmethod
    def _stop(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
