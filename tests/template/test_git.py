"""git in the post hook: master, test, origin whatever the user config; failures leave nothing."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from .conftest import ANSWER_SETS, git_env, run_cookiecutter


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.parametrize("name", sorted(ANSWER_SETS))
def test_branches_commits_and_origin(bakes, name):
    from .conftest import full_answers

    code, docker, given = bakes[name]
    a = full_answers(given)
    for repo, remote in ((code, f"{a['git_base_url']}/{a['repo_name']}.git"),
                         (docker, f"{a['git_base_url']}/DEEP-OC-{a['repo_name']}.git")):
        assert _git(repo, "symbolic-ref", "--short", "HEAD") == "master"
        branches = set(_git(repo, "branch", "--format=%(refname:short)").split())
        assert branches == {"master", "test", "template"}
        assert _git(repo, "rev-list", "--count", "master") == "1"
        # a Jenkins URL gives badges, and test's README points them at test; none: one commit
        assert _git(repo, "rev-list", "--count", "test") == ("2" if a["jenkins_url"] else "1")
        assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
        assert _git(repo, "remote", "get-url", "origin") == remote
        author = _git(repo, "log", "-1", "--format=%an <%ae>", "master")
        first = a["author_name"].split(",")[0].strip()
        assert author == f"{first} <{a['author_email'].split(',')[0].strip()}>"
        readme_test = _git(repo, "show", "test:README.md")
        if not a["jenkins_url"]:
            assert "[![Build Status]" not in readme_test
            assert "[![Build Status]" not in (repo / "README.md").read_text()
            continue
        badge = next(line for line in readme_test.splitlines() if "[![Build Status]" in line)
        assert "/test" in badge and "/master" not in badge
        badge = next(line for line in (repo / "README.md").read_text().splitlines()
                     if "[![Build Status]" in line)
        assert "/master" in badge


def test_default_branch_main_and_no_identity(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    config = "[init]\n\tdefaultBranch = main\n"
    (home / ".gitconfig").write_text(config)
    out = tmp_path / "out"
    proc = run_cookiecutter(out, {"project_name": "Main branch user"}, env=git_env(home))
    assert proc.returncode == 0, proc.output
    for repo in (out / "main_branch_user", out / "DEEP-OC-main_branch_user"):
        assert _git(repo, "symbolic-ref", "--short", "HEAD") == "master"
        branches = set(_git(repo, "branch", "--format=%(refname:short)").split())
        assert branches == {"master", "test", "template"}
        assert _git(repo, "rev-list", "--count", "test") == "1"
    assert (home / ".gitconfig").read_text() == config  # the user's config is untouched
    assert ".gitconfig" in {p.name for p in home.iterdir()}


def _shim(folder: Path, fail_on: str) -> dict[str, str]:
    """A ``git`` first on PATH that fails on one sub-command and runs the real git otherwise."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True,
                          check=True).stdout.strip()
    folder.mkdir()
    shim = folder / "git"
    shim.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do [ "$a" = "{fail_on}" ] && '
        f'{{ echo "fatal: simulated failure of {fail_on}" >&2; exit 128; }}; done\n'
        f'exec {real} "$@"\n'
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.parametrize("fail_on", ["commit", "remote", "checkout"])
def test_git_failure_is_loud_and_leaves_nothing(tmp_path, fail_on):
    env = _shim(tmp_path / "bin", fail_on)
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cookiecutter(out, {}, env=env)
    assert proc.returncode != 0
    assert f"'git {fail_on}" in proc.output and "failed in" in proc.output
    assert f"simulated failure of {fail_on}" in proc.output
    assert "both repositories were removed" in proc.output
    assert list(out.iterdir()) == []


def test_missing_git_is_loud_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    bin_dir = tmp_path / "bin"  # cookiecutter runs the hooks with its own Python, by path
    bin_dir.mkdir()
    env = dict(os.environ, PATH=str(bin_dir))
    proc = run_cookiecutter(out, {}, env=env)
    assert proc.returncode != 0
    assert "cannot run git" in proc.output
    assert list(out.iterdir()) == []
