"""Benchmark: ``deep-oc catalog import`` of a 1,000-entry ``.gitmodules`` (goal: < 1 s).

The file has the real AI4OS catalog's shape (tests/catalog/data/ai4os-modules-catalog
.gitmodules): ``[submodule "name"]`` with path, url and branch, URLs with ``.git`` or a
trailing ``/``, ``branch = main`` for most and ``master`` for some, none for a few, and
some submodule names that differ from the repository's. Measured, as medians of
``--repeat`` runs:

- the conversion in-process (parse, normalise, lint of the result), and
- the whole command as a user runs it (``deep-oc catalog import FILE -o OUT``: Python
  start-up, imports, reading and the atomic write included).

    .venv/bin/python benchmarks/catalog_import.py [--entries 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deepoc.catalog import modules_file, urls  # noqa: E402
from deepoc.catalog.gitmodules import to_modules_yml  # noqa: E402


def gitmodules(n: int) -> str:
    """n submodules in the real catalog's shape."""
    out = []
    for i in range(n):
        name = f"module-{i:04d}"
        sub = name if i % 10 else f"Renamed-{i:04d}"  # one in ten named otherwise
        url = f"https://github.com/ai4os-hub/{name}"
        url += (".git", "/", "", "")[i % 4]
        branch = ("main",) * 8 + ("master", None)
        out.append(f'[submodule "{sub}"]\n\tpath = {sub}\n\turl = {url}\n')
        if branch[i % 10]:
            out[-1] += f"\tbranch = {branch[i % 10]}\n"
    return "".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    text = gitmodules(args.entries)
    with tempfile.TemporaryDirectory(prefix="deepoc-bench-import-") as tmp:
        src = Path(tmp) / ".gitmodules"
        src.write_text(text)
        inproc = []
        for _ in range(args.repeat):
            for fn in vars(urls).values():  # cold: urls keeps answers it computed
                getattr(fn, "cache_clear", lambda: None)()
            t0 = time.perf_counter()
            out, count = to_modules_yml(text)
            inproc.append(time.perf_counter() - t0)
        assert count == args.entries and modules_file.lint(out) == []
        names = sum(1 for ln in out.splitlines() if ln.startswith("  name: "))
        cli = []
        exe = Path(sys.executable).with_name("deep-oc")
        for rep in range(args.repeat):
            dest = Path(tmp) / f"MODULES-{rep}.yml"
            t0 = time.perf_counter()
            subprocess.run([str(exe), "catalog", "import", str(src), "-o", str(dest)],
                           check=True, capture_output=True, env={**os.environ})
            cli.append(time.perf_counter() - t0)
            assert dest.read_text() == out
        t0 = time.perf_counter()
        subprocess.run([str(exe), "--version"], check=True, capture_output=True)
        startup = time.perf_counter() - t0
    size = len(text.encode())
    print(f".gitmodules: {args.entries} submodules, {size / 1024:.0f} KiB; "
          f"{names} entries keep their submodule name; repeat={args.repeat}")
    med, cmd = statistics.median(inproc), statistics.median(cli)
    print(f"conversion in-process: median {med * 1000:.0f} ms "
          f"(min {min(inproc) * 1000:.0f}, max {max(inproc) * 1000:.0f}); "
          f"{med / args.entries * 1e6:.0f} us per entry")
    print(f"deep-oc catalog import -o (whole command): median {cmd * 1000:.0f} ms "
          f"(deep-oc --version alone: {startup * 1000:.0f} ms)")
    print(f"goal < 1 s: in-process {med:.2f} s = {med:.0%} of it; "
          f"whole command {cmd:.2f} s = {cmd:.0%} of it "
          f"(of which start-up {startup / cmd:.0%}); machine load {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
