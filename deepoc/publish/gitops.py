"""The ``git`` edge: read local heads, look at a remote, push and clone with a token.

The token never reaches a command line, a remote or a config file: it travels in the child's
environment and a one-shot credential helper given with ``-c`` prints it when git asks.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from deepoc.errors import DeepOCError

_TOKEN_ENV = "DEEPOC_GIT_TOKEN"
# Reset any configured helper first (so a "store" helper never saves the token), then a
# helper that answers "get" from the environment variable.
_HELPER = (
    "!f() { test \"$1\" = get || exit 0; echo username=x-access-token; "
    f'echo "password=${_TOKEN_ENV}"; }}; f'
)


def _env(token: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(_TOKEN_ENV, None)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("GIT_AUTHOR_NAME", "deep-oc")
    env.setdefault("GIT_AUTHOR_EMAIL", "deep-oc@localhost")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    if token:
        env[_TOKEN_ENV] = token
    return env


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def git(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    token: str | None = None,
    what: str = "git",
    check: bool = True,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run git; a failure becomes one DeepOCError line naming ``what`` and git's last words."""
    cmd = ["git", "-c", "credential.helper=", "-c", f"credential.helper={_HELPER}", *args]
    full_env = _env(token)
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600,
            input=input, stdin=None if input is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise DeepOCError("git is not installed: install git and rerun") from exc
    except subprocess.TimeoutExpired as exc:
        raise DeepOCError(f"{what}: git took more than 10 minutes; check the network") from exc
    if check and proc.returncode != 0:
        detail = _failure_detail(_scrub(proc.stdout, token), _scrub(proc.stderr, token),
                                 proc.returncode)
        raise DeepOCError(f"{what} failed: {detail}")
    return proc


def _failure_detail(stdout: str, stderr: str, code: int) -> str:
    """The one line that says why git failed: the server's words and the rejection reason."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    picked = [ln[len("remote:"):].strip() for ln in lines
              if ln.startswith("remote:") and ln[len("remote:"):].strip()]
    picked += [ln.split("\t")[-1].strip() for ln in stdout.splitlines() if ln.startswith("!")]
    picked += [ln for ln in lines if ln.startswith(("fatal:", "! "))
               or (ln.startswith("error:") and "failed to push some refs" not in ln)]
    if not picked:
        picked = [ln for ln in lines if not ln.startswith(("hint:", "To "))][-1:]
    return "; ".join(dict.fromkeys(picked[:3])) or f"exit code {code}"


def local_heads(repo: Path) -> dict[str, str]:
    """Branch name -> commit sha of a local repository."""
    if not (repo / ".git").exists() and not (repo / "HEAD").exists():
        raise DeepOCError(f"{repo} is not a git repository: bake it with `deep-oc new` first")
    out = git(
        ["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"],
        repo, what=f"reading branches of {repo}",
    ).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if line.strip())


def remote_heads(url: str, token: str | None, what: str) -> dict[str, str]:
    """Branch name -> sha on a remote (empty for an empty repository)."""
    out = git(["ls-remote", "--heads", url], token=token, what=what).stdout
    heads = {}
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref.startswith("refs/heads/"):
            heads[ref[len("refs/heads/"):]] = sha
    return heads


def is_ancestor(repo: Path, sha: str, of: str) -> bool:
    """True when commit ``sha`` exists locally and is ``of`` or one of its ancestors."""
    if git(["cat-file", "-e", f"{sha}^{{commit}}"], repo, check=False).returncode != 0:
        return False
    return git(["merge-base", "--is-ancestor", sha, of], repo, check=False).returncode == 0


def push(repo: Path, url: str, branches: Sequence[str], token: str | None, what: str) -> None:
    """Push local branches to the same names at ``url`` (fast-forward only, all or nothing)."""
    refspecs = [f"refs/heads/{b}:refs/heads/{b}" for b in branches]
    git(["push", "--atomic", "--porcelain", url, *refspecs], repo, token=token, what=what)


def force_push(
    repo: Path, url: str, src: str, dst_branch: str, token: str | None, what: str
) -> None:
    """Push ``src`` to branch ``dst_branch`` at ``url``, replacing it (our own PR branch)."""
    git(["push", "--porcelain", url, f"+{src}:refs/heads/{dst_branch}"], repo, token=token,
        what=what)


def clone(url: str, dest: Path, branch: str, token: str | None, what: str) -> None:
    """Clone one branch of ``url`` into ``dest``."""
    git(["clone", "--quiet", "--single-branch", "--branch", branch, url, str(dest)],
        token=token, what=what)


def remote_url(repo: Path, name: str) -> str | None:
    """The URL of remote ``name`` of a local repository, None when there is none."""
    proc = git(["remote", "get-url", name], repo, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None
