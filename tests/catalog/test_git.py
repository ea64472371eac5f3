"""The git edge: never prompts, fails fast and in one line on unreachable remotes."""

from __future__ import annotations

import pytest

from deepoc.catalog import git

from .conftest import free_port


@pytest.mark.parametrize(
    "template",
    [
        "https://127.0.0.1:{port}/o/DEEP-OC-x",
        "http://127.0.0.1:{port}/o/DEEP-OC-x",
        "git://127.0.0.1:{port}/DEEP-OC-x",
        "ssh://git@127.0.0.1:{port}/o/DEEP-OC-x",
        "/nonexistent/deep-oc/DEEP-OC-x",
        "file:///nonexistent/deep-oc/DEEP-OC-x",
    ],
)
def test_unreachable_fails_fast_without_prompting(template: str) -> None:
    url = template.format(port=free_port())
    with pytest.raises(git.GitError) as info:
        # stdin is closed and no terminal prompt is allowed: a prompt would fail, not hang
        git.ls_remote_heads(url, timeout=30, allow_local=True)
    message = str(info.value)
    assert message and "\n" not in message


def test_timeout_is_a_git_error(hanging_server) -> None:
    with pytest.raises(git.GitError, match="timed out after 1 s"):
        git.ls_remote_heads(f"git://127.0.0.1:{hanging_server.port}/x", timeout=1)


def test_iso_utc() -> None:
    assert git.iso_utc(0) == "1970-01-01T00:00:00Z"
    assert git.iso_utc(1_700_000_000) == "2023-11-14T22:13:20Z"


@pytest.mark.parametrize("form", ["path", "file", "bare-path", "bare-file"])
def test_local_heads_are_what_ls_remote_says(tmp_path, form: str) -> None:
    from tests.gitutil import git as run

    repo = tmp_path / "DEEP-OC-x"
    repo.mkdir()
    run("init", "-q", "-b", "master", cwd=repo)
    run("commit", "-q", "--allow-empty", "-m", "one", cwd=repo)
    run("branch", "test", cwd=repo)
    run("tag", "v1", cwd=repo)
    run("commit", "-q", "--allow-empty", "-m", "two", cwd=repo)
    run("pack-refs", "--all", cwd=repo)  # packed and loose refs both
    run("branch", "feature/x", cwd=repo)
    if form.startswith("bare"):
        bare = tmp_path / "bare.git"
        run("clone", "-q", "--bare", str(repo), str(bare))
        repo = bare
    url = f"file://{repo}" if form.endswith("file") else str(repo)
    listed = run("ls-remote", "--heads", str(repo)).splitlines()
    reference = {
        ref.removeprefix("refs/heads/"): sha for sha, ref in (ln.split("\t") for ln in listed)
    }
    assert git.ls_remote_heads(url, allow_local=True) == reference
    assert set(reference) == {"master", "test", "feature/x"}


def test_local_directory_that_is_not_a_repository_fails(tmp_path) -> None:
    with pytest.raises(git.GitError, match="not a git repository"):
        git.ls_remote_heads(str(tmp_path), allow_local=True)


def test_file_dates_follow_the_file_through_a_rename(tmp_path) -> None:
    """created is the first commit of the metadata file's history even when the file was
    renamed since; commits that did not touch it do not count."""
    import json
    import os
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()

    def commit(when: int, message: str) -> None:
        env = {**os.environ, "GIT_AUTHOR_DATE": f"@{when} +0000",
               "GIT_COMMITTER_DATE": f"@{when} +0000", "GIT_AUTHOR_NAME": "t",
               "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@example.org"}
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        subprocess.run(["git", "commit", "--quiet", "-m", message], cwd=repo, env=env,
                       check=True)

    subprocess.run(["git", "init", "--quiet", "-b", "master"], cwd=repo, check=True)
    meta = {"title": "A module", "description": ["Long enough to be detected as a rename."] * 8}
    (repo / "metadata.json").write_text(json.dumps(meta, indent=2))
    commit(1_600_000_000, "metadata")
    (repo / "README.md").write_text("unrelated\n")
    commit(1_600_100_000, "readme")
    subprocess.run(["git", "mv", "metadata.json", "ai4-metadata.json"], cwd=repo, check=True)
    commit(1_600_200_000, "rename")
    meta["title"] = "A module, edited"
    (repo / "ai4-metadata.json").write_text(json.dumps(meta, indent=2))
    commit(1_600_300_000, "edit")
    (repo / "README.md").write_text("unrelated, later\n")
    commit(1_600_400_000, "readme again")

    created, updated = git.file_dates(repo, "HEAD", "ai4-metadata.json")
    assert (created, updated) == (git.iso_utc(1_600_000_000), git.iso_utc(1_600_300_000))
    assert git.file_dates(repo, "HEAD", "README.md") == (git.iso_utc(1_600_100_000),
                                                          git.iso_utc(1_600_400_000))
    assert git.file_dates(repo, "HEAD", "missing.json") == (None, None)
