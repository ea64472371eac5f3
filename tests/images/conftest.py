"""Fixtures for the images tests: a real Docker engine, registry and git daemon, started
through scripts/services/*.sh and stopped by PID; the test base image; baked modules.

Everything that touches the engine is in the xdist group "docker" (one worker). The engine
gets its own data root under the session's temp dir, so concurrent test runs never clash;
the test base image comes from the machine-wide cache (scripts/services/test-baseimage.sh).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.gitutil import GIT_ENV, git  # noqa: F401 - re-exported to the tests

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services"
BASE_IMAGE = "tensorflow/tensorflow"
# The template's default base tags, and the ones the hand-made modules use.
BASE_TAGS = ("2.15.0", "2.15.0-gpu")



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def script(name: str, *args: str, env: dict | None = None, timeout: float = 600) -> str:
    proc = subprocess.run(["bash", str(SERVICES / name), *args], capture_output=True, text=True,
                          env=env or os.environ, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


@dataclass
class Registry:
    """A docker-registry on 127.0.0.1 started by registry.sh."""

    dir: Path
    port: int
    pid: int | None = None

    @property
    def host(self) -> str:
        return f"localhost:{self.port}"

    def start(self) -> None:
        self.pid = int(script("registry.sh", "start", str(self.dir), str(self.port)))

    def stop(self) -> None:
        if self.pid:
            script("registry.sh", "stop", str(self.pid))
            self.pid = None


@dataclass
class Services:
    tmp: Path
    docker_host: str
    registry: Registry
    git_base: Path
    git_port: int
    pids: dict = field(default_factory=dict)

    def code_url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.git_port}/{name}.git"

    def new_registry(self) -> Registry:
        reg = Registry(self.tmp / f"registry-{free_port()}", free_port())
        reg.start()
        return reg


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("images-services")
    # The engine's data root persists between runs (base image and layers stay cached) unless
    # another test session holds it: then this one gets a throw-away root of its own.
    cache = Path(os.environ.get("DEEPOC_CACHE_DIR") or Path.home() / ".cache" / "deep-oc")
    cache.mkdir(parents=True, exist_ok=True)
    lock = open(cache / "test-docker.lock", "w")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        data_root, persistent = cache / "test-docker", True
    except BlockingIOError:
        data_root, persistent = tmp / "data-root", False
    env = dict(os.environ, DEEPOC_DOCKER_DATA_ROOT=str(data_root))
    started: list[tuple[str, str]] = []
    saved = {k: os.environ.get(k) for k in ("DOCKER_HOST", "DEEPOC_PUSH_ATTEMPTS",
                                            "DEEPOC_PUSH_BACKOFF")}
    registry = None
    try:
        dpid = script("dockerd.sh", "start", str(tmp / "dockerd"), env=env)
        started.append(("dockerd.sh", dpid))
        docker_host = f"unix://{tmp / 'dockerd' / 'docker.sock'}"
        os.environ["DOCKER_HOST"] = docker_host
        os.environ["DEEPOC_PUSH_ATTEMPTS"] = "2"
        os.environ["DEEPOC_PUSH_BACKOFF"] = "0.2"
        registry = Registry(tmp / "registry", free_port())
        registry.start()
        git_base = tmp / "git"
        git_base.mkdir()
        git_port = free_port()
        gpid = script("git-daemon.sh", "start", str(git_base), str(git_port),
                      str(tmp / "git-daemon.log"))
        started.append(("git-daemon.sh", gpid))
        script("test-baseimage.sh", *(f"{BASE_IMAGE}:{t}" for t in BASE_TAGS))
        yield Services(tmp, docker_host, registry, git_base, git_port)
    finally:
        if registry:
            registry.stop()
        if persistent and started and started[0][0] == "dockerd.sh":
            _prune(keep=40)
        for name, pid in reversed(started):
            script(name, "stop", pid)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if not persistent:
            shutil.rmtree(data_root, ignore_errors=True)
        lock.close()


def _prune(keep: int) -> None:
    """Bound the persistent engine: past ``keep`` module images, drop them all (not the base)."""
    import docker

    client = docker.from_env()
    images = client.images.list(filters={"label": "io.deep-oc.module"})
    if len(images) > keep:
        for img in images:
            try:
                client.images.remove(img.id, force=True)
            except docker.errors.APIError:
                pass


@dataclass
class Module:
    name: str
    docker: Path  # Docker repo working copy (master checked out)
    code: Path  # code repo working copy
    code_bare: Path  # what git daemon serves


FAKE_DEEPAAS = r'''#!/usr/bin/env python3
"""A stand-in for deepaas-run: answers GET /v2/models/ (or, with SILENT, never answers)."""
import http.server, json, os, sys, time
port = int(sys.argv[sys.argv.index("--listen-port") + 1])
if os.path.exists("/silent"):
    time.sleep(3600)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"models": [{"name": "NAME", "author": "Test", "license": "MIT"}]})
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.end_headers(); self.wfile.write(body.encode())
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
'''


class Modules:
    """Bakes modules from the real template and serves their code repos with git daemon."""

    def __init__(self, services: Services, root: Path) -> None:
        self.s = services
        self.root = root

    def bake(self, name: str, gpu: bool = True, answers: dict | None = None,
             served_as: str | None = None) -> Module:
        """Bake module ``name`` (more ``answers`` if given) and serve its code repo as
        ``served_as`` (default: the name; give another to bake the same name twice)."""
        from deepoc.template import bake

        served_as = served_as or name
        out = self.root / served_as
        code, docker = bake(out, {
            "project_name": name, "repo_name": name,
            "git_base_url": "https://example.org/deephdc",
            "author_name": "Jane Doe", "author_email": "jane@example.org",
            "baseimage_gpu_tag": BASE_TAGS[1] if gpu else "",
            **(answers or {}),
        })
        code, docker = Path(code), Path(docker)
        bare = self.s.git_base / f"{served_as}.git"
        git("clone", "-q", "--bare", str(code), str(bare))
        git("remote", "add", "served", str(bare), cwd=code)
        # The code lives on the local git daemon: say so in metadata.json, as a module would.
        def point(d):
            d["sources"]["code"] = self.s.code_url(served_as)
            return d
        for branch in ("test", "master"):
            git("checkout", "-q", branch, cwd=docker)
            self.edit_metadata(Module(name, docker, code, bare), point, f"code on {branch}")
        return Module(name, docker, code, bare)

    def hand_made(self, name: str, silent: bool = False, broken: bool = False) -> Module:
        """A baked module whose Dockerfile is a fast stand-in (no pip install)."""
        m = self.bake(name, gpu=False)
        lines = [
            "ARG tag=2.15.0", "FROM tensorflow/tensorflow:${tag}", "ARG branch=master",
            "ARG code_repo", "COPY fake_deepaas.py /usr/local/bin/deepaas-run",
            "RUN chmod +x /usr/local/bin/deepaas-run" + (" && touch /silent" if silent else ""),
        ]
        if broken:
            lines.append("RUN echo this build step fails >&2 && exit 3")
        (m.docker / "Dockerfile").write_text("\n".join(lines) + "\n")
        (m.docker / "fake_deepaas.py").write_text(FAKE_DEEPAAS.replace("NAME", name))
        git("add", "-A", cwd=m.docker)
        git("commit", "-q", "-m", "hand-made Dockerfile", cwd=m.docker)
        return m

    def edit_metadata(self, m: Module, change, message: str = "metadata") -> str:
        path = m.docker / "metadata.json"
        path.write_text(json.dumps(change(json.loads(path.read_text())), indent=2) + "\n")
        git("commit", "-q", "-am", message, cwd=m.docker)
        return git("rev-parse", "HEAD", cwd=m.docker).strip()

    def change_code(self, m: Module, branch: str = "master") -> str:
        git("checkout", "-q", branch, cwd=m.code)
        (m.code / "CHANGES.txt").write_text("a code change\n")
        git("add", "CHANGES.txt", cwd=m.code)
        git("commit", "-q", "-m", "code change", cwd=m.code)
        git("push", "-q", "served", branch, cwd=m.code)
        return git("rev-parse", "HEAD", cwd=m.code).strip()

    def catalog(self, workdir: Path, modules: list[Module], branches=("master",)) -> Path:
        """Run the real catalog sync over these modules; returns catalog.json."""
        from deepoc.catalog.sync import sync

        workdir.mkdir(parents=True, exist_ok=True)
        yml = workdir / "MODULES.yml"
        yml.write_text("---\n" + "".join(
            f"- module: {m.docker}\n  branches: [{', '.join(branches)}]\n" for m in modules
        ))
        sync(yml, workdir, allow_local=True)
        return workdir / "catalog.json"


@pytest.fixture(scope="session")
def modules(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Modules:
    return Modules(services, tmp_path_factory.mktemp("modules"))


def builds(path: Path) -> dict:
    """builds.json records by (module, branch or tag, variant)."""
    doc = json.loads(path.read_text())
    return {(r["module"], r["branch"] or r["git_tag"], r["variant"]): r for r in doc["builds"]}
