"""``deep-oc update``: bring a baked module pair up to the installed template.

Every bake keeps a ``template`` branch whose commits hold only what the template produced
from the recorded answers (``.cookiecutter.json``). An update renders the installed template
again with those answers (plus any ``key=value`` changes), commits the result onto
``template`` and merges that branch into the author's branch with git's own 3-way merge, as
nf-core's ``pipelines sync`` does: the author's edits survive, the template's changes
arrive, and where both touched the same lines git's conflict markers say so.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepoc.errors import DeepOCError, UsageError
from deepoc.template.pair import DOCKER_PREFIX

TEMPLATE_BRANCH = "template"
ANSWERS_FILE = ".cookiecutter.json"
#: recorded keys that say where the template came from, not what it renders
PROVENANCE = ("_template", "_template_commit")

EXIT_BEHIND = 1  # --check: a repo is behind the installed template
EXIT_CONFLICTS = 3  # the merge stopped with conflicts for the author to resolve


class UpdateError(DeepOCError):
    """A repo cannot be updated as it is (dirty, detached, no template branch...)."""


def run_git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """git in ``repo`` only: none of the caller's GIT_* variables, no prompts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    proc = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false",
                           *args], cwd=repo, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        said = " ".join((proc.stderr or proc.stdout).split())[-300:]
        raise UpdateError(f"{repo}: 'git {' '.join(args)}' failed: {said}")
    return proc


def git_out(repo: Path, *args: str) -> str:
    return run_git(repo, *args).stdout.strip()


def find_repos(directory: Path) -> list[Path]:
    """The baked repos ``directory`` is or holds: the code repo first, then the Docker repo."""
    d = directory.expanduser().resolve()
    if not d.is_dir():
        raise UsageError(f"{directory} is not a folder: give the folder `deep-oc new` wrote, "
                         "or one of its two repositories")
    if (d / ".git").exists():
        return [d]
    found = sorted((p for p in d.iterdir() if (p / ".git").exists()
                    and (p / ANSWERS_FILE).is_file()),
                   key=lambda p: (p.name.startswith(DOCKER_PREFIX), p.name))
    names = {p.name.removeprefix(DOCKER_PREFIX) for p in found}
    if not found or len(names) > 1:
        what = "no baked repository" if not found else "more than one module"
        raise UsageError(f"{directory}: {what} (expected <repo>/ and/or {DOCKER_PREFIX}<repo>/ "
                         "made by `deep-oc new`); give the folder of one module")
    return found


@dataclass
class RepoState:
    """What an update needs to know about one of the author's repos."""

    path: Path
    branch: str
    recorded: dict[str, Any]
    template_head: str

    @property
    def is_docker(self) -> bool:
        return self.path.name.startswith(DOCKER_PREFIX)


def inspect_work_tree(repo: Path) -> str:
    """The checked-out branch; refuse an operation in progress, a dirty work tree or a
    detached HEAD, before anything is touched."""
    git_dir = Path(git_out(repo, "rev-parse", "--absolute-git-dir"))
    for marker, what in (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"),
                         ("rebase-apply", "a rebase"), ("CHERRY_PICK_HEAD", "a cherry-pick")):
        if (git_dir / marker).exists():
            raise UpdateError(f"{repo}: {what} is in progress: finish or abort it first; "
                              "nothing was changed")
    dirty = git_out(repo, "status", "--porcelain", "--untracked-files=normal")
    if dirty:
        first = dirty.splitlines()[0][3:]
        raise UpdateError(f"{repo}: the work tree has changes ({first}...): commit or "
                          "stash them, then run deep-oc update again; nothing was changed")
    branch = run_git(repo, "symbolic-ref", "-q", "--short", "HEAD", check=False).stdout.strip()
    if not branch:
        raise UpdateError(f"{repo}: HEAD is detached: check out the branch to update "
                          "(git switch master); nothing was changed")
    return branch


def inspect(repo: Path, for_update: bool) -> RepoState:
    """The repo's branch, template head and recorded answers (for an update, after
    :func:`inspect_work_tree`)."""
    if for_update:
        branch = inspect_work_tree(repo)
    else:
        branch = run_git(repo, "symbolic-ref", "-q", "--short", "HEAD", check=False).stdout.strip()
    head = run_git(repo, "rev-parse", "-q", "--verify", f"refs/heads/{TEMPLATE_BRANCH}^{{commit}}",
                check=False).stdout.strip()
    if not head:
        raise UpdateError(f"{repo}: has no '{TEMPLATE_BRANCH}' branch (made before deep-oc "
                          "kept one, or by hand): fetch it from origin, or adopt the repo")
    text = run_git(repo, "show", f"{head}:{ANSWERS_FILE}", check=False)
    try:
        recorded = json.loads(text.stdout) if text.returncode == 0 else None
    except ValueError:
        recorded = None
    if not isinstance(recorded, dict):
        raise UpdateError(f"{repo}: the '{TEMPLATE_BRANCH}' branch has no readable "
                          f"{ANSWERS_FILE}: restore it from the first commit")
    return RepoState(repo, branch, recorded, head)


def new_answers(recorded: dict[str, Any], changes: dict[str, str],
                template: Path) -> dict[str, str]:
    """The recorded answers with ``changes`` applied, checked like a bake's."""
    from deepoc.template import check, resolve_answers

    if "repo_name" in changes and changes["repo_name"] != recorded.get("repo_name"):
        raise UsageError("repo_name cannot change in an update: bake a new module instead")
    kept = {k: str(v) for k, v in recorded.items() if not k.startswith("_")}
    # questions the installed template no longer asks are dropped; new ones take defaults
    known = set(resolve_answers(template, {}))
    given = {k: v for k, v in {**kept, **changes}.items() if k in known or k in changes}
    answers = resolve_answers(template, given)
    problems = check(answers, None, template)
    if problems:
        raise UsageError(f"{len(problems)} problem(s) with the answers, nothing was changed: "
                         + "; ".join(problems))
    return {k: v for k, v in answers.items() if k in given or k == "repo_name"}


