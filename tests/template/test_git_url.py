"""Plain cookiecutter from a git URL, the way users run it, against a local bare clone of this
repository: ``cookiecutter file:///…/deep-oc.git`` (the form of ``https://…/deep-oc.git``),
``git+file://``, an abbreviation like ``gh:org/deep-oc``, and ``--checkout <tag>``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, git_env, run_cookiecutter

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def remote(tmp_path_factory) -> dict:
    """A bare repository holding this checkout's files (as committed or not): tag ``v-test``
    on the first commit, then a second commit on master that changes one default."""
    base = tmp_path_factory.mktemp("remote")
    work = base / "work"
    work.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        source = ROOT / rel
        if source.is_file():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_bytes(source.read_bytes())
    _git(work, "init", "-q", "-b", "master")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "the template")
    _git(work, "tag", "v-test")
    spec_file = work / "cookiecutter.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    spec["description"] = "Changed after the tag."
    spec_file.write_text(json.dumps(spec, indent=2, ensure_ascii=False), encoding="utf-8")
    _git(work, "commit", "-q", "-am", "a new default description")
    bare = base / "deep-oc.git"
    _git(base, "clone", "-q", "--bare", str(work), str(bare))
    home = base / "home"
    home.mkdir()
    config = base / "cookiecutter.yaml"  # keep cloned templates and replays out of $HOME
    config.write_text(
        f"cookiecutters_dir: {base / 'clones'}\nreplay_dir: {base / 'replay'}\n"
        f"abbreviations:\n  gh: git+file://{base}/{{0}}.git\n", encoding="utf-8")
    env = dict(git_env(home), COOKIECUTTER_CONFIG=str(config))
    return {"bare": bare, "env": env, "base": base}


def _bake(remote: dict, template: str, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "out"
    proc = run_cookiecutter(out, {"project_name": "From git"}, env=remote["env"],
                            template=template, extra_args=list(extra))
    assert proc.returncode == 0, proc.output
    for repo in ("from_git", "DEEP-OC-from_git"):
        assert _git(out / repo, "branch", "--format=%(refname:short)").split() == [
            "master", "template", "test"]
        assert (out / repo / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    meta = json.loads((out / "DEEP-OC-from_git" / "metadata.json").read_text(encoding="utf-8"))
    recorded = json.loads((out / "from_git" / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert recorded["_template"] == template
    return meta


@pytest.mark.parametrize("form", ["file://{bare}", "git+file://{bare}", "gh:deep-oc"])
def test_cookiecutter_bakes_from_a_git_url(remote, tmp_path, form):
    meta = _bake(remote, form.format(bare=remote["bare"]), tmp_path)
    assert meta["summary"] == "Changed after the tag."  # the default branch's head


def test_cookiecutter_checkout_of_a_tag(remote, tmp_path):
    meta = _bake(remote, f"git+file://{remote['bare']}", tmp_path, "--checkout", "v-test")
    assert meta["summary"] == json.loads((ROOT / "cookiecutter.json").read_text())["description"]


@pytest.mark.parametrize("project_name, message", [
    ("", "project_name must not be empty"),
    ("!!!", "repo_name cannot be derived from project_name '!!!'"),
])
def test_a_name_with_no_letters_gets_the_templates_message(tmp_path, project_name, message):
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cookiecutter(out, {"project_name": project_name})
    assert proc.returncode != 0
    assert message in proc.output
    assert "already exists" not in proc.output
    assert list(out.iterdir()) == []  # nothing was written
