"""Benchmark: validating a metadata file with many unknown keys (issue 17, hostile authors).

A module author controls the size and shape of metadata.json. Validation time must grow
linearly with the file: line/column come from a precomputed line-start index, the "did you
mean" suggestions are bounded and warnings are capped per file. This prints the in-process
``validate_bytes`` time for a valid v1 metadata.json plus N unknown top-level keys (JSON) and
the same for ai4-metadata.yml (YAML), N = 10k, 60k and 300k by default.

Timing is never a pass/fail test; tests assert only the cap and the counts.

Usage: .venv/bin/python benchmarks/unknown_keys.py [--sizes 10000 60000 300000] [--yaml]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from deepoc.metadata import validate_bytes  # noqa: E402

BASE_V1 = {
    "title": "Benchmark module",
    "summary": "A module with very many unknown keys",
    "description": ["many unknown keys"],
    "keywords": ["docker"],
    "license": "MIT",
    "date_creation": "2020-01-01",
    "sources": {
        "dockerfile_repo": "https://github.com/o/DEEP-OC-x",
        "docker_registry_repo": "o/x",
        "code": "https://github.com/o/x",
    },
    "continuous_integration": {"build_status_badge": "https://x.org/b.svg",
                               "build_status_url": "https://x.org/b"},
    "tosca": [],
}


def json_doc(n: int) -> bytes:
    data = dict(BASE_V1)
    for i in range(n):
        data[f"k{i}"] = 0
    # compact, so 300k keys stay under the validator's 5 MiB file limit
    return json.dumps(data, separators=(",", ":")).encode()


def yaml_doc(n: int) -> bytes:
    lines = ["metadata_version: 2.0.0", "title: Benchmark module"]
    lines += [f"k{i}: 0" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 60_000, 300_000])
    ap.add_argument("--yaml", action="store_true", help="also time ai4-metadata.yml files")
    args = ap.parse_args(argv)
    kinds = [("metadata.json", json_doc)] + ([("ai4-metadata.yml", yaml_doc)] if args.yaml else [])
    print(f"{'file':18} {'unknown keys':>12} {'size':>10} {'seconds':>9} {'warnings':>9}")
    for name, make in kinds:
        for n in args.sizes:
            data = make(n)
            t0 = time.perf_counter()
            report = validate_bytes(data, name)
            dt = time.perf_counter() - t0
            print(f"{name:18} {n:>12,} {len(data) / 1048576:>8.1f}MB {dt:>9.2f} "
                  f"{len(report.warnings):>9}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
