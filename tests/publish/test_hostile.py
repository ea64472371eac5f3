"""Hostile answers and environments for publish and catalog add: a clone_url that is an option
or points elsewhere, the token's reach (hosts, hooks, child environments, files), and the
plain-http API. The GitHub stub serves git over smart HTTP on its own host and port."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deepoc.errors import DeepOCError
from deepoc.publish.git_host import GitHost, check_clone_url, git_host
from tests.publish.conftest import REPO, TOKEN, git
from tests.publish.test_catalog_add import URL as MODULE_URL
from tests.publish.test_catalog_add import world  # noqa: F401 - the catalog fixture
from tests.publish.test_publish import files_containing

DOCKER = f"DEEP-OC-{REPO}"


class Recorder:
    """Another HTTP server on 127.0.0.1: it must never see a request carrying the token."""

    def __init__(self) -> None:
        seen = self.seen = []

        class H(BaseHTTPRequestHandler):
            def log_message(self, *_a):  # noqa: ANN002
                pass

            def do_GET(self):  # noqa: N802
                seen.append(str(self.headers))
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="x"')
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.stop()


# -- pure rules ----------------------------------------------------------------------------
@pytest.mark.parametrize(("api", "host"), [
    ("https://api.github.com", GitHost("https", "github.com")),
    ("https://api.acme.ghe.com", GitHost("https", "acme.ghe.com")),
    ("https://ghe.example.org/api/v3", GitHost("https", "ghe.example.org")),
    ("https://GHE.example.org:8443/api/v3", GitHost("https", "ghe.example.org:8443")),
    ("http://127.0.0.1:5000/api/v3", GitHost("http", "127.0.0.1:5000")),
    ("https://api.example", GitHost("https", "api.example")),
])
def test_git_host_of_an_api(api: str, host: GitHost) -> None:
    assert git_host(api) == host


GH = "https://api.github.com"


@pytest.mark.parametrize("url", [
    "https://github.com/alice/x.git", "https://github.com/alice/x", "https://GitHub.com/a/b.git",
])
def test_clone_urls_on_the_git_host_pass(url: str) -> None:
    assert check_clone_url(url, GH, "w") == url


@pytest.mark.parametrize(("url", "why"), [
    ("--upload-pack=touch /tmp/x", "not a URL"), ("-oProxyCommand=x", "not a URL"),
    ("https://evil.example/a.git", "not on https://github.com"),
    ("https://github.com.evil.example/a.git", "not on"), ("http://github.com/a.git", "not on"),
    ("https://github.com:444/a.git", "not on"), ("ssh://git@github.com/a.git", "not on"),
    ("git@github.com:a/b.git", "not on"), ("file:///tmp/a.git", "not on"),
    ("ext::sh -c touch% /tmp/x", "not a URL"), ("/tmp/a.git", "not on"),
    ("https://x:y@github.com/a.git", "credentials"),
    ("https://tok@github.com/a.git", "credentials"),
    ("https://github.com/", "names no repository"), ("https://github.com/a?x=1", "no repository"),
    ("https://github.com/a\n.git", "not a URL"), ("https://github.com/a\x1b.git", "not a URL"),
    ("", "no clone_url"), (None, "no clone_url"), (7, "no clone_url"),
    ("https://github.com:bad/a.git", "not a URL"),
])
def test_anything_else_is_refused(url: object, why: str) -> None:
    with pytest.raises(DeepOCError) as info:
        check_clone_url(url, GH, "listing branches of alice/x")
    msg = str(info.value)
    assert msg.startswith("listing branches of alice/x: ") and why in msg and "\n" not in msg


# -- the real command, against the stub ----------------------------------------------------
def _hostile_urls(fake, recorder) -> list[str]:  # noqa: ANN001
    port = fake._server.server_address[1]
    return [
        "--upload-pack=touch {marker}",
        f"http://127.0.0.1:{recorder.port}/alice/{REPO}.git",  # same machine, another port
        f"http://localhost:{port}/alice/{REPO}.git",  # another name for the API's host
        "ext::sh -c touch% {marker}",
        "file://{repo}",
        f"http://x-access-token:{TOKEN[:4]}@127.0.0.1:{port}/alice/{REPO}.git",
    ]


@pytest.mark.parametrize("existing", [True, False], ids=["ls-remote", "push"])
@pytest.mark.parametrize("index", range(6))
def test_a_hostile_clone_url_is_refused(fake, baked, cli, recorder, tmp_path, existing, index):
    marker = tmp_path / "pwned"
    target = fake.add_repo("alice", REPO) if existing else None
    url = _hostile_urls(fake, recorder)[index].format(
        marker=marker, repo=target.path if target else tmp_path / "x.git")
    fake.clone_url_override = url
    res = cli("publish", str(baked), "--api-url", fake.url)
    assert res.code == 1, res.out + res.err
    assert res.err.count("\n") == 1 and "internal error" not in res.err
    assert "the API answered clone_url" in res.err and "refusing" in res.err
    assert not marker.exists()
    assert recorder.seen == []
    assert all(r.heads() == {} for r in fake.repos.values())  # nothing was pushed anywhere
    assert TOKEN not in res.out + res.err


def test_catalog_add_refuses_a_hostile_clone_url(world, cli, tmp_path, recorder):  # noqa: F811
    marker = tmp_path / "pwned"
    world.clone_url_override = f"--upload-pack=touch {marker}"
    res = cli("catalog", "add", MODULE_URL, "--catalog-repo", "deephdc/deep-oc",
              "--api-url", world.url)
    assert res.code == 1 and "the API answered clone_url" in res.err
    assert not marker.exists() and res.err.count("\n") == 1


def test_the_token_goes_only_to_the_stub_and_only_as_basic_auth(fake, baked, cli):
    assert cli("publish", str(baked), "--api-url", fake.url).code == 0
    assert fake.git_auth, "git talked to the stub"
    assert {a.split()[0] for a in fake.git_auth if a} == {"Basic"}


def test_plain_http_api_needs_the_flag(fake, baked, cli):
    res = cli("publish", str(baked), "--api-url", fake.url, insecure=False)
    assert res.code == 2 and fake.requests == []
    assert res.err.startswith(f"deep-oc: error: --api-url {fake.url!r} is plain http: ")
    assert "--allow-insecure-api" in res.err and res.err.count("\n") == 1


HOOK = """#!/bin/sh
env > "{out}/env-$$"
cat /proc/$PPID/environ > "{out}/parent-$$" 2>/dev/null || true
exit 0
"""


def test_hooks_and_child_processes_never_see_the_token(fake, baked, tmp_path):
    """A pre-push hook in the module's repository (it runs inside `git push`) dumps its own
    environment and its parent's (git's): neither holds the token, under any name."""
    out = tmp_path / "hook-out"
    out.mkdir()
    for name in (REPO, DOCKER):
        hook = baked / name / ".git" / "hooks" / "pre-push"
        hook.write_text(HOOK.format(out=out))
        hook.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "GITHUB_TOKEN": TOKEN,
           "DEEPOC_GITHUB_BACKOFF": "0.01", "DEEPOC_GITHUB_RETRIES": "2",
           "DEEPOC_GITHUB_PACE": "0"}
    proc = subprocess.run([sys.executable, "-m", "deepoc.cli", "publish", str(baked),
                           "--api-url", fake.url, "--allow-insecure-api"],
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    dumps = sorted(out.iterdir())
    assert len([d for d in dumps if d.name.startswith("env-")]) == 2  # both pushes ran it
    for dump in dumps:
        assert TOKEN.encode() not in dump.read_bytes(), dump
    # nothing deep-oc wrote, and nothing git left behind, holds it either
    assert files_containing(tmp_path, TOKEN) == []
    assert TOKEN not in proc.stdout + proc.stderr


def test_a_whole_publish_and_catalog_add_write_the_token_nowhere(world, baked, tmp_path):  # noqa: F811
    """Every output and every file under the test's folder (the module repositories, the
    stub's repositories, HOME, the catalog's clone) lacks the token after a successful run."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "GITHUB_TOKEN": TOKEN,
           "DEEPOC_GITHUB_BACKOFF": "0.01", "DEEPOC_GITHUB_RETRIES": "2",
           "DEEPOC_GITHUB_PACE": "0", "DEEPOC_GITHUB_POLL": "0.02",
           "DEEPOC_GITHUB_FORK_WAIT": "5", "TMPDIR": str(tmp_path)}
    outputs = ""
    for argv in (["publish", str(baked), "--api-url", world.url, "--allow-insecure-api"],
                 ["catalog", "add", MODULE_URL, "--catalog-repo", "deephdc/deep-oc",
                  "--api-url", world.url, "--allow-insecure-api"]):
        proc = subprocess.run([sys.executable, "-m", "deepoc.cli", *argv], capture_output=True,
                              text=True, env=env, timeout=120,
                              cwd=Path(__file__).resolve().parents[2])
        assert proc.returncode == 0, proc.stderr
        outputs += proc.stdout + proc.stderr
    assert TOKEN not in outputs
    assert files_containing(tmp_path, TOKEN) == []
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("deep-oc-git-")]
    assert leftovers == []  # the private token folders are gone
    assert "pull request opened" in outputs
    git("fsck", "--no-progress", cwd=baked / REPO)
