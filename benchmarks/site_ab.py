"""A/B of one-change site rebuilds: an older revision against this checkout, alternately.

Why: this machine's speed drifts by tens of percent within minutes, so two benchmark runs
cannot show a 5 % change. Here both versions are installed side by side (not editable),
each keeps its own site of the same synthetic catalog, and every edit of the catalog is
rebuilt by both, in alternating order. Prints, per version, the medians of wall and CPU
time of the whole process and of its minor page faults (an exact count, unlike times).

    .venv/bin/python benchmarks/site_ab.py OLD_REVISION [--size 1000] [--reps 41]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work" / "site-ab"
PYTHON = REPO / "benchmarks" / "_ref" / "deep-oc" / "bin" / "python"  # made by site.py
sys.path.insert(0, str(REPO))

from deepoc import jsondoc  # noqa: E402
from deepoc.site import synthetic  # noqa: E402


def install(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)  # pip --target never replaces what is there
    subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(source)], check=True, stdout=subprocess.DEVNULL)


def command(lib: Path, d: Path, site: str) -> list[str]:
    """``deep-oc site build`` of the version installed in ``lib``."""
    entry = f"import sys; sys.path.insert(0, {str(lib)!r}); from deepoc.cli import entry; entry()"
    return [str(PYTHON), "-c", entry, "site", "build", "--catalog", str(d / "catalog.json"),
            "--builds", str(d / "builds.json"), "-o", str(d / site), "-q"]


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall and CPU seconds and minor page faults of one child process."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    return wall, cpu, r1.ru_minflt - r0.ru_minflt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="git revision to compare this checkout with")
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=41)
    args = ap.parse_args()
    if not PYTHON.exists():
        print("run benchmarks/site.py once first: it makes benchmarks/_ref/deep-oc",
              file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    old_src = WORK / "old-src"
    shutil.rmtree(old_src, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(REPO), str(old_src)], check=True)
    subprocess.run(["git", "-C", str(old_src), "checkout", "-q", args.old], check=True)
    libs = {"old": WORK / "lib-old", "new": WORK / "lib-new"}
    install(old_src, libs["old"])
    install(REPO, libs["new"])
    d = WORK / f"n{args.size}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    cat, builds = synthetic.catalog(args.size)
    (d / "builds.json").write_text(jsondoc.dumps(builds, "builds"))
    (d / "catalog.json").write_text(jsondoc.dumps(cat, "modules"))
    for v, lib in libs.items():
        for _ in range(2):  # a full build, then one that makes the standby tree
            subprocess.run(command(lib, d, f"site-{v}"), check=True)
    rng = random.Random(5)
    runs: dict[str, list[tuple[float, float, int]]] = {v: [] for v in libs}
    for k in range(args.reps):
        master = cat["modules"][rng.randrange(args.size)]["branches"]["master"]
        master["metadata"]["summary"] = f"Changed {k}."
        master["metadata_hash"] = f"sha256:{k}"
        new = d / "catalog.json.new"
        new.write_text(jsondoc.dumps(cat, "modules"))
        os.replace(new, d / "catalog.json")  # replaced by a rename, as catalog sync does
        for v in ("old", "new") if k % 2 else ("new", "old"):
            os.sync()
            time.sleep(0.3)
            runs[v].append(timed(command(libs[v], d, f"site-{v}")))
    print(f"# {args.reps} one-change rebuilds at {args.size} modules, {args.old} (old) "
          f"against this checkout (new); medians")
    for v, rows in runs.items():
        wall, cpu, faults = (statistics.median(col) for col in zip(*rows, strict=True))
        print(f"{v}: wall {1000 * wall:.1f} ms, CPU {1000 * cpu:.1f} ms, "
              f"{faults:.0f} page faults")
    ratio = statistics.median(r[1] for r in runs["new"]) / statistics.median(
        r[1] for r in runs["old"])
    print(f"new / old CPU: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
