"""Fixtures for the template tests: the answer matrix, baked once per session (per worker)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COOKIECUTTER = str(VENV_BIN / "cookiecutter")
#: the template's files, as pyproject maps them into the wheel
TEMPLATE_FILES = ("cookiecutter.json", "local_extensions.py", "hooks", "templates",
                  "{{cookiecutter.repo_name}}")


def copy_template(dest: Path, version: str | None = None) -> Path:
    """A copy of this checkout's template in ``dest`` (for DEEPOC_TEMPLATE), at another
    ``_template_version`` when given: an older or a later release to update between."""
    dest.mkdir()
    for name in TEMPLATE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / name)
    if version:
        spec = dest / "cookiecutter.json"
        text = spec.read_text(encoding="utf-8")
        spec.write_text(re.sub(r'"_template_version": "[^"]*"',
                               f'"_template_version": "{version}"', text, count=1),
                        encoding="utf-8")
    return dest

def previous_release(dest: Path) -> tuple[Path, str]:
    """The template as its previous version left it, extracted into ``dest`` with ``git
    archive``, and that version: HEAD when the working tree's ``_template_version`` is not
    committed yet, else the parent of the commit that brought it."""
    def git(*args: str) -> bytes:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        return subprocess.run(["git", *args], cwd=ROOT, env=env, capture_output=True,
                              check=True).stdout

    def version(rev: str) -> str:
        return json.loads(git("show", f"{rev}:cookiecutter.json"))["_template_version"]

    current = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))[
        "_template_version"]
    rev = "HEAD"
    if version(rev) == current:
        bump = None
        for commit in git("log", "--format=%H", "--", "cookiecutter.json").decode().split():
            if version(commit) != current:
                break
            bump = commit
        rev = f"{bump}^"
    old = version(rev)
    assert old != current, f"no earlier template version than {current} in {ROOT}'s history"
    present = set(git("ls-tree", "--name-only", rev).decode().splitlines())
    dest.mkdir()
    tar = git("archive", "--format=tar", rev, *(f for f in TEMPLATE_FILES if f in present))
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    return dest, old


#: name -> answers given (the rest are defaults). Together: every license, default and
#: other git_base_url / dockerhub_user, digits and underscores, non-ASCII authors,
#: quotes, backslashes and newlines in the description, both model types, no GPU tag,
#: trained weights (a URL with a query, an upper-case SHA-256) and none.
ANSWER_SETS: dict[str, dict[str, str]] = {
    "defaults": {},
    "apache": {
        "project_name": "Plant classifier 2",
        "git_base_url": "https://gitlab.example.org/group/sub",
        "dockerhub_user": "my-org",
        "open_source_license": "Apache-2.0",
        "model_type": "trainable",
        "author_name": "José Müller, Zoë Ångström, 李雷",
        "author_email": "jose@example.org, zoe@example.se, li@example.cn",
        "description": 'Says "hello" and \'bye\'\nwith a back\\slash, a tab\tand <html> & more\n\n'
        "Third paragraph: C:\\path\\n is not a newline",
    },
    "bsd": {
        "project_name": "Model 2 X",
        "repo_name": "model_2_x",
        "open_source_license": "BSD-3-Clause",
        "docker_baseimage": "registry.example.org:5000/ml/base-image",
        "baseimage_cpu_tag": "1.2.3",
        "baseimage_gpu_tag": "",
        "app_version": "10.0.1",
        "weights_url": "https://zenodo.org/records/42/files/model_2.h5?download=1&v=2",
        "weights_sha256": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
    },
    "agpl": {
        "project_name": "Speech-to-text (beta)",
        "repo_name": "speech2text__v3",
        "open_source_license": "AGPL-3.0-only",
        "author_name": "Ærøskøbing Lab",
        "author_email": "lab@aero.dk",
        "description": "Triple quotes ''' and \"\"\" and a trailing backslash \\",
        "git_base_url": "http://git.example.com:8080/team",
        "jenkins_url": "https://ci.example.com/jenkins",
    },
    "nolicense": {
        "project_name": "Closed model",
        "open_source_license": "no license",
        "dockerhub_user": "a.b_c-d",
        "model_type": "trainable",
    },
}


def git_env(home: Path) -> dict[str, str]:
    """An environment where git sees no user or system configuration but ``home``'s."""
    env = dict(os.environ, HOME=str(home), GIT_CONFIG_NOSYSTEM="1", XDG_CONFIG_HOME=str(home))
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                "GIT_COMMITTER_EMAIL", "EMAIL", "GIT_CONFIG_GLOBAL"):
        env.pop(key, None)
    return env


def run_cookiecutter(output: Path, answers: dict[str, str], env: dict[str, str] | None = None,
                     cwd: Path | None = None, extra_args: list[str] | None = None,
                     template: str | None = None) -> subprocess.CompletedProcess:
    """Plain ``cookiecutter <template> --no-input key=value...``, as a user runs it
    (the template: this checkout unless given, e.g. a git URL)."""
    cmd = [COOKIECUTTER, template or str(ROOT), "--no-input", "-o", str(output),
           *(extra_args or [])]
    cmd += [f"{k}={v}" for k, v in answers.items()]
    if env is None:  # keep cookiecutter's replay files out of the real home
        env = git_env(Path(tempfile.mkdtemp(prefix="home-")))
        if "GIT_CONFIG_NOSYSTEM" not in os.environ:
            del env["GIT_CONFIG_NOSYSTEM"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    proc.output = proc.stdout + proc.stderr  # cookiecutter says some things on stdout
    return proc


@pytest.fixture(scope="session")
def bakes(tmp_path_factory) -> dict[str, tuple[Path, Path, dict]]:
    """Every answer set baked once: name -> (code repo, Docker repo, answers given).

    "defaults" goes through the plain cookiecutter command line (no deep-oc involved),
    the others through ``deepoc.template.bake``.
    """
    from deepoc.template import bake

    home = tmp_path_factory.mktemp("home")
    out: dict[str, tuple[Path, Path, dict]] = {}
    for name, answers in ANSWER_SETS.items():
        folder = tmp_path_factory.mktemp(f"bake-{name}")
        if name == "defaults":
            proc = run_cookiecutter(folder, answers, env=git_env(home))
            assert proc.returncode == 0, proc.stderr
            code = folder / "demo_module"
            out[name] = (code, folder / "DEEP-OC-demo_module", answers)
        else:
            code, docker = bake(folder, answers)
            out[name] = (code, docker, answers)
    return out


@pytest.fixture(scope="session")
def defaults() -> dict:
    """The template's defaults, resolved as ``--no-input`` resolves them."""
    from deepoc.template import resolve_answers

    return resolve_answers(ROOT, {})


def full_answers(given: dict[str, str]) -> dict:
    """Defaults overlaid with ``given`` (repo_name derived as the template derives it)."""
    from deepoc.template import resolve_answers

    return resolve_answers(ROOT, given)
