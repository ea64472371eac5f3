"""``deep-oc update --adopt`` on a module pair shaped like the 2020 DEEP template's: setup.cfg
with pbr, ``<repo>/models/deep_api.py``, a Dockerfile that clones the code repo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import git_env
from .test_generated import _clean_env

DEEP_OC = str(Path(sys.executable).with_name("deep-oc"))
IDENT = ["-c", "user.name=Valentin Kozlov", "-c", "user.email=valentin@example.org"]

OLD_FILES = {
    "code": {
        "setup.cfg": "[metadata]\nname = dogs_breed\nsummary = Dogs breed detector\n"
                     "description-file = README.md\nauthor = Valentin Kozlov\n"
                     "author-email = valentin@example.org\nversion = 0.3.0\nlicense = MIT\n"
                     "home-page = https://github.com/deephdc/dogs_breed\n\n[files]\n"
                     "packages = dogs_breed\n\n[entry_points]\ndeepaas.v2.model =\n"
                     "    dogs_breed = dogs_breed.models.deep_api\n",
        "setup.py": "import setuptools\n\nsetuptools.setup(setup_requires=['pbr>=2.0.0'], "
                    "pbr=True)\n",
        "requirements.txt": "tensorflow==1.14.0\nkeras\n",
        "README.md": "DEEP Open Catalogue: Dogs breed detector\n"
                     "=======================================\n\nOur own description.\n",
        "tox.ini": "[tox]\nenvlist = py36,pep8\n",
        "Jenkinsfile": "#!/usr/bin/groovy\n@Library(['github.com/indigo-dc/jenkins-pipeline-"
                       "library@1.2.3']) _\n",
        "dogs_breed/__init__.py": "",
        "dogs_breed/models/__init__.py": "",
        "dogs_breed/models/deep_api.py": "def get_metadata():\n    return {'name': 'dogs'}\n",
    },
    "docker": {
        "Dockerfile": "ARG tag=1.14.0-py3\nFROM deephdc/tensorflow:${tag}\nARG branch=master\n"
                      "RUN git clone -b $branch https://github.com/deephdc/dogs_breed && \\\n"
                      "    cd dogs_breed && pip install --no-cache-dir -e .\n"
                      "CMD deepaas-run --listen-ip 0.0.0.0\n",
        "metadata.json": json.dumps({
            "title": "Dogs breed detector",
            "summary": "Identify a dog's breed on an image",
            "description": ["This is a module to identify dog breeds.", "It uses a CNN."],
            "keywords": ["tensorflow", "docker", "api-v2", "trainable"],
            "license": "MIT",
            "date_creation": "2019-02-06",
            "sources": {
                "dockerfile_repo": "https://github.com/deephdc/DEEP-OC-dogs_breed",
                "docker_registry_repo": "deephdc/deep-oc-dogs_breed",
                "code": "https://github.com/deephdc/dogs_breed",
            },
            "continuous_integration": {
                "build_status_badge": "https://jenkins.indigo-datacloud.eu/buildStatus/icon",
                "build_status_url": "https://jenkins.indigo-datacloud.eu/job/x",
            },
        }, indent=4) + "\n",
        "README.md": "# DEEP-OC-dogs_breed\n\nDocker image of the dogs breed detector.\n",
        "Jenkinsfile": "#!/usr/bin/groovy\n",
    },
}


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *IDENT, *args], cwd=repo, capture_output=True, text=True,
                          env=_clean_env())
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture()
def old_pair(tmp_path) -> Path:
    root = tmp_path / "modules"
    for which, name in (("code", "dogs_breed"), ("docker", "DEEP-OC-dogs_breed")):
        repo = root / name
        for rel, text in OLD_FILES[which].items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text, encoding="utf-8")
        _git(repo, "init", "-q", "-b", "master")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", "2020 module")
        _git(repo, "remote", "add", "origin", f"https://github.com/deephdc/{name}")
    return root


def test_adopt_infers_the_answers_and_merges_once_on_a_new_branch(old_pair, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run([DEEP_OC, "update", "--adopt", "--no-input", str(old_pair),
                           "baseimage_gpu_tag="], capture_output=True, text=True,
                          env=git_env(home), timeout=180, stdin=subprocess.DEVNULL)
    assert proc.returncode == 3, proc.stdout + proc.stderr  # both sides have these files
    for line in ("project_name = 'Dogs breed detector'  (from metadata.json title)",
                 "repo_name = 'dogs_breed'  (from setup.cfg name)",
                 "author_name = 'Valentin Kozlov'  (from setup.cfg author)",
                 "author_email = 'valentin@example.org'",
                 "app_version = '0.3.0'  (from setup.cfg version)",
                 "open_source_license = 'MIT'", "model_type = 'trainable'",
                 "dockerhub_user = 'deephdc'", "git_base_url = 'https://github.com/deephdc'",
                 "docker_baseimage = 'deephdc/tensorflow'  (from Dockerfile FROM)",
                 "baseimage_cpu_tag = '1.14.0-py3'  (from Dockerfile ARG tag)",
                 "baseimage_gpu_tag = ''  (given)"):
        assert line in proc.stdout, line
    code, docker = old_pair / "dogs_breed", old_pair / "DEEP-OC-dogs_breed"
    for repo in (code, docker):
        assert _git(repo, "branch", "--show-current") == "template-adopt"
        assert _git(repo, "log", "--format=%s", "master") == "2020 module"  # untouched
        # the template branch is one unrelated root commit: pure template output
        assert _git(repo, "rev-list", "--count", "template") == "1"
    conflicted = set(_git(code, "diff", "--name-only", "--diff-filter=U").splitlines())
    assert {"README.md", "requirements.txt", "dogs_breed/models/deep_api.py"} <= conflicted
    assert "setup.cfg" not in conflicted and (code / "setup.cfg").is_file()  # the author's

    # the author resolves as a reviewer would: the template's code and packaging, their own
    # README text, no more pbr
    _git(code, "checkout", "--theirs", "--", *sorted(conflicted - {"README.md"}))
    _git(code, "checkout", "--ours", "--", "README.md")
    _git(code, "rm", "-q", "setup.cfg", "setup.py")
    _git(code, "add", "-A")
    _git(code, "commit", "-q", "--no-edit")
    docker_conflicts = _git(docker, "diff", "--name-only", "--diff-filter=U").splitlines()
    assert "Dockerfile" in docker_conflicts and "metadata.json" in docker_conflicts
    _git(docker, "checkout", "--theirs", "--", *docker_conflicts)
    _git(docker, "add", "-A")
    _git(docker, "commit", "-q", "--no-edit")
    meta = json.loads((docker / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == "Dogs breed detector"
    assert "ARG tag=1.14.0-py3" in (docker / "Dockerfile").read_text()
    assert "Our own description." in (code / "README.md").read_text()

    # adopted: from now on an ordinary update finds it up to date
    check = subprocess.run([DEEP_OC, "update", "--check", str(old_pair)], capture_output=True,
                           text=True, env=git_env(home), timeout=180)
    assert check.returncode == 0, check.stdout + check.stderr

    # and the generated project installs and passes its own tests
    venv = tmp_path / "venv"
    env = _clean_env()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    py = str(venv / "bin" / "python")
    pip = subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e",
                          str(code), "-r", str(code / "test-requirements.txt")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    tests = subprocess.run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=code,
                           capture_output=True, text=True, env=env, timeout=300)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]


def test_adopt_refuses_a_module_that_has_a_template_branch(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    subprocess.run([DEEP_OC, "new", "--no-input", "-o", str(out)], check=True,
                   env=git_env(home), capture_output=True)
    proc = subprocess.run([DEEP_OC, "update", "--adopt", "--no-input", str(out)],
                          capture_output=True, text=True, env=git_env(home))
    assert proc.returncode == 1
    assert "run deep-oc update instead of --adopt" in proc.stderr
