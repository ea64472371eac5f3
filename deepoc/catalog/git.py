"""The git edge of the catalog: ls-remote, fetch into bare mirrors, read blobs without checkout.

Every call runs the real ``git`` with a clean, non-interactive environment: it never
prompts for credentials (``GIT_TERMINAL_PROMPT=0``, ssh in batch mode), never reads the
user's or system's git config for remotes, and is cut off after a timeout so a hung
server cannot stall a sync. Failures come back as ``GitError`` with git's own last line.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from deepoc.catalog import urls
from deepoc.limits import MAX_COMMIT_OBJECT_BYTES, blob_limit

__all__ = ["GitError", "Blob", "RemoteRefs", "cat_files", "cat_many", "fetch", "file_dates",
           "ls_remote", "ls_remote_heads"]

DEFAULT_TIMEOUT = float(os.environ.get("DEEPOC_GIT_TIMEOUT", "120"))


class GitError(Exception):
    """A git command failed; ``str()`` is one line fit for a catalog 'reason'."""


def _env(allow_local: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_ASKPASS="/bin/false",
        SSH_ASKPASS="/bin/false",
        GIT_SSH_COMMAND="ssh -o BatchMode=yes -o ConnectTimeout=15 "
        "-o StrictHostKeyChecking=accept-new",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        # The URL policy, enforced by git too: only these transports (no ext::, fd::,
        # http://, and file:// only with --allow-local), whatever a remote or config says.
        GIT_ALLOW_PROTOCOL=urls.git_protocols(allow_local),
        GIT_PROTOCOL_FROM_USER="0",
        LC_ALL="C",
    )
    return env


_ENV = _env()
_ENV_LOCAL = _env(allow_local=True)


def run_git(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    input: bytes | None = None,
    timeout: float | None = None,
    allow_local: bool = False,
) -> bytes:
    """Run ``git args...``; stdout on success, GitError (one line) otherwise.

    Transports are restricted to the URL policy's (``GIT_ALLOW_PROTOCOL``; file:// only
    with ``allow_local``) and ``ext``/``fd`` are off by config as well."""
    cmd = ["git", "-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never",
           "-c", "credential.helper=", *args]
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            env=_ENV_LOCAL if allow_local else _ENV,
            timeout=timeout or DEFAULT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} timed out after {exc.timeout:.0f} s") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if proc.returncode != 0:
        raise GitError(_last_line(proc.stderr) or f"git {args[0]} exited {proc.returncode}")
    return proc.stdout


def _last_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    # git prints 'fatal: ...' last; keep the most telling line, without the prefix noise.
    for ln in reversed(lines):
        if ln.startswith(("fatal:", "error:")):
            return ln.split(":", 1)[1].strip()
    return lines[-1] if lines else ""


def _local_git_dir(url: str) -> str | None:
    """The git dir of a remote on this machine (a path or ``file://``), else None."""
    path = url[len("file://") :] if url.startswith("file://") else url
    if not path.startswith("/") or "%" in path:  # file://host/..., percent-escapes: let git
        return None
    dot_git = os.path.join(path, ".git")
    return dot_git if os.path.exists(dot_git) else path


@dataclass(frozen=True)
class RemoteRefs:
    """What one ``ls-remote`` tells: every branch head, and the branch the remote's HEAD
    names (its default branch; None when HEAD is detached, dangling or not advertised)."""

    heads: dict[str, str]
    default: str | None


def ls_remote(url: str, timeout: float | None = None, *, allow_local: bool = False
              ) -> RemoteRefs:
    """Branch name -> commit of every head, and the default branch: one call per module.

    A network remote is asked ``git ls-remote --symref URL HEAD 'refs/heads/*'``: the heads
    and the ``ref: refs/heads/X HEAD`` line in one answer. A remote on this machine is asked
    with ``for-each-ref`` in its own git dir, whose ``%(HEAD)`` marks the branch HEAD names:
    the same answer without starting an upload-pack (half the cost, which is most of a
    no-change re-sync of a mirrored catalog).
    """
    git_dir = _local_git_dir(url) if allow_local else None
    heads: dict[str, str] = {}
    default: str | None = None
    if git_dir is not None:
        out = run_git(
            ["--git-dir", git_dir, "for-each-ref",
             "--format=%(objectname)%09%(refname)%09%(HEAD)", "refs/heads/"],
            timeout=timeout,
        )
        for line in out.decode("utf-8", "replace").splitlines():
            sha, _, rest = line.partition("\t")
            ref, _, mark = rest.partition("\t")
            if ref.startswith("refs/heads/"):
                heads[ref[len("refs/heads/") :]] = sha
                if mark == "*":
                    default = ref[len("refs/heads/") :]
        return RemoteRefs(heads, default)
    out = run_git(["ls-remote", "--symref", "--", url, "HEAD", "refs/heads/*"],
                  timeout=timeout, allow_local=allow_local)
    target: str | None = None
    for line in out.decode("utf-8", "replace").splitlines():
        left, _, ref = line.partition("\t")
        if left.startswith("ref: ") and ref == "HEAD":
            target = left[len("ref: ") :]
        elif ref.startswith("refs/heads/"):  # patterns match ref tails: keep real heads only
            heads[ref[len("refs/heads/") :]] = left
    if target and target.startswith("refs/heads/") and target[len("refs/heads/") :] in heads:
        default = target[len("refs/heads/") :]
    return RemoteRefs(heads, default)


def ls_remote_heads(url: str, timeout: float | None = None, *, allow_local: bool = False
                    ) -> dict[str, str]:
    """Branch name -> commit of every head on the remote (``ls_remote`` without HEAD)."""
    return ls_remote(url, timeout, allow_local=allow_local).heads


def fetch(mirror: Path, url: str, branches: Sequence[str], timeout: float | None = None, *,
          allow_local: bool = False) -> None:
    """Bring ``branches`` of ``url`` into the bare ``mirror`` (created on first use).

    Only the named branches are fetched, straight into refs/heads/*, so the mirror can be
    cloned or read like the remote. Refs of branches not named are left as they were
    (a vanished branch keeps its last good commit).
    """
    if not (mirror / "HEAD").exists():
        mirror.parent.mkdir(parents=True, exist_ok=True)
        run_git(["init", "--quiet", "--bare", str(mirror)])
    if not branches:
        return
    refspecs = [f"+refs/heads/{b}:refs/heads/{b}" for b in branches]
    # no auto-gc pause in the middle of a sync (gc.auto=0 for this fetch only)
    run_git(
        [
            "-c",
            "gc.auto=0",
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--",
            url,
            *refspecs,
        ],
        cwd=mirror,
        timeout=timeout,
        allow_local=allow_local,
    )


@dataclass(frozen=True)
class Blob:
    """A file read at a commit: its bytes, or None when the path does not exist there or
    the file is over its size limit (then ``size`` and ``limit`` say by how much)."""

    path: str
    data: bytes | None
    size: int | None = None
    limit: int | None = None

    @property
    def too_large(self) -> bool:
        return self.size is not None and self.limit is not None and self.size > self.limit


def cat_files(mirror: Path, commit: str, paths: Sequence[str]) -> tuple[str, list[Blob]]:
    """Commit time (ISO 8601 UTC) and the content of ``paths`` at ``commit``, in one git call."""
    return cat_many(mirror, [commit], paths)[commit]


def cat_many(
    mirror: Path, commits: Sequence[str], paths: Sequence[str]
) -> dict[str, tuple[str, list[Blob]]]:
    """``cat_files`` for several commits (a module's branches) in two ``git cat-file`` calls.

    The sizes come first (``--batch-check``): a blob over its limit (``limits.blob_limit``)
    is never read, so a module cannot make the sync hold a gigabyte in memory; it comes
    back as a Blob with no data, its size and the limit. A commit object over
    ``MAX_COMMIT_OBJECT_BYTES`` is a GitError.
    """
    requests: list[tuple[str, str | None]] = []  # (object name, path or None for the commit)
    for c in commits:
        requests += [(c, None)] + [(f"{c}:{p}", p) for p in paths]
    names = "\n".join(r for r, _p in requests).encode() + b"\n"
    checks = run_git(["cat-file", "--batch-check"], cwd=mirror, input=names).splitlines()
    if len(checks) != len(requests):
        raise GitError(f"git cat-file --batch-check gave {len(checks)} answers "
                       f"for {len(requests)} objects")
    infos: list[tuple[str, str, int] | None] = []  # (oid, type, size) when present
    for line in checks:
        header = line.decode("utf-8", "replace").split()
        if len(header) == 3 and header[2].isdigit():
            infos.append((header[0], header[1], int(header[2])))
        else:
            infos.append(None)  # missing, ambiguous...
    wanted: list[int] = []
    results: list[bytes | None] = [None] * len(requests)
    oversize: dict[int, tuple[int, int]] = {}
    for i, ((name, path), info) in enumerate(zip(requests, infos, strict=True)):
        if info is None:
            continue
        _oid, kind, size = info
        if path is None:
            if kind != "commit":
                continue
            if size > MAX_COMMIT_OBJECT_BYTES:
                raise GitError(f"commit {name[:12]} is too large: {size} bytes "
                               f"(limit {MAX_COMMIT_OBJECT_BYTES})")
        elif kind != "blob":
            continue  # a tree or a submodule where a file was expected: not there
        elif size > blob_limit(path):
            oversize[i] = (size, blob_limit(path))
            continue
        wanted.append(i)
    if wanted:
        oids = "\n".join(infos[i][0] for i in wanted).encode() + b"\n"  # type: ignore[index]
        out = run_git(["cat-file", "--batch"], cwd=mirror, input=oids)
        pos = 0
        for i in wanted:
            nl = out.index(b"\n", pos)
            header = out[pos:nl].decode("utf-8", "replace").split()
            pos = nl + 1
            if len(header) < 3 or header[1] == "missing":
                continue
            size = int(header[2])
            results[i] = out[pos : pos + size]
            pos += size + 1
    found: dict[str, tuple[str, list[Blob]]] = {}
    step = 1 + len(paths)
    for n, c in enumerate(commits):
        commit_obj = results[n * step]
        if commit_obj is None:
            raise GitError(f"commit {c[:12]} is not in the mirror")
        blobs = []
        for j, p in enumerate(paths):
            i = n * step + 1 + j
            size, limit = oversize.get(i, (None, None))
            blobs.append(Blob(p, results[i], size, limit))
        found[c] = (_commit_time(commit_obj), blobs)
    return found


def _commit_time(commit_obj: bytes) -> str:
    for line in commit_obj.split(b"\n"):
        if not line:
            break
        if line.startswith(b"committer "):
            parts = line.split()
            return iso_utc(int(parts[-2]))
    return ""


def iso_utc(epoch: int) -> str:
    """Seconds since the epoch as ISO 8601 in UTC with a Z (one spelling everywhere)."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_dates(mirror: Path, commit: str, path: str) -> tuple[str | None, str | None]:
    """(created, updated): times of the first and last commits reachable from ``commit``
    that touched ``path``, following it through renames (git's rename detection: moved
    with most of its content), so a module whose metadata file was renamed is not shown
    as new. One ``git log`` without diff output; rename detection runs only where the
    file appears in the history."""
    out = run_git(["log", "--format=%ct", "--follow", commit, "--", path], cwd=mirror)
    times = [int(t) for t in out.split()]
    if not times:
        return None, None
    return iso_utc(times[-1]), iso_utc(times[0])
