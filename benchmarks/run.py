"""Benchmark: the author's loop with `deep-oc run`, seconds from the command to a serving API.

A module baked from the real template, on the local test base image:

1. first run: nothing of the module on the engine (the base image only);
2. the same commits again: the image is found by its build key, nothing is built;
3. after a one-line commit of the code: the engine's layer cache serves every step before
   the code (system packages, DEEPaaS), only the code step runs. The first run is what every
   edit would cost without that cache (`_drop_stale_code_layers` deleted the old image, and
   with it the cache of the steps after the base image).

Each run is stopped with SIGINT once the API answers.

    .venv/bin/python benchmarks/run.py [--repeat 3]

The engine uses its own data root under benchmarks/_work/ (gitignored), started with
scripts/services/dockerd.sh and stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "scripts" / "services"
sys.path.insert(0, str(ROOT))
DEEP_OC = str(Path(sys.executable).with_name("deep-oc"))

from benchmarks.images import drop_module_images, sh  # noqa: E402 (after sys.path)


def serve_once(module: Path, port: int, cache: Path) -> float:
    """Seconds from `deep-oc run` to its API answering; then Ctrl-C."""
    env = dict(os.environ, DEEPOC_CACHE_DIR=str(cache))
    t0 = time.perf_counter()
    proc = subprocess.Popen([DEEP_OC, "run", str(module), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "Serving until Ctrl-C" in line:
            took = time.perf_counter() - t0
            break
    else:
        raise SystemExit(f"deep-oc run failed: {proc.stderr.read() if proc.stderr else ''}")
    proc.send_signal(signal.SIGINT)
    if proc.wait(timeout=60) != 0:
        raise SystemExit("deep-oc run did not stop with exit code 0 on SIGINT")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of steps 2 and 3 (median)")
    args = ap.parse_args()
    work = ROOT / "benchmarks" / "_work" / "run-loop"
    shutil.rmtree(work / "run", ignore_errors=True)
    run = work / "run"
    run.mkdir(parents=True)
    env = dict(os.environ, DEEPOC_DOCKER_DATA_ROOT=str(work / "docker"))
    pid = None
    try:
        pid = sh("bash", str(SERVICES / "dockerd.sh"), "start", str(run / "dockerd"), env=env)
        os.environ["DOCKER_HOST"] = f"unix://{run / 'dockerd' / 'docker.sock'}"
        sh("bash", str(SERVICES / "test-baseimage.sh"), "tensorflow/tensorflow:2.15.0",
           env=dict(os.environ))
        drop_module_images()  # a first run is a first run, whatever an earlier one left
        from deepoc.images.smoke import free_port
        from deepoc.template import bake

        code, _ = bake(run / "bake", {"project_name": "loop", "baseimage_gpu_tag": ""})
        code = Path(code)
        port, cache = free_port(), run / "cache"
        first = serve_once(code, port, cache)
        print(f"first run:                {first:7.1f} s", flush=True)
        again = statistics.median(serve_once(code, port, cache) for _ in range(args.repeat))
        print(f"same commits again:       {again:7.1f} s  median of {args.repeat}", flush=True)
        edits = []
        for i in range(args.repeat):
            with (code / "loop" / "config.py").open("a") as fh:
                fh.write(f"\n# edit {i}\n")
            sh("git", "commit", "-q", "-am", f"edit {i}", cwd=code)
            edits.append(serve_once(code, port, cache))
        edit = statistics.median(edits)
        print(f"after a one-line commit:  {edit:7.1f} s  median of {args.repeat}", flush=True)
        print(f"ratio one-line commit / first run: {edit / first:.1%}; "
              f"same commits / first run: {again / first:.1%}")
        return 0
    finally:
        if pid:
            drop_module_images()
            subprocess.run(["bash", str(SERVICES / "dockerd.sh"), "stop", pid], check=False)


if __name__ == "__main__":
    sys.exit(main())
