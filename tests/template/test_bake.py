"""Bake the answer matrix: exact file sets, nothing unrendered, every data file parses back."""

from __future__ import annotations

import configparser
import datetime
import json
import re
import subprocess

import pytest
import tomllib
import yaml

import deepoc

from .conftest import ANSWER_SETS, ROOT, VENV_BIN, full_answers

CODE_FILES = {
    ".cookiecutter.json", ".dockerignore", ".gitignore", "Jenkinsfile", "README.md",
    "pyproject.toml", "requirements.txt", "test-requirements.txt", "tox.ini",
    "data/raw/.gitkeep", "docs/index.md", "models/.gitkeep", "notebooks/.gitkeep",
    "references/.gitkeep", "reports/figures/.gitkeep",
    "{pkg}/__init__.py", "{pkg}/config.py",
    "{pkg}/dataset/__init__.py", "{pkg}/dataset/make_dataset.py",
    "{pkg}/features/__init__.py", "{pkg}/features/build_features.py",
    "{pkg}/models/__init__.py", "{pkg}/models/deep_api.py",
    "{pkg}/visualization/__init__.py", "{pkg}/visualization/visualize.py",
    "{pkg}/tests/__init__.py", "{pkg}/tests/test_api.py", "{pkg}/tests/test_deepaas.py",
    "{pkg}/tests/test_metadata.py",
}
DOCKER_FILES = {
    ".cookiecutter.json", ".gitignore", "Dockerfile", "Jenkinsfile", "README.md",
    "build.json", "docker-compose.yml", "metadata.json", "submit_orchent_tmpl.sh",
}
NAMES = sorted(ANSWER_SETS)


def _files(repo):
    return {
        p.relative_to(repo).as_posix()
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def _tracked(repo):
    out = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True,
                         check=True)
    return set(out.stdout.splitlines())


@pytest.mark.parametrize("name", NAMES)
def test_exact_file_set(bakes, name):
    code, docker, given = bakes[name]
    answers = full_answers(given)
    pkg = answers["repo_name"]
    assert code.name == pkg and docker.name == f"DEEP-OC-{pkg}"
    assert sorted(p.name for p in code.parent.iterdir()) == sorted([code.name, docker.name])
    lic = {"LICENSE"} if answers["open_source_license"] != "no license" else set()
    expected_code = {f.format(pkg=pkg) for f in CODE_FILES} | lic
    assert _files(code) == expected_code
    assert _files(docker) == DOCKER_FILES | lic
    assert _tracked(code) == expected_code
    assert _tracked(docker) == DOCKER_FILES | lic


@pytest.mark.parametrize("name", NAMES)
def test_nothing_left_unrendered(bakes, name):
    code, docker, _ = bakes[name]
    for repo in (code, docker):
        for rel in _files(repo):
            text = (repo / rel).read_text(encoding="utf-8")
            for marker in ("{{", "{%", "{#", "cookiecutter.repo_name", "cookiecutter.project"):
                assert marker not in text, f"{marker!r} left in {repo.name}/{rel}"


@pytest.mark.parametrize("name", NAMES)
def test_answers_recorded_in_both_repos(bakes, name):
    code, docker, given = bakes[name]
    answers = full_answers(given)
    for repo in (code, docker):
        recorded = json.loads((repo / ".cookiecutter.json").read_text(encoding="utf-8"))
        assert recorded.pop("_template") == str(ROOT)
        assert recorded.pop("_template_version") == deepoc.__version__
        assert recorded.pop("__date_creation") == json.loads(
            (docker / "metadata.json").read_text(encoding="utf-8"))["date_creation"]
        # this checkout is a git repository: its commit is recorded (-dirty with changes)
        assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", recorded.pop("_template_commit"))
        assert recorded == answers


