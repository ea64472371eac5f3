"""The git edge of images: read a Docker repo at a commit, and resolve a code repo branch."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from deepoc.errors import DeepOCError


class SourceError(DeepOCError):
    """A git operation on a Docker repo or code repo failed."""


def git(args: list[str], cwd: str | Path | None = None, timeout: float = 120) -> bytes:
    """git's output, run in ``cwd`` with none of the caller's GIT_* variables (they could
    point at another repository) and no prompts; a failure is one SourceError line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # only `cwd`'s repo
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        raise SourceError(f"git {args[0]} in {cwd or '.'} took over {timeout:.0f}s") from None
    except FileNotFoundError:
        raise SourceError("git is not installed: run scripts/install-system-deps.sh") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        last = msg[-1] if msg else ""
        raise SourceError(f"git {' '.join(args[:2])} in {cwd or '.'} failed: {last}")
    return proc.stdout


def head(repo: str | Path) -> str:
    """The commit checked out in a working copy."""
    return git(["rev-parse", "HEAD"], cwd=repo).decode().strip()


def archive(repo: str | Path, commit: str) -> bytes:
    """The build context: a tar of the tree at ``commit`` (what `git archive` gives)."""
    return git(["archive", "--format=tar", commit], cwd=repo)


def tree(repo: str | Path, commit: str) -> list[tuple[str, str, str]]:
    """``(mode, blob sha, path)`` for every file at ``commit``: the context's content identity."""
    out = git(["ls-tree", "-r", "-z", "--full-tree", commit], cwd=repo)
    entries = []
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        mode, _kind, sha = meta.decode().split()
        entries.append((mode, sha, path.decode("utf-8", "surrogateescape")))
    return entries


def read(repo: str | Path, commit: str, path: str) -> bytes | None:
    """A file's bytes at ``commit``, or None when it is not there."""
    try:
        return git(["show", f"{commit}:{path}"], cwd=repo)
    except SourceError:
        return None


def remote_refs(url: str, refs: list[str], timeout: float = 30) -> dict[str, str] | None:
    """The commit each of ``refs`` (full names) points at on a remote, annotated tags peeled
    (``git ls-remote``); a ref the remote lacks is left out; None if unreachable."""
    patterns = [*refs, *(f"{r}^{{}}" for r in refs if r.startswith("refs/tags/"))]
    try:
        out = git(["ls-remote", url, *patterns], timeout=timeout)
    except SourceError:
        return None
    found: dict[str, str] = {}
    for line in out.decode().splitlines():
        sha, _, ref = line.partition("\t")
        name = ref.removesuffix("^{}")
        if name in refs and (ref.endswith("^{}") or name not in found):
            found[name] = sha  # the peeled line of an annotated tag wins
    return found


def remote_branch_commit(url: str, branch: str, timeout: float = 30) -> str | None:
    """The commit a code repo's branch points at (``git ls-remote``), or None if unreachable."""
    found = remote_refs(url, [f"refs/heads/{branch}"], timeout)
    return (found or {}).get(f"refs/heads/{branch}")
