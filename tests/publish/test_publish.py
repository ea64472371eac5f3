"""`deep-oc publish` against the fake GitHub: real PyGithub, real git pushes to bare repos."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.publish.conftest import REPO, TOKEN, git
from tests.publish.fake_github import FakeGitHub

DOCKER = f"DEEP-OC-{REPO}"


def heads(path: Path) -> dict[str, str]:
    out = git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads", cwd=path)
    return dict(line.split(" ", 1) for line in out.splitlines())


def assert_published(fake: FakeGitHub, baked: Path, owner: str = "alice") -> None:
    for name in (REPO, DOCKER):
        remote = fake.repos[f"{owner}/{name}".lower()]
        local = {b: s for b, s in heads(baked / name).items()
                 if b in ("master", "test", "template")}
        # template too: other clones update from it (deep-oc update)
        assert set(local) == {"master", "test", "template"}
        assert remote.heads() == local
        assert remote.default_branch == "master"
        assert remote.description
        assert "deep-oc" in remote.topics


def files_containing(root: Path, needle: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle.encode() in path.read_bytes():
                    hits.append(path)
            except OSError:
                pass
    return hits


def test_happy_path_creates_pushes_and_configures(fake, baked, cli, tmp_path):
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 0, res.err
    assert_published(fake, baked)
    code, docker = fake.repos[f"alice/{REPO}"], fake.repos[f"alice/{DOCKER}".lower()]
    assert not code.private and not docker.private
    assert docker.description.startswith("DEEP-OC Docker image")
    assert "docker" in docker.topics
    posts = [r for r in fake.requests if r[0] == "POST"]
    assert [p[1] for p in posts] == ["/api/v3/user/repos"] * 2
    assert {p[2]["name"] for p in posts} == {REPO, DOCKER}
    assert all(p[2]["auto_init"] is False for p in posts)
    # the template set origin already: it is kept, and the difference is pointed out
    assert f"note: the origin remote of {baked / REPO} is https://github.com/alice/" in res.out
    assert TOKEN not in res.out + res.err
    assert files_containing(tmp_path, TOKEN) == []


def test_origin_is_added_when_missing(fake, baked, cli):
    git("remote", "remove", "origin", cwd=baked / REPO)
    assert cli("publish", str(baked), "--api-url", fake.url).code == 0
    origin = git("remote", "get-url", "origin", cwd=baked / REPO).strip()
    assert origin == fake.clone_url(fake.repos[f"alice/{REPO}"])


def test_metadata_keywords_become_valid_topics(fake, baked, cli):
    meta = baked / DOCKER / "metadata.json"
    import json

    data = json.loads(meta.read_text())
    data["keywords"] = ["Image Classification", "TensorFlow 2.x", "--", "x" * 80, "docker"]
    meta.write_text(json.dumps(data))
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 0, res.err
    topics = fake.repos[f"alice/{DOCKER}".lower()].topics
    assert topics[:4] == ["image-classification", "tensorflow-2-x", "x" * 50, "docker"]
    assert "deep-oc" in topics


def test_organisation_and_private(fake, baked, cli):
    res = cli("publish", str(baked / REPO), "--owner", "deephdc", "--private",
              "--api-url", fake.url)
    assert res.code == 0, res.err
    assert_published(fake, baked, owner="deephdc")
    assert fake.repos[f"deephdc/{REPO}"].private
    assert {r[1] for r in fake.requests if r[0] == "POST"} == {"/api/v3/orgs/deephdc/repos"}


def test_missing_owner_is_one_line_404(fake, baked, cli):
    res = cli("publish", str(baked), "--owner", "nobody", "--api-url", fake.url)
    assert res.code == 1
    assert res.err.count("\n") == 1 and "404" in res.err and "'nobody' not found" in res.err
    assert fake.mutating_requests() == []


def test_organisation_the_user_cannot_create_in_is_one_line_403(fake, baked, cli):
    fake.orgs["strangers"] = set()
    res = cli("publish", str(baked), "--owner", "strangers", "--api-url", fake.url)
    assert res.code == 1 and res.err.count("\n") == 1
    assert "creating strangers/" in res.err and "403" in res.err and "scope" in res.err


def test_bad_token_is_401_and_never_printed(fake, baked, cli, monkeypatch, tmp_path):
    bad = "ghp_WrongTokenValue0000000000000000000000"
    monkeypatch.setenv("GITHUB_TOKEN", bad)
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 1
    assert res.err.count("\n") == 1 and "401" in res.err and "rejected the token" in res.err
    assert bad not in res.out + res.err
    assert files_containing(tmp_path, bad) == []


def test_failing_run_in_a_subprocess_leaks_no_token(fake, baked, tmp_path):
    """The whole output of the real console script, logging included, lacks the token."""
    fake.fail("POST", "/user/repos", 500, times=20)
    token_file = tmp_path / "secret" / "token"
    token_file.parent.mkdir()
    token_file.write_text(TOKEN + "\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DEEPOC_GITHUB_BACKOFF": "0.01",
           "DEEPOC_GITHUB_RETRIES": "2", "DEEPOC_GITHUB_PACE": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "deepoc.cli", "publish", str(baked), "--api-url", fake.url,
         "--allow-insecure-api", "--token-file", str(token_file)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "kept failing (500" in proc.stderr and "Traceback" not in proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    assert files_containing(tmp_path, TOKEN) == [token_file]


def test_rate_limit_says_when_it_resets(fake, baked, cli):
    reset = int(time.time()) + 1800
    fake.rate_limit(reset, path="/user$")
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 1
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(reset))
    assert res.err.count("\n") == 1
    assert "rate limit exceeded" in res.err and f"resets at {when} UTC" in res.err


def test_name_taken_by_an_invisible_repo_is_422(fake, baked, cli):
    fake.add_repo("alice", REPO)  # exists, but the token "cannot see" it:
    fake.fail("GET", f"/repos/alice/{REPO}$", 404, times=5, body={"message": "Not Found"})
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 1
    assert res.err.count("\n") == 1 and "422" in res.err and "taken" in res.err


def test_transient_5xx_are_retried(fake, baked, cli):
    fake.fail("POST", "/user/repos", 502, times=2)
    fake.fail("PATCH", f"/repos/alice/{DOCKER}$", 503, times=1)
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 0, res.err
    assert_published(fake, baked)
    assert len([r for r in fake.requests if r[0] == "POST"]) == 4


def test_post_that_succeeded_behind_a_5xx_is_not_a_conflict(fake, baked, cli):
    """The gateway failed after GitHub created the repo: the retry's 422 means 'fill it'."""
    fake.fail("POST", "/user/repos", 502, times=1, after=True)
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 0, res.err
    assert_published(fake, baked)
    statuses = [r[2]["name"] for r in fake.requests if r[0] == "POST"]
    assert statuses == [REPO, REPO, DOCKER]  # the retry hit 422 "already exists"


