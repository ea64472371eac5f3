"""Benchmark: deep-app-schema-validator against the reference validators, in one run.

Measures (medians over --runs runs, fresh process each time):
  * ``python -c pass`` with the same interpreter as our console script (the floor),
  * our ``deep-app-schema-validator FILE`` (one file, one process, as CI runs it),
  * ``ai4-metadata validate --metadata-version 1.0.0 FILE`` (ai4-metadata 2.4.2),
  * schema4apps' ``deep-app-schema-validator FILE`` when installed,
and the in-process throughput over the whole shared corpus (all errors and positions).

Reference tools live in benchmarks/_ref/ (gitignored); ``--setup`` creates
benchmarks/_ref/ai4 with ``pip install ai4-metadata==2.4.2``. schema4apps is not on PyPI:
install it into benchmarks/_ref/s4a from a checkout (``pip install ./schema4apps``).

Usage: .venv/bin/python benchmarks/validator.py [--runs N] [--file F] [--setup]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REF = HERE / "_ref"
CORPUS = REPO.parent / "shared" / "corpus" / "metadata" / "files"
DEFAULT_FILE = CORPUS / "deephdc+DEEP-OC-posenet-tf__fcf6b62__metadata.json"
DEFAULT_YAML = CORPUS / "deephdc+DEEP-OC-posenet-tf__731e391__ai4-metadata.yml"


CPU: dict[str, float] = {}


def _median_wall(cmd: list[str], runs: int, expect: tuple[int, ...] = (0, 1)) -> float:
    """Median wall time; the median CPU time (user+sys) goes to CPU[joined command]."""
    import resource

    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in expect:
            raise SystemExit(f"{cmd[0]} exited {proc.returncode}: {proc.stderr[-500:]!r}")
    CPU[" ".join(cmd)] = statistics.median(cpu)
    return statistics.median(times)


def _setup() -> None:
    venv = REF / "ai4"
    if not (venv / "bin" / "ai4-metadata").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "ai4-metadata==2.4.2"],
                       check=True)


def _throughput(repeats: int) -> tuple[float, float, int, int]:
    sys.path.insert(0, str(REPO))
    from deepoc.metadata import validate_bytes

    blobs = [(p.name, p.read_bytes()) for p in sorted(CORPUS.iterdir())]
    rates, cpu_rates = [], []
    errors = 0
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        errors = 0
        for name, data in blobs:
            report = validate_bytes(data, name)
            errors += len(report.errors) + len(report.warnings)
        rates.append(len(blobs) / (time.perf_counter() - start))
        cpu_rates.append(len(blobs) / (time.process_time() - cpu_start))
    return statistics.median(rates), statistics.median(cpu_rates), len(blobs), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--file", default=str(DEFAULT_FILE))
    parser.add_argument("--setup", action="store_true", help="install ai4-metadata first")
    args = parser.parse_args()
    if args.setup:
        _setup()
    # An installed wheel has its bytecode compiled by pip; a source tree run with
    # PYTHONDONTWRITEBYTECODE=1 would recompile our modules at every start. Compile once so
    # we measure what users run (the reference tools were compiled when pip installed them).
    import compileall

    compileall.compile_dir(str(REPO / "deepoc"), quiet=1)
    bindir = Path(sys.executable).parent
    ours = bindir / "deep-app-schema-validator"
    if not ours.exists():
        raise SystemExit(f"{ours} not found: run from the project's .venv")
    ai4 = REF / "ai4" / "bin" / "ai4-metadata"
    s4a = REF / "s4a" / "bin" / "deep-app-schema-validator"
    f = args.file
    print(f"file: {f}\nruns: {args.runs} (median wall time, fresh process each)")
    rows: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def measure(name: str, cmd: list[str]) -> None:
        rows[name] = _median_wall(cmd, args.runs)
        cpu[name] = CPU[" ".join(cmd)]

    measure("python -c pass", [sys.executable, "-c", "pass"])
    measure("python -S -c pass", [sys.executable, "-S", "-c", "pass"])
    measure("deep-app-schema-validator (ours)", [str(ours), f])
    if ai4.exists():
        measure("ai4-metadata validate 2.4.2",
                [str(ai4), "validate", "--metadata-version", "1.0.0", f])
    else:
        print(f"(ai4-metadata not installed at {ai4}: run with --setup)")
    if s4a.exists():
        measure("schema4apps deep-app-schema-validator", [str(s4a), f])
    # a v2 YAML file too: PyYAML's import is part of that cost
    y = str(DEFAULT_YAML)
    measure("ours, ai4-metadata.yml (v2, YAML)", [str(ours), y])
    if ai4.exists():
        measure("ai4-metadata validate, ai4-metadata.yml",
                [str(ai4), "validate", "--metadata-version", "2.0.0", y])
    print(f"  {'':40s} {'wall':>8s}    {'cpu':>8s}")
    for name, value in rows.items():
        print(f"  {name:40s} {value * 1000:8.1f} ms {cpu[name] * 1000:8.1f} ms")
    c = cpu["deep-app-schema-validator (ours)"]
    print(f"cpu ratios: ours / python -c pass {c / cpu['python -c pass']:.2f}x, "
          f"ours / python -S -c pass {c / cpu['python -S -c pass']:.2f}x"
          + (f", ours / ai4-metadata {c / cpu['ai4-metadata validate 2.4.2']:.2f}x"
             if "ai4-metadata validate 2.4.2" in cpu else ""))
    us = rows["deep-app-schema-validator (ours)"]
    print(f"ratio ours / python -c pass:             {us / rows['python -c pass']:.2f}x")
    if "ai4-metadata validate 2.4.2" in rows:
        print(f"ratio ours / ai4-metadata validate:      "
              f"{us / rows['ai4-metadata validate 2.4.2']:.2f}x (goal <= 0.35)")
    if "schema4apps deep-app-schema-validator" in rows:
        print(f"ratio ours / schema4apps:                "
              f"{us / rows['schema4apps deep-app-schema-validator']:.2f}x")
    if "ai4-metadata validate, ai4-metadata.yml" in rows:
        ratio = (rows["ours, ai4-metadata.yml (v2, YAML)"]
                 / rows["ai4-metadata validate, ai4-metadata.yml"])
        print(f"ratio ours / ai4-metadata on the YAML:   {ratio:.2f}x")
    rate, cpu_rate, count, issues = _throughput(repeats=max(3, args.runs // 3))
    print(f"corpus in one process: {count} files, {issues} errors+warnings reported, "
          f"{rate:,.0f} files/s wall (goal >= 1000), {cpu_rate:,.0f} files per CPU second")
    print(f"cpu count: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
