"""`deep-oc catalog add` against the fake GitHub: fork, branch, MODULES.yml entry, PR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.publish.conftest import REPO, TOKEN, git
from tests.publish.fake_github import FakeGitHub, user_id

DOCKER = f"DEEP-OC-{REPO}"
URL = f"https://github.com/alice/{DOCKER}"
MODULES = """---
# DEEP-OC marketplace: one Docker repository per entry
- module: https://github.com/deephdc/DEEP-OC-dogs_breed_det
- module: https://github.com/deephdc/DEEP-OC-image-classification-tf  # the classic
  branches: [master]

# newest last
"""


def push_files(fake: FakeGitHub, owner: str, name: str, files: dict[str, str], tmp: Path):
    repo = fake.add_repo(owner, name, default_branch="master")
    work = tmp / f"work-{owner}-{name}"
    work.mkdir()
    git("init", "-q", "-b", "master", cwd=work)
    for f, text in files.items():
        (work / f).write_text(text)
    git("add", ".", cwd=work)
    git("-c", "user.name=Cat", "-c", "user.email=cat@example.org", "commit", "-qm", "init",
        cwd=work)
    git("push", "-q", str(repo.path), "master", cwd=work)
    return repo


@pytest.fixture
def world(fake: FakeGitHub, baked: Path, tmp_path: Path) -> FakeGitHub:
    """A catalog deephdc/deep-oc and alice's published Docker repo."""
    push_files(fake, "deephdc", "deep-oc", {"MODULES.yml": MODULES, "README.md": "cat\n"},
               tmp_path)
    module = fake.add_repo("alice", DOCKER, default_branch="master")
    git("push", "-q", str(module.path), "master", "test", cwd=baked / DOCKER)
    fake.fork_ready_after = 2
    return fake


def show(repo_path: Path, rev: str) -> str:
    return git("show", rev, cwd=repo_path)


def test_happy_path_forks_branches_and_opens_the_pr(world, cli, tmp_path):
    res = cli("catalog", "add", URL + ".git", "--catalog-repo", "deephdc/deep-oc",
              "--api-url", world.url)
    assert res.code == 0, res.err
    fork = world.repos["alice/deep-oc"]
    assert fork.parent == "deephdc/deep-oc"
    branch = "add-plant_classifier"
    text = show(fork.path, f"{branch}:MODULES.yml")
    assert text == MODULES + f"- module: {URL}\n"  # appended, everything else byte for byte
    author = git("log", "-1", "--format=%an <%ae>|%s", branch, cwd=fork.path).strip()
    noreply = f"{user_id('alice')}+alice@users.noreply.github.com"
    assert author == f"Alice Example <{noreply}>|Add {REPO} to MODULES.yml"
    assert len(world.pulls) == 1
    pr = world.pulls[0]
    assert pr["title"] == f"Add {REPO} to the marketplace"
    assert pr["head"]["label"] == f"alice:{branch}" and pr["base"]["ref"] == "master"
    assert f"- module: {URL}" in pr["body"]
    assert "`metadata.json` on `master`: **valid**" in pr["body"]
    assert pr["html_url"] in res.out
    # the upstream catalog itself is untouched
    assert show(world.repos["deephdc/deep-oc"].path, "master:MODULES.yml") == MODULES
    assert TOKEN not in res.out + res.err
    assert not any(TOKEN.encode() in p.read_bytes() for p in tmp_path.rglob("*")
                   if p.is_file() and not p.is_symlink())


def test_rerun_points_at_the_open_pr(world, cli):
    args = ("catalog", "add", URL, "--catalog-repo", "deephdc/deep-oc", "--api-url", world.url)
    assert cli(*args).code == 0
    res = cli(*args)
    assert res.code == 0, res.err
    assert "already open" in res.out and len(world.pulls) == 1


def test_invalid_metadata_is_reported_in_the_body(world, cli, baked):
    meta = baked / DOCKER / "metadata.json"
    data = json.loads(meta.read_text())
    del data["title"]
    data["date_creation"] = "2026-21-11"
    meta.write_text(json.dumps(data, indent=2))
    git("-c", "user.name=A", "-c", "user.email=a@b", "commit", "-qam", "break", cwd=baked / DOCKER)
    git("push", "-q", str(world.repos[f"alice/{DOCKER}".lower()].path), "master",
        cwd=baked / DOCKER)
    res = cli("catalog", "add", URL, "--catalog-repo", "deephdc/deep-oc", "--api-url", world.url)
    assert res.code == 0, res.err
    body = world.pulls[0]["body"]
    assert "**invalid**" in body and "title" in body and "date_creation" in body