def _differs(work: Path, old: str, new: str) -> bool:
    """Whether the rendered commit ``new`` changes anything against ``old`` (in ``work``):
    the recorded provenance alone (a new commit of the template's repo) is no change."""
    names = git_out(work, "diff", "--name-only", old, new).splitlines()
    if names != [ANSWERS_FILE]:
        return bool(names)
    def record(rev: str) -> dict:
        data = json.loads(git_out(work, "show", f"{rev}:{ANSWERS_FILE}"))
        return {k: v for k, v in data.items() if k not in PROVENANCE}
    return record(old) != record(new)


@dataclass
class Outcome:
    """What an update or a check found for one repo."""

    repo: Path
    behind: bool
    from_version: str
    to_version: str
    merged_into: str | None = None
    base: str | None = None  # with --branch: the branch the update started from
    conflicts: list[str] = field(default_factory=list)


def git_identity(repo: Path, recorded: dict[str, Any]) -> list[str]:
    """``-c user.*`` for git: the user's own identity if configured, else the first author."""
    name = run_git(repo, "config", "user.name", check=False).stdout.strip()
    email = run_git(repo, "config", "user.email", check=False).stdout.strip()
    if name and email:
        return []
    name = str(recorded.get("author_name", "deep-oc")).split(",")[0].strip() or "deep-oc"
    email = str(recorded.get("author_email", "")).split(",")[0].strip() or "deep-oc@localhost"
    return ["-c", f"user.name={name}", "-c", f"user.email={email}"]


def update(directory: Path, changes: dict[str, str] | None = None, check_only: bool = False,
           branch: str | None = None) -> list[Outcome]:
    """Render, commit onto ``template`` and merge, repo by repo (see the module docstring).
    With ``check_only`` nothing is written anywhere but a temporary folder."""
    from deepoc.template import bake, template_dir

    repos = find_repos(directory)
    states = [inspect(r, for_update=not check_only) for r in repos]
    if branch:
        for s in states:
            if run_git(s.path, "check-ref-format", "--branch", branch, check=False).returncode:
                raise UsageError(f"--branch {branch!r} is not a valid branch name")
            if run_git(s.path, "rev-parse", "-q", "--verify", f"refs/heads/{branch}",
                    check=False).returncode == 0:
                raise UpdateError(f"{s.path}: branch {branch} exists already: choose another "
                                  "--branch name, or delete it; nothing was changed")
    template = template_dir()
    recorded = states[0].recorded
    answers = new_answers(recorded, dict(changes or {}), template)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="deep-oc-update-") as tmp:
        code, docker = bake(Path(tmp), answers, recorded=recorded)
        for state in states:
            rendered = docker if state.is_docker else code
            outcomes.append(_update_one(state, rendered, check_only, branch))
    return outcomes


def _update_one(state: RepoState, rendered: Path, check_only: bool,
                branch: str | None) -> Outcome:
    repo = state.path
    new_version = json.loads((rendered / ANSWERS_FILE).read_text("utf-8")).get(
        "_template_version", "?")
    outcome = Outcome(repo, False, str(state.recorded.get("_template_version", "unknown")),
                      str(new_version))
    # compare in the throwaway render, so a check writes nothing into the author's repo
    run_git(rendered, "fetch", "-q", "--no-tags", str(repo),
         f"+refs/heads/{TEMPLATE_BRANCH}:refs/deep-oc/current")
    new = git_out(rendered, "rev-parse", f"refs/heads/{TEMPLATE_BRANCH}")
    outcome.behind = _differs(rendered, "refs/deep-oc/current", new)
    if check_only:
        return outcome
    head = state.template_head
    if outcome.behind:
        run_git(repo, "fetch", "-q", "--no-tags", str(rendered),
             f"refs/heads/{TEMPLATE_BRANCH}:refs/deep-oc/rendered")
        tree = git_out(repo, "rev-parse", "refs/deep-oc/rendered^{tree}")
        run_git(repo, "update-ref", "-d", "refs/deep-oc/rendered")
        ident = git_identity(repo, state.recorded)
        message = f"Template {outcome.to_version} (was {outcome.from_version})"
        head = git_out(repo, *ident, "commit-tree", tree, "-p", state.template_head, "-m", message)
        run_git(repo, "update-ref", f"refs/heads/{TEMPLATE_BRANCH}", head, state.template_head)
    merged = run_git(repo, "merge-base", "--is-ancestor", head, "HEAD", check=False).returncode == 0
    if merged:
        return outcome  # up to date, or a rerun after a successful update
    outcome.behind = True
    if branch:
        run_git(repo, "switch", "-q", "-c", branch)
        outcome.base = state.branch
    outcome.merged_into = branch or state.branch
    ident = git_identity(repo, state.recorded)
    proc = run_git(repo, *ident, "merge", "--no-edit", "-m",
                f"Merge the DEEP-OC template {outcome.to_version}", TEMPLATE_BRANCH, check=False)
    if proc.returncode != 0:
        outcome.conflicts = git_out(repo, "diff", "--name-only", "--diff-filter=U").splitlines()
        if not outcome.conflicts:
            said = " ".join((proc.stderr or proc.stdout).split())[-300:]
            raise UpdateError(f"{repo}: git merge failed: {said}")
    return outcome