def test_unreachable_api_is_one_line(baked, cli):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = cli("publish", str(baked), "--api-url", f"http://127.0.0.1:{port}/api/v3")
    assert res.code == 1 and res.err.count("\n") == 1 and "cannot reach" in res.err


def test_bare_enterprise_host_gets_api_v3(fake, baked, cli):
    from deepoc.publish.github_api import check_api_url

    assert check_api_url(None) == "https://api.github.com"
    assert check_api_url("https://api.github.com/") == "https://api.github.com"
    assert check_api_url("https://ghe.example.org") == "https://ghe.example.org/api/v3"
    assert check_api_url("https://ghe.example.org/api/v3/") == "https://ghe.example.org/api/v3"
    assert check_api_url("https://api.acme.ghe.com") == "https://api.acme.ghe.com"
    bare = fake.url.removesuffix("/api/v3")
    res = cli("publish", str(baked), "--api-url", bare + "/", "--dry-run")
    assert res.code == 0, res.err


def test_bad_api_url_is_a_usage_error(baked, cli):
    res = cli("publish", str(baked), "--api-url", "ftp://example.org")
    assert res.code == 2 and "--api-url" in res.err


def test_git_credential_helper_answers_its_own_host_only(tmp_path):
    """What git gets when a remote asks: the token for the API's git host only, from a
    private file (not the environment), stored nowhere."""
    from deepoc.publish import gitops
    from deepoc.publish.git_host import GitHost

    github = GitHost("https", "github.com")
    proc = gitops.git(["credential", "fill"], tmp_path, token=TOKEN, host=github,
                      input="protocol=https\nhost=github.com\npath=o/r.git\n\n")
    assert f"password={TOKEN}" in proc.stdout and "username=x-access-token" in proc.stdout
    for other in ("protocol=https\nhost=evil.example\n", "protocol=http\nhost=github.com\n",
                  "protocol=https\nhost=github.com.evil.example\n",
                  "protocol=https\nhost=github.com:8443\n"):
        proc = gitops.git(["credential", "fill"], tmp_path, token=TOKEN, host=github,
                          input=other + "path=o/r.git\n\n", check=False)
        assert TOKEN not in proc.stdout + proc.stderr, other
    # approve/store is a no-op: no helper keeps it
    gitops.git(["credential", "approve"], tmp_path, token=TOKEN, host=github,
               input=f"protocol=https\nhost=github.com\nusername=x\npassword={TOKEN}\n\n")
    assert files_containing(tmp_path, TOKEN) == []
    assert not (Path.home() / ".git-credentials").exists() or TOKEN.encode() not in (
        Path.home() / ".git-credentials").read_bytes()