def test_own_catalog_needs_no_fork(fake, baked, cli, tmp_path):
    push_files(fake, "alice", "my-catalog", {"MODULES.yml": MODULES}, tmp_path)
    module = fake.add_repo("alice", DOCKER, default_branch="master")
    git("push", "-q", str(module.path), "master", "test", cwd=baked / DOCKER)
    res = cli("catalog", "add", URL, "--catalog-repo", "alice/my-catalog", "--api-url", fake.url)
    assert res.code == 0, res.err
    assert not any(r[1].endswith("/forks") for r in fake.requests)
    assert fake.pulls[0]["head"]["label"] == "alice:add-plant_classifier"


@pytest.mark.parametrize("url, words", [
    ("https://github.com/deephdc/deep-oc-dogs_breed_det.git/", "already in the catalog"),
    ("https://github.com/alice/DEEP-OC-x #comment", "not a git URL"),
    ("not a url", "refuses"),
])
def test_lint_stops_duplicates_and_bad_urls(world, cli, url, words):
    res = cli("catalog", "add", url, "--catalog-repo", "deephdc/deep-oc", "--api-url", world.url)
    assert res.code == 1
    assert res.err.count("\n") == 1 and words in res.err and "nothing was changed" in res.err
    assert world.mutating_requests() == [] and world.pulls == []


def test_missing_module_repo(world, cli):
    res = cli("catalog", "add", "https://github.com/alice/DEEP-OC-ghost", "--catalog-repo",
              "deephdc/deep-oc", "--api-url", world.url)
    assert res.code == 1 and res.err.count("\n") == 1
    assert "alice/DEEP-OC-ghost not found" in res.err and "404" in res.err
    assert world.mutating_requests() == []


def test_missing_catalog_repo(world, cli):
    res = cli("catalog", "add", URL, "--catalog-repo", "deephdc/nope", "--api-url", world.url)
    assert res.code == 1 and "deephdc/nope not found" in res.err


def test_pr_creation_failure_then_rerun(world, cli):
    world.fail("POST", "/repos/deephdc/deep-oc/pulls$", 422, times=1,
               body={"message": "Validation Failed", "errors": [{"message": "oops"}]})
    args = ("catalog", "add", URL, "--catalog-repo", "deephdc/deep-oc", "--api-url", world.url)
    first = cli(*args)
    assert first.code == 1 and "422" in first.err and first.err.count("\n") == 1
    second = cli(*args)
    assert second.code == 0, second.err
    assert len(world.pulls) == 1 and "pull request opened" in second.out


def test_fork_that_never_finishes_is_one_line(world, cli, monkeypatch):
    world.fork_ready_after = 10**6
    monkeypatch.setenv("DEEPOC_GITHUB_FORK_WAIT", "0.2")
    res = cli("catalog", "add", URL, "--catalog-repo", "deephdc/deep-oc", "--api-url", world.url)
    assert res.code == 1 and res.err.count("\n") == 1
    assert "has not finished forking deephdc/deep-oc" in res.err and world.pulls == []


def test_rate_limit_while_forking_and_5xx_on_the_pr(world, cli):
    import time

    world.rate_limit(int(time.time()) + 600, method="POST", path="/forks$")
    args = ("catalog", "add", URL, "--catalog-repo", "deephdc/deep-oc", "--api-url", world.url)
    res = cli(*args)
    assert res.code == 1 and res.err.count("\n") == 1
    assert "forking deephdc/deep-oc: GitHub API rate limit exceeded" in res.err
    assert "resets at" in res.err and world.pulls == []
    world.fail("POST", "/pulls$", 502, times=1, after=True)  # made, but the answer was lost
    res = cli(*args)
    assert res.code == 0, res.err
    assert len(world.pulls) == 1 and "pull request opened" in res.out


def test_bad_token(world, cli, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_nope")
    res = cli("catalog", "add", URL, "--catalog-repo", "deephdc/deep-oc", "--api-url", world.url)
    assert res.code == 1 and "401" in res.err and "ghp_nope" not in res.err
