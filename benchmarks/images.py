"""Benchmark: incremental image builds against the anchors' `--no-cache` rebuild of everything.

A catalog of N modules baked from the real template (code repos served by git daemon),
built over the local test base image, smoke-tested and pushed to a local registry:

1. first run (nothing in the registry; the engine's layer cache is used),
2. no-change run (repeated; the median is reported): every image is found by its build key,
3. the anchors' approach: `--no-cache` rebuild and push of everything.

Goal: the no-change run takes at most 5% of the `--no-cache` run.

    .venv/bin/python benchmarks/images.py [--modules 10] [--repeat 3] [--jobs 1] [--cpu-only]

Services are started with scripts/services/*.sh and stopped by PID at the end; the engine
uses its own data root under benchmarks/_work/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "scripts" / "services"
sys.path.insert(0, str(ROOT))

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.org",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def sh(*args: str, env=None, cwd=None) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, env=env or GIT_ENV,
                          cwd=cwd, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def images_build(catalog: Path, registry: str, number: int, jobs: int, *extra: str) -> dict:
    cmd = [sys.executable, "-m", "deepoc.cli", "images", "build", "--catalog", str(catalog),
           "--registry", registry, "--build-number", str(number), "--jobs", str(jobs), *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    summary = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return {"seconds": took, "exit": proc.returncode, "summary": summary}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3, help="no-change runs (median reported)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cpu-only", action="store_true", help="bake modules with no GPU image")
    args = ap.parse_args()

    work = ROOT / "benchmarks" / "_work" / "images"
    shutil.rmtree(work / "run", ignore_errors=True)
    run = work / "run"
    run.mkdir(parents=True)
    env = dict(os.environ, DEEPOC_DOCKER_DATA_ROOT=str(work / "docker"))
    stops: list[tuple[str, str]] = []
    try:
        pid = sh("bash", str(SERVICES / "dockerd.sh"), "start", str(run / "dockerd"), env=env)
        stops.append(("dockerd.sh", pid))
        os.environ["DOCKER_HOST"] = f"unix://{run / 'dockerd' / 'docker.sock'}"
        port = free_port()
        stops.append(("registry.sh", sh("bash", str(SERVICES / "registry.sh"), "start",
                                        str(run / "registry"), str(port))))
        registry = f"localhost:{port}"
        git_base = run / "git"
        git_base.mkdir()
        gport = free_port()
        stops.append(("git-daemon.sh", sh("bash", str(SERVICES / "git-daemon.sh"), "start",
                                          str(git_base), str(gport))))
        t0 = time.perf_counter()
        sh("bash", str(SERVICES / "test-baseimage.sh"), "tensorflow/tensorflow:2.15.0",
           "tensorflow/tensorflow:2.15.0-gpu", env=dict(os.environ))
        base_s = time.perf_counter() - t0

        from deepoc.catalog.sync import sync
        from deepoc.template import bake

        lines = []
        for i in range(args.modules):
            name = f"bench_{i:02d}"
            code, docker = bake(run / "bake" / name, {
                "project_name": name, "repo_name": name,
                "baseimage_gpu_tag": "" if args.cpu_only else "2.15.0-gpu"})
            sh("git", "clone", "-q", "--bare", str(code), str(git_base / f"{name}.git"))
            meta = json.loads((Path(docker) / "metadata.json").read_text())
            meta["sources"]["code"] = f"git://127.0.0.1:{gport}/{name}.git"
            (Path(docker) / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
            sh("git", "commit", "-q", "-am", "code on the local git daemon", cwd=docker)
            lines.append(f"- module: {docker}\n  branches: [master]\n")
        (run / "MODULES.yml").write_text("---\n" + "".join(lines))
        sync(run / "MODULES.yml", run / "work", allow_local=True)
        catalog = run / "work" / "catalog.json"

        first = images_build(catalog, registry, 1, args.jobs)
        print(f"first run:      {first['seconds']:8.1f} s  ({first['summary']})", flush=True)
        nochange = [images_build(catalog, registry, 2 + i, args.jobs) for i in range(args.repeat)]
        med = statistics.median(r["seconds"] for r in nochange)
        print(f"no-change run:  {med:8.2f} s  median of {args.repeat} "
              f"({nochange[-1]['summary']})", flush=True)
        anchors = images_build(catalog, registry, 99, args.jobs, "--no-cache")
        print(f"--no-cache run: {anchors['seconds']:8.1f} s  ({anchors['summary']})  "
              "[the anchors' approach]", flush=True)
        variants = 1 if args.cpu_only else 2
        print(f"modules: {args.modules} x {variants} variant(s); jobs {args.jobs}; "
              f"base image ready in {base_s:.1f} s")
        ratio = med / anchors["seconds"]
        print(f"ratio no-change / --no-cache: {ratio:.3%} (goal <= 5%: "
              f"{'met' if ratio <= 0.05 else 'NOT met'})")
        bad = [r for r in [first, *nochange, anchors] if r["exit"] != 0]
        return 1 if bad else 0
    finally:
        if stops and stops[0][0] == "dockerd.sh":
            drop_module_images()
        for name, pid in reversed(stops):
            subprocess.run(["bash", str(SERVICES / name), "stop", pid], check=False)


def drop_module_images() -> None:
    """Keep the benchmark engine's root small: the base image stays, module images go."""
    try:
        import docker

        client = docker.from_env()
        for img in client.images.list(filters={"label": "io.deep-oc.module"}):
            try:
                client.images.remove(img.id, force=True)
            except docker.errors.APIError:
                pass
    except Exception as exc:  # cleanup only: never hide the figures
        print(f"cleanup: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
