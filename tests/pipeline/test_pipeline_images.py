"""``deep-oc pipeline run`` with the images stage on a real Docker engine and registry.

This test starts its own engine and registry with scripts/services/*.sh (data root under its
temp dir) and stops them by PID; it never changes this process's environment, so the images
area's fixtures in the same worker are unaffected: the pipeline runs as a subprocess with
DOCKER_HOST pointing at this engine. Two baked modules get a fast stand-in Dockerfile (the
images area's fake DEEPaaS server): one builds and passes the smoke test, one fails to build.
The run must be unstable, not failed: the good module is pushed, the broken one recorded,
the site still built.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.images.conftest import BASE_IMAGE, BASE_TAGS, FAKE_DEEPAAS, free_port, script

from .test_pipeline_run import DEEP_OC, _table

pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("docker")]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """(env with DOCKER_HOST, registry host:port) for one engine and one registry."""
    tmp = tmp_path_factory.mktemp("pipeline-docker")
    data_root = tmp / "data-root"
    env = dict(os.environ, DEEPOC_DOCKER_DATA_ROOT=str(data_root), DEEPOC_PUSH_ATTEMPTS="2",
               DEEPOC_PUSH_BACKOFF="0.2")
    started: list[tuple[str, str]] = []
    try:
        started.append(("dockerd.sh", script("dockerd.sh", "start", str(tmp / "d"), env=env)))
        env["DOCKER_HOST"] = f"unix://{tmp / 'd' / 'docker.sock'}"
        port = free_port()
        started.append(("registry.sh", script("registry.sh", "start", str(tmp / "r"), str(port))))
        script("test-baseimage.sh", f"{BASE_IMAGE}:{BASE_TAGS[0]}", env=env)
        yield env, f"localhost:{port}"
    finally:
        for name, pid in reversed(started):
            script(name, "stop", pid)
        shutil.rmtree(data_root, ignore_errors=True)


def _hand_made(out: Path, name: str, broken: bool) -> Path:
    """A baked Docker repo whose Dockerfile is a fast stand-in (no pip install, no clone)."""
    from deepoc.template import bake

    _, docker = bake(out, {"project_name": name, "repo_name": name, "baseimage_gpu_tag": ""})
    docker = Path(docker)
    lines = [
        f"ARG tag={BASE_TAGS[0]}", f"FROM {BASE_IMAGE}:${{tag}}", "ARG branch=master",
        "ARG code_repo", "COPY fake_deepaas.py /usr/local/bin/deepaas-run",
        "RUN chmod +x /usr/local/bin/deepaas-run",
    ]
    if broken:
        lines.append("RUN echo this build step fails >&2 && exit 3")
    (docker / "Dockerfile").write_text("\n".join(lines) + "\n")
    (docker / "fake_deepaas.py").write_text(FAKE_DEEPAAS.replace("NAME", name))
    git = ["git", "-C", str(docker), "-c", "user.name=Test", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "stand-in Dockerfile"], check=True)
    return docker


def test_pipeline_run_with_images_is_unstable_when_one_module_fails(engine, tmp_path) -> None:
    env, registry = engine
    repos = tmp_path / "repos"
    repos.mkdir()
    good = _hand_made(repos, "pipe_good", broken=False)
    bad = _hand_made(repos, "pipe_bad", broken=True)
    yml = tmp_path / "MODULES.yml"
    yml.write_text("---\n" + "".join(
        f"- module: {d}\n  branches: [master]\n" for d in (good, bad)
    ))
    proc = subprocess.run(
        [DEEP_OC, "pipeline", "run", str(yml), "--workdir", str(tmp_path / "work"),
         "--registry", registry, "--build-number", "5", "--allow-local"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # unstable: every stage ran, one module failed
    rows = _table(proc.stdout)
    assert rows["Sync"][:3] == ["ok", "2", "0"], out
    assert rows["Images"][:3] == ["unstable", "1", "1"], out
    assert rows["Site"][:3] == ["ok", "2", "0"], out
    assert "--builds" in proc.stdout  # the site stage was given the build records
    records = json.loads((tmp_path / "work" / "builds.json").read_text())["builds"]
    status = {r["module"]: r["status"] for r in records}
    assert status == {"pipe_good": "pushed", "pipe_bad": "failed"}, records
    assert (tmp_path / "work" / "site" / "index.html").is_file()
    assert "Traceback" not in proc.stderr