def test_5xx_that_persists_is_one_line(fake, baked, cli, caplog):
    fake.fail("GET", "/user$", 502, times=10)
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 1
    assert res.err.count("\n") == 1 and "kept failing (502" in res.err
    # one try and three retries. On a loaded machine an attempt can be lost on the way (the
    # connection closed before the server read it: CI saw this once); urllib3 logs it and
    # retries, so it is still one of the four attempts.
    lost = sum("connection broken" in r.getMessage() for r in caplog.records
               if r.name.startswith("urllib3"))
    assert len(fake.requests) + lost == 4


def test_existing_empty_repo_is_filled(fake, baked, cli):
    fake.add_repo("alice", REPO, description="mine already")
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 0, res.err
    assert_published(fake, baked)
    assert fake.repos[f"alice/{REPO}"].description == "mine already"
    assert [r[2]["name"] for r in fake.requests if r[0] == "POST"] == [DOCKER]


def test_existing_repo_with_other_history_is_left_alone(fake, baked, cli, tmp_path):
    other = fake.add_repo("alice", DOCKER)
    work = tmp_path / "other"
    work.mkdir()
    git("init", "-q", "-b", "master", cwd=work)
    (work / "x").write_text("someone else's\n")
    git("add", "x", cwd=work)
    git("-c", "user.name=B", "-c", "user.email=b@c", "commit", "-qm", "other", cwd=work)
    git("push", "-q", str(other.path), "master", cwd=work)
    before = other.heads()
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 1
    assert res.err.count("\n") == 1
    assert f"alice/{DOCKER}: left alone" in res.err and "master" in res.err
    assert fake.mutating_requests() == []
    assert other.heads() == before and f"alice/{REPO}".lower() not in fake.repos


def test_rerun_after_a_push_failed_halfway_finishes(fake, baked, cli):
    fake.fail_first_push.add(f"alice/{DOCKER}")
    first = cli("publish", str(baked), "--api-url", fake.url)
    assert first.code == 1
    assert f"pushing master, test, template to alice/{DOCKER} failed" in first.err
    assert "injected failure" in first.err and first.err.count("\n") == 1
    assert fake.repos[f"alice/{DOCKER}".lower()].heads() == {}
    n_posts = len([r for r in fake.requests if r[0] == "POST"])
    second = cli("publish", str(baked), "--api-url", fake.url)
    assert second.code == 0, second.err
    assert_published(fake, baked)
    assert len([r for r in fake.requests if r[0] == "POST"]) == n_posts  # nothing re-created
    assert f"alice/{REPO}: up to date" in second.out
    third = cli("publish", str(baked), "--api-url", fake.url)
    assert third.code == 0 and third.out.count("up to date") == 2


def test_rerun_pushes_new_local_commits(fake, baked, cli):
    assert cli("publish", str(baked), "--api-url", fake.url).code == 0
    (baked / REPO / "NEWS").write_text("more\n")
    git("add", "NEWS", cwd=baked / REPO)
    git("-c", "user.name=A", "-c", "user.email=a@b", "commit", "-qm", "news", cwd=baked / REPO)
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 0, res.err
    assert f"alice/{REPO}: pushed master" in res.out
    assert_published(fake, baked)


def test_dry_run_touches_nothing(fake, baked, cli):
    git("remote", "remove", "origin", cwd=baked / REPO)
    before = {n: heads(baked / n) for n in (REPO, DOCKER)}
    res = cli("publish", str(baked), "--api-url", fake.url, "--dry-run")
    assert res.code == 0, res.err
    assert f"would: alice/{REPO}: create repository" in res.out
    assert f"would: alice/{DOCKER}: push master, test" in res.out
    assert fake.mutating_requests() == [] and fake.repos == {}
    assert {n: heads(baked / n) for n in (REPO, DOCKER)} == before
    assert git("remote", cwd=baked / REPO).strip() == ""


def test_dry_run_without_a_token_makes_no_request(fake, baked, cli, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    res = cli("publish", str(baked), "--api-url", fake.url, "--dry-run")
    assert res.code == 0, res.err
    assert "no token" in res.out and fake.requests == []


def test_no_token_is_a_usage_error(fake, baked, cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GITHUB_TOKEN")
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 2 and "GITHUB_TOKEN" in res.err
    res = cli("publish", str(baked), "--api-url", fake.url, "--token-file",
              str(tmp_path / "absent"))
    assert res.code == 2 and "--token-file" in res.err
    assert fake.requests == []


def test_not_a_baked_module(fake, cli, tmp_path):
    res = cli("publish", str(tmp_path), "--api-url", fake.url)
    assert res.code == 2 and "no baked module" in res.err
