"""Finish the two repositories: answers file, LICENSE (dropped for "no license"), git, move.

Runs in the rendered code repo ``<output>/<repo>``, which still holds the Docker repo
``DEEP-OC-<repo>``; moving that out next to the code repo is the last step. Every git
failure is fatal and named; on any failure both repositories are removed entirely, so
nothing half-made is left behind. The user's git configuration is never changed: the
initial commits use the first author answer through ``git -c`` for those commands only.

The answers arrive as one JSON document (Jinja's ``tojson`` escapes every quote, so no
answer can end the raw string); only the standard library is used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ANSWERS_JSON = r'''{{ cookiecutter | tojson }}'''

ANSWERS_FILE = ".cookiecutter.json"
NO_LICENSE = "no license"


class HookError(Exception):
    """One line saying what failed."""


# Kept beside the answers so that the same answers render the same files later (deep-oc
# update): where the template came from, its version and commit, and the bake's date.
RECORDED_PRIVATE = ("_template", "_template_version", "_template_commit", "__date_creation")
TEMPLATE_BRANCH = "template"


def recorded_answers(answers: dict) -> dict:
    """The answers worth keeping in the repos: the questions, plus which template made them
    (where it was and its version)."""
    kept = {k: v for k, v in answers.items() if not k.startswith("_")}
    for key in RECORDED_PRIVATE:
        if answers.get(key):
            kept[key] = answers[key]
    return kept


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def git(repo: Path, *args: str, identity: tuple | None = None) -> None:
    """Run one git command in ``repo``; any failure raises with the command and git's words."""
    config = ["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"]
    if identity:
        config += ["-c", f"user.name={identity[0]}", "-c", f"user.email={identity[1]}"]
    cmd = ["git", *config, *args]
    # no GIT_* from the caller (inside a git hook GIT_DIR, GIT_INDEX_FILE... point at another
    # repository): these commands are about the new repo only
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise HookError(f"cannot run git ({exc}); install git and try again") from exc
    if proc.returncode != 0:
        said = " ".join((proc.stderr or proc.stdout).split())[-400:]
        raise HookError(
            f"'git {' '.join(args)}' failed in {repo} (exit {proc.returncode}): {said}"
        )


def badges_for_test_branch(readme: Path) -> bool:
    """Point the README's build badges at the ``test`` branch; False when it has none."""
    text = readme.read_text(encoding="utf-8")
    fixed = "".join(
        line.replace("/master", "/test") if "[![Build Status]" in line else line
        for line in text.splitlines(keepends=True)
    )
    if fixed == text:
        return False
    write_text(readme, fixed)
    return True


def template_commit(answers: dict) -> str | None:
    """The commit of the template's checkout, when it is a clean git checkout."""
    repo_dir = answers.get("_repo_dir")
    if not repo_dir or not (Path(repo_dir) / ".git").exists():
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_dir, env=env,
                              capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=repo_dir, env=env, capture_output=True, text=True)
    except OSError:
        return None
    if head.returncode != 0 or dirty.returncode != 0:
        return None
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def init_repo(repo: Path, remote: str, identity: tuple, version: str,
              exclude: str | None = None) -> None:
    """git init: the pure template output as the first commit of branch ``template``, then
    ``master`` from it (checked out), ``test`` from master, and origin."""
    git(repo, "init", "-q")
    git(repo, "symbolic-ref", "HEAD", f"refs/heads/{TEMPLATE_BRANCH}")
    pathspec = ["--", "."] + ([f":(exclude){exclude}"] if exclude else [])
    git(repo, "add", "-A", *pathspec)
    git(repo, "commit", "-q", "--no-verify", "-m",
        f"Initial commit from the DEEP-OC template {version}".rstrip(), identity=identity)
    git(repo, "checkout", "-q", "-b", "master")
    git(repo, "checkout", "-q", "-b", "test")
    if badges_for_test_branch(repo / "README.md"):
        git(repo, "commit", "-q", "--no-verify", "-a", "-m",
            "README: build badges of the test branch", identity=identity)
    git(repo, "checkout", "-q", "master")
    git(repo, "remote", "add", "origin", remote)


def finish(answers: dict, code_dir: Path) -> Path:
    """Everything after rendering; returns where the Docker repo ended up."""
    repo = answers["repo_name"]
    docker_name = f"DEEP-OC-{repo}"
    inner = code_dir / docker_name
    final = code_dir.parent / docker_name
    if not inner.is_dir():
        raise HookError(f"the template did not produce {inner}")
    if final.exists():
        raise HookError(f"{final} already exists: move it away or choose another repo_name")

    commit = template_commit(answers)
    if commit:
        answers = dict(answers, _template_commit=commit)
    record = json.dumps(recorded_answers(answers), indent=2, sort_keys=True, ensure_ascii=False)
    for target in (code_dir, inner):
        write_text(target / ANSWERS_FILE, record + "\n")
        if answers["open_source_license"] == NO_LICENSE:  # the template rendered it empty
            (target / "LICENSE").unlink(missing_ok=True)

    name = answers["author_name"].split(",")[0].strip()
    email = answers["author_email"].split(",")[0].strip()
    base = answers["git_base_url"].rstrip("/")
    version = answers.get("_template_version", "")
    init_repo(inner, f"{base}/{docker_name}.git", (name, email), version)
    init_repo(code_dir, f"{base}/{repo}.git", (name, email), version, exclude=docker_name)

    os.rename(inner, final)  # the last step: same file system, atomic
    return final


def clean_up(code_dir: Path) -> None:
    """Remove everything generated; cookiecutter itself removes the emptied code repo folder.

    The move of the Docker repo is the last step of :func:`finish`, so on failure it is
    still inside ``code_dir``.
    """
    try:
        children = list(code_dir.iterdir())
    except OSError:  # gone already: deep-oc removed its staging folder after an interrupt
        return
    for child in children:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def main() -> int:
    answers = json.loads(ANSWERS_JSON)
    try:
        code_dir = Path.cwd()
    except OSError:  # the folder was removed under us (deep-oc new was interrupted)
        return 1
    try:
        finish(answers, code_dir)
    except (HookError, OSError) as exc:
        clean_up(code_dir)
        print(f"\nerror: {exc}", file=sys.stderr)
        print("Nothing was kept: both repositories were removed.\n", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
