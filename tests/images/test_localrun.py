"""`deep-oc run` on the real engine: a baked module with a commit pushed nowhere is built
through the catalog's builder, smoke-tested and served on the printed port until Ctrl-C or
SIGTERM, which leave no container; failed builds and smoke tests name the step and the log."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import docker
import pytest

from deepoc.images import smoke
from deepoc.images.builder import CODE_COMMIT_LABEL
from deepoc.images.localrun import RUN_LABEL

from .conftest import git

pytestmark = pytest.mark.xdist_group("docker")
DEEP_OC = str(Path(sys.executable).with_name("deep-oc"))
READY = "Serving until Ctrl-C"


class Session:
    """A `deep-oc run` process, its output read line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen([DEEP_OC, "run", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.out.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} in the output: {self.out} {self.stderr()}")

    def value(self, label: str) -> str:
        return next(line.split(label, 1)[1].strip() for line in self.out if label in line)

    def stop(self, sig: int) -> tuple[int, str]:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        time.sleep(0.2)
        while not self.lines.empty():
            self.out.append(self.lines.get())
        return code, self.stderr()

    def stderr(self) -> str:
        return self.proc.stderr.read() if self.proc.poll() is not None else ""


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, DEEPOC_CACHE_DIR=str(tmp_path / "cache"))


def _run_containers(module: str) -> list:
    return docker.from_env().containers.list(all=True, filters={"label": f"{RUN_LABEL}={module}"})


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read()


