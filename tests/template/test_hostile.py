"""Answers are data and the caller's environment cannot redirect a bake: template syntax in
answers is kept as text (plain cookiecutter and ``deep-oc new``), ``GIT_*`` variables do not
reach the hooks' git, and an interrupted bake leaves nothing at the target."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment

from .conftest import ROOT, git_env, run_cookiecutter

sys.path.insert(0, str(ROOT))
import local_extensions  # noqa: E402  (the template's own extension, at the repository root)

sys.path.remove(str(ROOT))

DEEP_OC = str(Path(sys.executable).with_name("deep-oc"))


def _payloads(marker: Path) -> list[str]:
    """Template syntax of every kind, one of them a command that would leave ``marker``."""
    return [
        "{{ 7*7 }}",
        "{% for i in range(3) %}x{% endfor %}",
        "a {# comment #} b",
        "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}",
        "{%- raw %}{{ x }}{% endraw -%}",
        "open {{ only",
        "{{ cookiecutter.repo_name }}",
    ]


def _deep_oc(args: list, home: Path, **kwargs) -> subprocess.CompletedProcess:
    env = kwargs.pop("env", None) or git_env(home)
    return subprocess.run([DEEP_OC, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=180, stdin=subprocess.DEVNULL, **kwargs)


@pytest.mark.parametrize("how", ["cookiecutter", "deep-oc"])
def test_template_syntax_in_answers_is_kept_as_text(tmp_path, how):
    marker = tmp_path / "evaluated"
    home = tmp_path / "home"
    home.mkdir()
    for n, payload in enumerate(_payloads(marker)):
        out = tmp_path / f"out{n}"
        answers = {"project_name": f"P {payload}", "repo_name": "text_only",
                   "description": f"Summary {payload}\nsecond line {payload}",
                   "author_name": f"Ann {payload}".replace('"', "")}
        if how == "cookiecutter":
            proc = run_cookiecutter(out, answers, env=git_env(home))
        else:
            proc = _deep_oc(["new", "--no-input", "-o", out,
                             *(f"{k}={v}" for k, v in answers.items())], home)
        output = getattr(proc, "output", proc.stdout + proc.stderr)
        assert proc.returncode == 0, (payload, output)
        meta = json.loads((out / "DEEP-OC-text_only" / "metadata.json").read_text("utf-8"))
        assert meta["title"] == answers["project_name"]
        assert meta["summary"] == f"Summary {payload}"
        readme = (out / "text_only" / "README.md").read_text(encoding="utf-8")
        assert readme.startswith(f"# P {payload}\n")
        recorded = json.loads((out / "text_only" / ".cookiecutter.json").read_text("utf-8"))
        assert recorded["author_name"] == answers["author_name"]
    assert not marker.exists()


def test_a_bad_answer_with_template_syntax_is_reported_as_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc = _deep_oc(["new", "--no-input", "-o", tmp_path / "out", "app_version={{ 7*7 }}"],
                    home)
    assert proc.returncode != 0
    assert "app_version '{{ 7*7 }}' must be X.Y.Z" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "demo_module").exists()


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_literal_renders_any_text_unchanged(text):
    env = Environment(keep_trailing_newline=True)
    # Jinja writes every line break as \n, in answers as in the template's files
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    assert env.from_string(local_extensions.literal(text)).render() == expected


def test_the_templates_own_tags_are_known_and_others_are_not():
    tags = local_extensions.template_tags(ROOT)
    spec = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    assert local_extensions.is_templates_own(spec["repo_name"], tags)
    assert local_extensions.is_templates_own("DEEP-OC-{{cookiecutter.repo_name}}/Dockerfile", tags)
    assert local_extensions.is_templates_own("no tags at all", tags)
    for answer in ("{{ 7*7 }}", "{{cookiecutter.repo_name}} {{ 1 }}", "x {% if 1 %}",
                   "{# c #}", "{{ unterminated"):
        assert not local_extensions.is_templates_own(answer, tags), answer


def _git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env,
                          check=True).stdout.strip()


@pytest.mark.parametrize("how", ["cookiecutter", "deep-oc"])
def test_git_variables_of_the_caller_do_not_redirect_the_bake(tmp_path, how):
    """As inside a git hook: GIT_DIR and friends point at another repository."""
    victim = tmp_path / "victim"
    victim.mkdir()
    _git(victim, "init", "-q", "-b", "main")
    (victim / "f").write_text("x")
    _git(victim, "add", "f")
    _git(victim, "-c", "user.name=v", "-c", "user.email=v@example.org", "commit", "-qm", "v")
    before = _git(victim, "for-each-ref")
    home = tmp_path / "home"
    home.mkdir()
    env = dict(git_env(home), GIT_DIR=str(victim / ".git"), GIT_WORK_TREE=str(victim),
               GIT_INDEX_FILE=str(victim / ".git" / "index"),
               GIT_OBJECT_DIRECTORY=str(victim / ".git" / "objects"),
               GIT_COMMON_DIR=str(victim / ".git"), GIT_AUTHOR_NAME="Intruder",
               GIT_COMMITTER_EMAIL="intruder@example.org", GIT_NAMESPACE="elsewhere")
    out = tmp_path / "out"
    if how == "cookiecutter":
        proc = run_cookiecutter(out, {"project_name": "In hook"}, env=env)
    else:
        proc = _deep_oc(["new", "--no-input", "-o", out, "project_name=In hook"], home, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _git(victim, "for-each-ref") == before
    assert _git(victim, "status", "--porcelain") == ""
    for repo in (out / "in_hook", out / "DEEP-OC-in_hook"):
        assert _git(repo, "log", "-1", "--format=%an <%ce>") == (
            "DEEP-OC developers <deep-oc@example.org>")
        assert _git(repo, "status", "--porcelain") == ""


def _slow_git(tmp_path: Path) -> Path:
    """A PATH folder whose ``git`` is the real one, started after a pause, so a bake lasts
    long enough to be interrupted in the middle."""
    folder = tmp_path / "slow-bin"
    folder.mkdir()
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True,
                          check=True).stdout.strip()
    script = folder / "git"
    script.write_text(f"#!/bin/sh\nsleep 0.3\nexec {real} \"$@\"\n")
    script.chmod(0o755)
    return folder


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_bake_leaves_no_half_repo_and_a_rerun_works(tmp_path, sig):
    home = tmp_path / "home"
    home.mkdir()
    env = git_env(home)
    env["PATH"] = f"{_slow_git(tmp_path)}{os.pathsep}{env['PATH']}"
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([DEEP_OC, "new", "--no-input", "-o", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    # wait until the bake is half way: the code repo exists in the staging folder
    while not list(out.glob(".deep-oc-bake-*/demo_module/.git")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert not (out / "demo_module").exists() and not (out / "DEEP-OC-demo_module").exists()
    if sig != signal.SIGKILL:  # unwound: the staging folder is gone too, and it said so
        assert list(out.iterdir()) == []
        assert "interrupted" in stderr and "Traceback" not in stderr
    rerun = _deep_oc(["new", "--no-input", "-o", out], home)
    assert rerun.returncode == 0, rerun.stderr
    assert (out / "demo_module" / ".git").is_dir() and (out / "DEEP-OC-demo_module").is_dir()


def test_an_output_folder_that_cannot_be_made_is_one_line(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = _deep_oc(["new", "--no-input", "-o", blocker / "out"], home)
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and "cannot write into" in proc.stderr
