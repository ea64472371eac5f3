"""``deep-oc update --branch NAME --open-pr`` against the local GitHub API stub: the update
branch and ``template`` are pushed to each published repo and a pull request is opened."""

from __future__ import annotations

from pathlib import Path

from tests.publish.conftest import REPO, TOKEN, git
from tests.template.conftest import copy_template

DOCKER = f"DEEP-OC-{REPO}"



def _next_template(dest: Path) -> Path:
    copy_template(dest, "9.0.0")
    docker = dest / "{{cookiecutter.repo_name}}" / "DEEP-OC-{{cookiecutter.repo_name}}"
    (docker / "CHANGELOG.md").write_text("# Changes\n")
    return dest


def test_update_opens_one_pull_request_per_repo(fake, baked, cli, tmp_path, monkeypatch):
    assert cli("publish", str(baked), "--api-url", fake.url).code == 0
    for name in (REPO, DOCKER):  # the bake's origin names github.com; here GitHub is the stub
        git("remote", "set-url", "origin", fake.clone_url(fake.repos[f"alice/{name}".lower()]),
            cwd=baked / name)
    monkeypatch.setenv("DEEPOC_TEMPLATE", str(_next_template(tmp_path / "template")))
    res = cli("update", str(baked), "--branch", "template-update-9.0.0", "--open-pr",
              "--api-url", fake.url)
    assert res.code == 0, res.err
    for name in (REPO, DOCKER):
        assert f"alice/{name}: opened pull request #" in res.out
        remote = fake.repos[f"alice/{name}".lower()]
        assert {"template-update-9.0.0", "template", "master"} <= set(remote.heads())
    pulls = {p["base"]["repo"]["full_name"]: p for p in fake.pulls}
    assert set(pulls) == {f"alice/{REPO}", f"alice/{DOCKER}"}
    for pull in pulls.values():
        assert pull["base"]["ref"] == "master" and pull["head"]["ref"] == "template-update-9.0.0"
        assert "9.0.0" in pull["title"]
    assert TOKEN not in res.out + res.err
    # a rerun finds both repos up to date and opens nothing more
    again = cli("update", str(baked), "--branch", "template-update-again", "--open-pr",
                "--api-url", fake.url)
    assert again.code == 0, again.err
    assert again.out.count("up to date, no pull request") == 2 and len(fake.pulls) == 2


def test_open_pr_needs_a_branch_and_a_github_origin(fake, baked, cli, tmp_path, monkeypatch):
    res = cli("update", str(baked), "--open-pr", "--api-url", fake.url)
    assert res.code == 2 and "--open-pr needs --branch" in res.err
    monkeypatch.setenv("DEEPOC_TEMPLATE", str(_next_template(tmp_path / "template")))
    res = cli("update", str(baked), "--branch", "b", "--open-pr", "--api-url", fake.url)
    assert res.code == 1
    assert "is not a repository on" in res.err and "deep-oc publish" in res.err
    assert res.err.count("\n") == 1 and fake.pulls == []
