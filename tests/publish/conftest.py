"""Fixtures: the fake GitHub server, a baked module pair, a CLI runner with a token."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deepoc.cli import main
from tests.publish.fake_github import FakeGitHub

TOKEN = "ghp_Sup3rSecretTok3nValue0123456789abcd"
REPO = "plant_classifier"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="session")
def baked_pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One module baked by the real template (both repos, master and test), reused by copy."""
    from deepoc.template import bake

    out = tmp_path_factory.mktemp("baked")
    code, docker = bake(out, {
        "repo_name": REPO, "project_name": "Plant classifier",
        "author_name": "Alice Example", "author_email": "alice@example.org",
        "description": "Classify plants from photos", "git_base_url": "https://github.com/alice",
        "dockerhub_user": "alice",
    })
    assert code.name == REPO and docker.name == f"DEEP-OC-{REPO}"
    return out


@pytest.fixture
def baked(baked_pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the baked pair for one test (publishing adds an origin remote)."""
    dest = tmp_path / "module"
    shutil.copytree(baked_pristine, dest, symlinks=True)
    return dest


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGitHub]:
    server = FakeGitHub(tmp_path / "github", TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``deep-oc ...`` in-process with GITHUB_TOKEN set and tiny back-off and polling."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("DEEPOC_GITHUB_BACKOFF", "0.01")
    monkeypatch.setenv("DEEPOC_GITHUB_RETRIES", "3")
    monkeypatch.setenv("DEEPOC_GITHUB_PACE", "0")
    monkeypatch.setenv("DEEPOC_GITHUB_POLL", "0.02")
    monkeypatch.setenv("DEEPOC_GITHUB_FORK_WAIT", "5")
    monkeypatch.delenv("DEEPOC_DEBUG", raising=False)

    def run(*argv: str, insecure: bool = True) -> Result:
        """``insecure``: the stub is plain http on 127.0.0.1, so --allow-insecure-api is
        added whenever an --api-url is given (pass False to see the refusal)."""
        capsys.readouterr()
        args = list(argv)
        if insecure and "--api-url" in args and "--allow-insecure-api" not in args:
            args.append("--allow-insecure-api")
        try:
            code = main(args)
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def metadata_of(baked: Path) -> dict:
    return json.loads((baked / f"DEEP-OC-{REPO}" / "metadata.json").read_text())

