"""The ``git`` edge: read local heads, look at a remote, push and clone with a token.

The token never reaches a command line, a remote, a config file or any process's
environment (git's hooks and every other child inherit the environment): for one git
command it sits in a file only the user can read, in a fresh private folder deleted when the
command ends, and a credential helper given with ``-c`` and scoped to the API's git host
(``credential.https://github.com.helper``) prints it when git asks that host. Configured
helpers are switched off, so none can store it. Every URL comes from the API and is checked
by :mod:`deepoc.publish.git_host` and given to git after ``--``; only http(s) transports are
allowed for those commands.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from deepoc.errors import DeepOCError
from deepoc.publish.git_host import GitHost, check_clone_url, git_host

# Environment variables that may hold the token: never passed on to a child.
_SECRET_ENV = ("GITHUB_TOKEN", "GH_TOKEN", "DEEPOC_GIT_TOKEN", "DEEPOC_REGISTRY_PASSWORD")


@contextmanager
def _credentials(token: str | None, host: GitHost | None) -> Iterator[list[str]]:
    """The ``-c`` options of one git command: configured helpers off, and with a token a
    helper for ``host`` only that reads it from a private file (removed afterwards)."""
    reset = ["-c", "credential.helper="]
    if not token or host is None:
        yield reset
        return
    folder = tempfile.mkdtemp(prefix="deep-oc-git-")  # mode 0700
    try:
        path = os.path.join(folder, "token")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(token)
        helper = ("!f() { test \"$1\" = get || exit 0; echo username=x-access-token; "
                  f"printf 'password=%s\\n' \"$(cat {shlex.quote(path)})\"; }}; f")
        yield [*reset, "-c", f"credential.{host.prefix}.helper={helper}",
               "-c", "protocol.allow=never", "-c", f"protocol.{host.scheme}.allow=always"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _env(token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in _SECRET_ENV and not (token and token in v)}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("GIT_AUTHOR_NAME", "deep-oc")
    env.setdefault("GIT_AUTHOR_EMAIL", "deep-oc@localhost")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    return env


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def git(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    token: str | None = None,
    host: GitHost | None = None,
    what: str = "git",
    check: bool = True,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run git; a failure becomes one DeepOCError line naming ``what`` and git's last words.
    ``token`` is offered to ``host`` only (see the module's docstring)."""
    full_env = _env(token)
    if env:
        full_env.update(env)
    try:
        with _credentials(token, host) as options:
            proc = subprocess.run(
                ["git", *options, *args], cwd=cwd, env=full_env, capture_output=True,
                text=True, timeout=600, input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
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


def _remote(url: object, api_url: str, what: str) -> tuple[str, GitHost]:
    """A clone URL from the API, checked, and the host the token may go to."""
    return check_clone_url(url, api_url, what), git_host(api_url)


def remote_heads(url: str, token: str | None, what: str, *, api_url: str) -> dict[str, str]:
    """Branch name -> sha on a remote (empty for an empty repository)."""
    url, host = _remote(url, api_url, what)
    out = git(["ls-remote", "--heads", "--", url], token=token, host=host, what=what).stdout
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


def push(repo: Path, url: str, branches: Sequence[str], token: str | None, what: str, *,
         api_url: str) -> None:
    """Push local branches to the same names at ``url`` (fast-forward only, all or nothing)."""
    url, host = _remote(url, api_url, what)
    refspecs = [f"refs/heads/{b}:refs/heads/{b}" for b in branches]
    git(["push", "--atomic", "--porcelain", "--", url, *refspecs], repo, token=token,
        host=host, what=what)


def force_push(
    repo: Path, url: str, src: str, dst_branch: str, token: str | None, what: str, *,
    api_url: str,
) -> None:
    """Push ``src`` to branch ``dst_branch`` at ``url``, replacing it (our own PR branch)."""
    url, host = _remote(url, api_url, what)
    git(["push", "--porcelain", "--", url, f"+{src}:refs/heads/{dst_branch}"], repo,
        token=token, host=host, what=what)


def clone(url: str, dest: Path, branch: str, token: str | None, what: str, *,
          api_url: str) -> None:
    """Clone one branch of ``url`` into ``dest`` (no hooks come with a clone)."""
    url, host = _remote(url, api_url, what)
    git(["clone", "--quiet", "--single-branch", "--branch", branch, "--", url, str(dest)],
        token=token, host=host, what=what)


def add_remote(repo: Path, name: str, url: str, what: str, *, api_url: str) -> None:
    """Add remote ``name`` with a clone URL from the API (checked like every other)."""
    url, _host = _remote(url, api_url, what)
    git(["remote", "add", "--", name, url], repo, what=what)


def remote_url(repo: Path, name: str) -> str | None:
    """The URL of remote ``name`` of a local repository, None when there is none."""
    proc = git(["remote", "get-url", name], repo, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None