def test_run_serves_unpushed_local_code_until_ctrl_c(services, modules, tmp_path):
    m = modules.bake("runner_mod", gpu=False)
    # a commit that is on no remote: only the local repository has it
    (m.code / "UNPUSHED.txt").write_text("only here\n")
    git("add", "UNPUSHED.txt", cwd=m.code)
    git("commit", "-q", "-m", "local work", cwd=m.code)
    head = git("rev-parse", "HEAD", cwd=m.code).strip()
    assert head not in git("ls-remote", str(m.code_bare))
    port = smoke.free_port()
    env = _env(tmp_path)

    run = Session([str(m.code.parent), "--port", str(port)], env)
    run.wait_for(READY)
    api = run.value("API:")
    assert api == f"http://127.0.0.1:{port}/v2/models/"
    status, body = _get(api)
    models = json.loads(body)["models"]
    assert status == 200 and [x["name"] for x in models] == ["runner_mod"]
    assert models[0]["author"] == "Jane Doe"
    status, page = _get(run.value("Swagger UI:"))
    assert status == 200 and b"swagger" in page.lower()
    line = run.value("the same:")
    assert line == ("docker run --rm -it --network host deep-oc-run/deephdc/runner_mod:cpu "
                    f"deepaas-run --listen-ip 127.0.0.1 --listen-port {port}")
    log = Path(re.search(r"\(log: (.+)\)", run.out[0]).group(1))
    assert log.is_file() and head in log.read_text()
    # the container serves the local commit
    (container,) = _run_containers("runner_mod")
    assert container.status == "running"
    out = container.exec_run(["cat", "/srv/runner_mod/UNPUSHED.txt"])
    assert out.output.decode() == "only here\n"
    image = docker.from_env().images.get("deep-oc-run/deephdc/runner_mod:cpu")
    assert image.labels[CODE_COMMIT_LABEL] == head
    assert container.image.id == image.id

    code, err = run.stop(signal.SIGINT)
    assert code == 0, err
    assert any("stopping" in x for x in run.out)
    assert _run_containers("runner_mod") == []

    # --no-build: the last image, at once; SIGTERM stops it as Ctrl-C does
    run = Session(["--no-build", "--port", str(port)], env, cwd=m.docker)
    run.wait_for(READY, timeout=180)
    assert json.loads(_get(api)[1])["models"][0]["name"] == "runner_mod"
    assert not any("building" in x for x in run.out)
    code, err = run.stop(signal.SIGTERM)
    assert code == 0, err
    assert _run_containers("runner_mod") == []

    # the same commits again: the image of that build key is reused, nothing is built
    run = Session([str(m.code), "--port", str(port)], env)
    run.wait_for(READY, timeout=300)
    assert any("reused an image of the same build key" in x for x in run.out), run.out
    assert run.stop(signal.SIGINT)[0] == 0

    # uncommitted work: refused in one line, or built as it is with --allow-dirty
    (m.code / "UNPUSHED.txt").write_text("not committed\n")
    proc = subprocess.run([DEEP_OC, "run", str(m.code), "--port", str(port)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "uncommitted changes (UNPUSHED.txt)" in proc.stderr
    run = Session([str(m.code), "--port", str(port), "--allow-dirty"], env)
    run.wait_for(READY)
    (container,) = _run_containers("runner_mod")
    assert container.exec_run(["cat", "/srv/runner_mod/UNPUSHED.txt"]).output == (
        b"not committed\n")
    assert run.stop(signal.SIGINT)[0] == 0
    assert _run_containers("runner_mod") == []
    assert git("status", "--porcelain", cwd=m.code).strip() == "M UNPUSHED.txt"

    # no GPU image in build.json: said so
    git("checkout", "-q", "UNPUSHED.txt", cwd=m.code)
    proc = subprocess.run([DEEP_OC, "run", str(m.code), "--gpu", "--port", str(port)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "build.json has no gpu_tag" in proc.stderr


def test_no_build_without_an_earlier_run_says_what_to_do(services, modules, tmp_path):
    m = modules.hand_made("never_run")
    proc = subprocess.run([DEEP_OC, "run", str(m.docker), "--no-build",
                           "--port", str(smoke.free_port())],
                          env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "no cpu image of never_run made by deep-oc run" in proc.stderr
    assert "run once without --no-build" in proc.stderr


def test_a_failed_build_names_the_step_and_the_log(services, modules, tmp_path):
    m = modules.hand_made("run_broken", broken=True)
    proc = subprocess.run([DEEP_OC, "run", str(m.docker), "--port", str(smoke.free_port())],
                          env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert re.search(r"docker build failed at Step 7/\d+ : RUN echo this build step fails",
                     proc.stderr), proc.stderr
    assert "this build step fails" in proc.stderr and "code: 3" in proc.stderr
    log = Path(re.search(r"\(log: (.+?)\)$", proc.stderr.strip()).group(1))
    assert "this build step fails" in log.read_text()
    assert _run_containers("run_broken") == []


def test_a_failed_smoke_test_names_the_log_and_leaves_no_container(services, modules,
                                                                   tmp_path):
    m = modules.hand_made("run_silent", silent=True)
    proc = subprocess.run([DEEP_OC, "run", str(m.docker), "--port", str(smoke.free_port()),
                           "--smoke-timeout", "5"],
                          env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "smoke test: no answer" in proc.stderr and "within 5s" in proc.stderr
    log = Path(re.search(r"\(log: (.+?)\)$", proc.stderr.strip()).group(1))
    assert "smoke test: waiting for" in log.read_text()
    assert _run_containers("run_silent") == []


def test_gpu_builds_the_gpu_image_and_a_machine_without_gpus_says_so(services, modules,
                                                                     tmp_path):
    """GPU images build here but cannot run (no GPU): the engine's refusal is one line and
    the container it created is gone."""
    m = modules.bake("gpu_run_mod", gpu=True)
    proc = subprocess.run([DEEP_OC, "run", str(m.code), "--gpu", "--port",
                           str(smoke.free_port())],
                          env=_env(tmp_path), capture_output=True, text=True, timeout=900)
    assert "building the gpu image" in proc.stdout and "built in" in proc.stdout, proc.stderr
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "could not start a container of deep-oc-run/deephdc/gpu_run_mod:gpu" in proc.stderr
    assert "gpu" in proc.stderr.split("gpu_run_mod:gpu", 1)[1].lower()
    image = docker.from_env().images.get("deep-oc-run/deephdc/gpu_run_mod:gpu")
    assert image.labels["io.deep-oc.variant"] == "gpu"
    assert _run_containers("gpu_run_mod") == []