@pytest.mark.parametrize("name", NAMES)
def test_pyproject_parses_back(bakes, name):
    code, _, given = bakes[name]
    a = full_answers(given)
    project = tomllib.loads((code / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == a["repo_name"]
    assert project["version"] == a["app_version"]
    assert project["description"] == a["description"].strip().splitlines()[0].strip()
    names = [n.strip() for n in a["author_name"].split(",")]
    emails = [e.strip() for e in a["author_email"].split(",")]
    pairs = zip(names, emails, strict=True)
    assert project["authors"] == [{"name": n, "email": e} for n, e in pairs]
    if a["open_source_license"] == "no license":
        assert "license" not in project
    else:
        assert project["license"] == a["open_source_license"]
    assert a["model_type"] in project["keywords"]
    eps = project["entry-points"]["deepaas.v2.model"]
    assert eps == {a["repo_name"]: f"{a['repo_name']}.models.deep_api"}
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(code / "tox.ini", encoding="utf-8")
    assert {"testenv", "testenv:style", "testenv:bandit", "testenv:cover"} <= set(tox.sections())
    assert "ruff check" in tox["testenv:style"]["commands"]
    assert "--cov" in tox["testenv:cover"]["commands"]
    for line in (code / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert ">=" in line and "<" in line.replace(">=", ""), f"unbounded: {line}"


@pytest.mark.parametrize("name", NAMES)
def test_docker_repo_data_files_parse_back(bakes, name):
    _, docker, given = bakes[name]
    a = full_answers(given)
    repo, base = a["repo_name"], a["git_base_url"]
    build = json.loads((docker / "build.json").read_text(encoding="utf-8"))
    assert build == {
        "build_version": 1,
        "image": f"{a['dockerhub_user']}/{repo}",
        "base_image": a["docker_baseimage"],
        "cpu_tag": a["baseimage_cpu_tag"],
        "gpu_tag": a["baseimage_gpu_tag"],
        "build_args": {},
    }
    meta = json.loads((docker / "metadata.json").read_text(encoding="utf-8"))
    lines = a["description"].strip().splitlines()
    assert meta["title"] == a["project_name"]
    assert meta["summary"] == lines[0].strip()
    assert meta["description"][: len(lines)] == lines
    weights = a["weights_url"]
    assert meta["keywords"] == ["docker", "api-v2", a["model_type"]] + (
        ["pre-trained"] if weights else [])
    today = datetime.datetime.now(datetime.timezone.utc).date()
    # today (UTC), or yesterday if the session baked just before midnight
    assert meta["date_creation"] in {today.isoformat(), (today - datetime.timedelta(1)).isoformat()}
    assert meta["sources"] == {
        "dockerfile_repo": f"{base}/DEEP-OC-{repo}",
        "docker_registry_repo": f"{a['dockerhub_user']}/{repo}",
        "code": f"{base}/{repo}",
        **({"pre_trained_weights": weights} if weights else {}),
    }
    if a["jenkins_url"]:
        ci = meta["continuous_integration"]
        assert set(ci) == {"build_status_badge", "build_status_url"}
        assert all(url.startswith(a["jenkins_url"] + "/") for url in ci.values())
    else:  # no Jenkins server named: no dead badge, the marketplace shows its own builds
        assert "continuous_integration" not in meta
    if a["open_source_license"] != "no license":
        assert meta["license"] == a["open_source_license"]

    compose = yaml.safe_load((docker / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    expected = {f"{repo}-cpu", f"{repo}-rclone"}
    if a["baseimage_gpu_tag"]:
        expected.add(f"{repo}-gpu")
    assert set(services) == expected
    assert services[f"{repo}-cpu"]["image"] == f"{a['dockerhub_user']}/{repo}:latest"
    assert services[f"{repo}-cpu"]["build"]["args"]["tag"] == a["baseimage_cpu_tag"]

    dockerfile = (docker / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG tag={a['baseimage_cpu_tag']}\n" in dockerfile
    assert f"FROM {a['docker_baseimage']}:${{tag}}\n" in dockerfile
    assert "ARG branch=master\n" in dockerfile
    assert f"ARG code_repo={base}/{repo}\n" in dockerfile
    assert "ARG commit=\n" in dockerfile
    assert "apt-get install" in dockerfile and "rclone" in dockerfile
    if weights:
        assert f"ARG weights_url={weights}\n" in dockerfile
        assert f"ARG weights_sha256={a['weights_sha256'].lower()}\n" in dockerfile
        # the token for private weights is a BuildKit secret, never a build argument
        assert "RUN --mount=type=secret,id=weights_token,required=false" in dockerfile
        assert not re.search(r"^ARG .*(token|secret|password)", dockerfile, re.M | re.I)
    else:  # no weights: nothing about them, and nothing that needs BuildKit
        assert "weights" not in dockerfile and "--mount" not in dockerfile
    assert "EXPOSE 5000 6006" in dockerfile
    assert 'CMD ["deepaas-run", "--listen-ip", "0.0.0.0", "--listen-port", "5000"]' in dockerfile
    assert "\nUSER " in dockerfile and "\nUSER root" not in dockerfile


@pytest.mark.parametrize("name", NAMES)
def test_license_files(bakes, name):
    code, docker, given = bakes[name]
    a = full_answers(given)
    if a["open_source_license"] == "no license":
        assert not (code / "LICENSE").exists() and not (docker / "LICENSE").exists()
        return
    text = (code / "LICENSE").read_text(encoding="utf-8")
    assert text == (docker / "LICENSE").read_text(encoding="utf-8")
    assert "@YEAR@" not in text and "@HOLDER@" not in text
    heading = {"MIT": "MIT License", "Apache-2.0": "Apache License",
               "BSD-3-Clause": "Redistribution and use", "AGPL-3.0-only": "AFFERO"}
    assert heading[a["open_source_license"]] in text
    if a["open_source_license"] in ("MIT", "BSD-3-Clause"):
        assert str(datetime.date.today().year) in text
        assert a["author_name"].split(",")[0].strip() in text


@pytest.mark.parametrize("name", NAMES)
def test_metadata_validates_with_format_checks(bakes, name):
    from deepoc.metadata import validate_bytes

    _, docker, _ = bakes[name]
    report = validate_bytes((docker / "metadata.json").read_bytes(), "metadata.json")
    assert report.valid, [str(e) for e in report.errors]
    assert report.schema_version and report.schema_version.startswith("1.")
    assert not report.errors


def test_orchent_script_reads_credentials_from_environment(bakes):
    _, docker, _ = bakes["defaults"]
    script = docker / "submit_orchent_tmpl.sh"
    assert script.stat().st_mode & 0o111
    text = script.read_text()
    assert "ORCHENT_ACCESS_TOKEN:?" in text and "ORCHENT_URL:?" in text
    proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "submit_mine.sh"], cwd=docker
    ).returncode
    kept = subprocess.run(
        ["git", "check-ignore", "-q", "submit_orchent_tmpl.sh"], cwd=docker
    ).returncode
    assert (ignored, kept) == (0, 1)


def test_dockerfiles_pass_hadolint(bakes):
    files = [str(docker / "Dockerfile") for _, docker, _ in bakes.values()]
    proc = subprocess.run([str(VENV_BIN / "hadolint"), "--no-color", *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_docker_jenkinsfile_calls_deep_oc_with_the_contract_lines(bakes):
    import shlex

    from deepoc.cli import build_parser

    _, docker, _ = bakes["defaults"]
    text = (docker / "Jenkinsfile").read_text()
    lines = [seg.split("'")[1] for seg in text.splitlines() if "sh 'deep-oc " in seg]
    assert lines == [
        "deep-oc validate metadata.json",
        'deep-oc images build --repo . --branch "$BRANCH_NAME" --registry "$REGISTRY" '
        '--build-number "$BUILD_NUMBER"',
        'deep-oc images build --repo . --git-tag "$TAG_NAME" --registry "$REGISTRY" '
        '--build-number "$BUILD_NUMBER"',
    ]
    values = {"$BRANCH_NAME": "master", "$REGISTRY": "localhost:5000",
              "$BUILD_NUMBER": "7", "$TAG_NAME": "v1.0.0"}
    parser = build_parser()
    for line in lines:
        argv = [values.get(w, w) for w in shlex.split(line.replace('"', ""))][1:]
        args = parser.parse_args(argv)
        assert callable(args.func)
    assert "buildingTag()" in text and "changeset 'metadata.json'" in text


def test_metadata_validation_checks_formats(bakes):
    """The check above has teeth: a bad URI or date in the generated file is an error."""
    from deepoc.metadata import validate_bytes

    _, docker, _ = bakes["defaults"]
    data = json.loads((docker / "metadata.json").read_text(encoding="utf-8"))
    data["sources"]["code"] = "not a url"
    data["date_creation"] = "2026-02-30"
    report = validate_bytes(json.dumps(data).encode(), "metadata.json")
    assert not report.valid
    assert {e.path for e in report.errors} == {"$.sources.code", "$.date_creation"}


def test_recorded_answers_re_render_the_same_repos(bakes, tmp_path):
    """``.cookiecutter.json`` is enough to render the project again, byte for byte."""
    from deepoc.template import bake

    code, docker, _ = bakes["apache"]
    recorded = json.loads((code / ".cookiecutter.json").read_text(encoding="utf-8"))
    answers = {k: v for k, v in recorded.items() if not k.startswith("_")}
    code2, docker2 = bake(tmp_path, answers, recorded=recorded)
    for old, new in ((code, code2), (docker, docker2)):
        assert _files(old) == _files(new)
        for rel in _files(old):
            a, b = (old / rel).read_bytes(), (new / rel).read_bytes()
            assert a == b, rel  # the recorded date too: byte for byte


def test_bake_leaves_nothing_in_the_temp_folder(tmp_path, monkeypatch):
    """Cookiecutter never deletes the hook scripts it renders; bake() cleans them up."""
    import tempfile

    from deepoc.template import bake

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    code, docker = bake(tmp_path / "out", {"project_name": "Temp check"})
    assert code.is_dir() and docker.is_dir()
    assert list(scratch.iterdir()) == []
    assert tempfile.tempdir == str(scratch)
