"""Benchmark: ``deep-oc catalog sync`` on 50, 100 and 200 module repositories.

The template is baked once; every module is a bare clone of its Docker repo plus one
commit of its own on master and on test (written with ``git fast-import``, one process
per repo), so modules have distinct commits and metadata like a real catalog.

``--shape ai4os`` makes modules as the AI4OS catalog has them instead: the default branch
is ``main`` (HEAD names it; no ``master``), with ``test``; each holds a real AI4OS
``ai4-metadata.yml`` (its own title) beside the stale ``metadata.json``, and a real MIT
LICENSE with its own copyright line, while the metadata names no license. Entries list
no ``branches:``, so sync follows the default branch that ls-remote reports, reads the v2
file, warns about the other, and identifies every LICENSE.

Measured, as medians over ``--repeat`` runs:
- first sync (empty workdir),
- no-change re-sync (goal: <= 10 % of the first),
- re-sync after 5 modules changed (goal: <= 15 % of the first),
- growth from 50 to 200 modules (must be no worse than linear),
and the reference: what the DEEP-era pipeline paid on every run, a fresh ``git clone`` of
every module (same parallelism, no validation at all).

    .venv/bin/python benchmarks/catalog_sync.py [--sizes 50 100 200] [--repeat 3] [--jobs J]
                                                [--shape deep|ai4os]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deepoc.catalog.sync import default_jobs, sync  # noqa: E402
from deepoc.template import bake  # noqa: E402

ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
}
_stamp = [1_700_000_000]
CORPUS = ROOT.parent / "shared/corpus/metadata/files"
AI4OS_V2 = "ai4os-hub+dogs-breed-detector__7ce1aa4__ai4-metadata.yml"
AI4OS_LICENSE = ROOT / "tests/catalog/data/licenses/MIT-dogs-breed-detector"


def git(*args: str, cwd: Path | None = None, input: bytes | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, input=input, check=True,
                          capture_output=True).stdout.decode()


def _commit_block(branch: str, parent: str, files: dict[str, bytes] | bytes,
                  message: str) -> bytes:
    """A fast-import commit on ``branch`` writing ``files`` (bytes alone: metadata.json)."""
    _stamp[0] += 1
    msg = message.encode()
    if isinstance(files, bytes):
        files = {"metadata.json": files}
    return (
        f"commit refs/heads/{branch}\n"
        f"committer Bench <bench@example.org> {_stamp[0]} +0000\n"
        f"data {len(msg)}\n".encode() + msg + b"\n"
        + f"from {parent}\n".encode()
        + b"".join(f"M 100644 inline {name}\ndata {len(data)}\n".encode() + data + b"\n"
                   for name, data in files.items())
        + b"\n"
    )


def _v2_yml(title: str) -> bytes:
    text = (CORPUS / AI4OS_V2).read_text(encoding="utf-8")
    lines = [f"title: {json.dumps(title)}" if ln.startswith("title:") else ln
             for ln in text.splitlines()]
    return ("\n".join(lines) + "\n").encode()


def commit_metadata(repo: Path, title: str, branches: tuple[str, ...] = ("master", "test"),
                    shape: str = "deep") -> None:
    """One new commit per branch changing the metadata's title, in one git process."""
    stream = b""
    for b in branches:
        head = git("rev-parse", f"refs/heads/{b}", cwd=repo).strip()
        if shape == "ai4os":
            files: dict[str, bytes] | bytes = {"ai4-metadata.yml": _v2_yml(f"{title} ({b})")}
        else:
            data = json.loads(git("show", f"{head}:metadata.json", cwd=repo))
            data["title"] = f"{title} ({b})"
            files = (json.dumps(data, indent=2) + "\n").encode()
        stream += _commit_block(b, head, files, f"metadata: {title}")
    git("fast-import", "--quiet", cwd=repo, input=stream)


def make_repos(base: Path, root: Path, n: int, shape: str = "deep") -> list[Path]:
    """n bare module repos, each with its own commits; parallel over the CPUs."""
    heads = {b: git("rev-parse", b, cwd=base).strip() for b in ("master", "test")}
    meta = {b: json.loads(git("show", f"{heads[b]}:metadata.json", cwd=base))
            for b in heads}
    license_text = AI4OS_LICENSE.read_bytes()

    def one(i: int) -> Path:
        repo = root / (f"m{i:03d}.git" if shape == "ai4os" else f"DEEP-OC-m{i:03d}.git")
        git("clone", "--quiet", "--bare", "--no-hardlinks", str(base), str(repo))
        stream = b""
        for b, head in heads.items():
            data = dict(meta[b], title=f"Module {i} ({b})")
            v1 = (json.dumps(data, indent=2) + "\n").encode()
            if shape == "ai4os":
                data["license"] = ""
                files = {
                    "metadata.json": (json.dumps(data, indent=2) + "\n").encode(),
                    "ai4-metadata.yml": _v2_yml(f"Module {i} ({b})"),
                    "LICENSE": license_text.replace(b"2018, Valentin Kozlov",
                                                    f"2024, Author {i}".encode()),
                }
                stream += _commit_block("main" if b == "master" else b, head, files,
                                        f"module {i}")
            else:
                stream += _commit_block(b, head, v1, f"module {i}")
        git("fast-import", "--quiet", cwd=repo, input=stream)
        if shape == "ai4os":
            git("symbolic-ref", "HEAD", "refs/heads/main", cwd=repo)
            git("update-ref", "-d", "refs/heads/master", cwd=repo)
        return repo

    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return list(pool.map(one, range(n)))


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def timed_sync(yml: Path, work: Path, jobs: int):
    t0 = time.perf_counter()
    res = sync(yml, work, jobs=jobs, allow_local=True)
    return time.perf_counter() - t0, res


def reference_clone_all(repos: list[Path], dest: Path, jobs: int) -> float:
    """The DEEP-era cost on every run: a fresh clone of each module."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)

    def one(r: Path) -> None:
        git("clone", "--quiet", "--no-hardlinks", str(r), str(dest / r.name))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, repos))
    return time.perf_counter() - t0


def check_ai4os(work: Path, n: int) -> None:
    """The AI4OS shape synced as it should: main followed, v2 read, MIT identified."""
    catalog = json.loads((work / "catalog.json").read_text())
    mods = catalog["modules"]
    assert len(mods) == n and all(m["default_branch"] == "main" for m in mods)
    for m in mods:
        for b in ("main", "test"):
            rec = m["branches"][b]
            assert rec["metadata_file"] == "ai4-metadata.yml", rec
            assert rec["license_file"] == {"path": "LICENSE", "spdx_id": "MIT"}, rec
    print(f"  {n} modules: default branch main, ai4-metadata.yml read, LICENSE MIT: checked")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--shape", choices=("deep", "ai4os"), default="deep",
                    help="deep: master/test, metadata.json; ai4os: default branch main, "
                    "ai4-metadata.yml and metadata.json, a LICENSE (see above)")
    args = ap.parse_args()
    jobs = args.jobs or default_jobs()
    tmp = Path(tempfile.mkdtemp(prefix="deepoc-bench-catalog-"))
    try:
        t, (_code, docker) = timed(lambda: bake(tmp / "baked", {"project_name": "Bench",
                                                                 "repo_name": "bench"}))
        print(f"baked the template once: {t:.2f} s")
        t, repos = timed(lambda: make_repos(Path(docker), tmp / "repos", max(args.sizes),
                                            args.shape))
        print(f"made {len(repos)} module repos ({args.shape}): {t:.2f} s; jobs={jobs}, "
              f"repeat={args.repeat}, cpus={os.cpu_count()}")
        branches = ("main", "test") if args.shape == "ai4os" else ("master", "test")
        rows = []
        for n in args.sizes:
            subset = repos[:n]
            yml = tmp / f"MODULES-{n}.yml"
            yml.write_text("---\n" + "".join(f"- module: {r}\n" for r in subset))
            firsts, nochange, changed5, refs = [], [], [], []
            for rep in range(args.repeat):
                work = tmp / f"work-{n}-{rep}"
                t, res = timed_sync(yml, work, jobs)
                assert not res.failed, [(m.name, m.reason) for m in res.failed]
                firsts.append(t)
                if args.shape == "ai4os" and rep == 0:
                    check_ai4os(work, n)
            work = tmp / f"work-{n}-0"
            for _ in range(args.repeat):
                t, res = timed_sync(yml, work, jobs)
                assert res.stats.fetches == 0 and res.stats.parses == 0
                nochange.append(t)
            for rep in range(args.repeat):
                for k in range(5):
                    commit_metadata(subset[(rep * 5 + k) % n], f"changed {rep}-{k}",
                                    branches, args.shape)
                t, res = timed_sync(yml, work, jobs)
                assert res.stats.fetches == 5 and res.stats.parses == 10, res.stats
                changed5.append(t)
            for _ in range(args.repeat):
                refs.append(reference_clone_all(subset, tmp / "ref", jobs))
            row = {
                "n": n,
                "first": statistics.median(firsts),
                "nochange": statistics.median(nochange),
                "changed5": statistics.median(changed5),
                "reference": statistics.median(refs),
            }
            rows.append(row)
            for rep in range(args.repeat):
                shutil.rmtree(tmp / f"work-{n}-{rep}", ignore_errors=True)

        print()
        print(f"{'modules':>7} {'first s':>8} {'no-change s':>11} {'ratio':>6} "
              f"{'5 changed s':>11} {'ratio':>6} {'ms/module':>9} {'ref clone s':>11} "
              f"{'no-change/ref':>13}")
        for r in rows:
            print(f"{r['n']:>7} {r['first']:>8.2f} {r['nochange']:>11.3f} "
                  f"{r['nochange'] / r['first']:>6.1%} {r['changed5']:>11.3f} "
                  f"{r['changed5'] / r['first']:>6.1%} {1000 * r['first'] / r['n']:>9.1f} "
                  f"{r['reference']:>11.2f} {r['nochange'] / r['reference']:>13.1%}")
        if len(rows) >= 2:
            a, b = rows[0], rows[-1]
            scale = b["n"] / a["n"]
            for key in ("first", "nochange", "changed5"):
                growth = b[key] / a[key]
                print(f"growth {a['n']}->{b['n']} ({scale:.0f}x modules), {key}: "
                      f"{growth:.2f}x time ({growth / scale:.2f} of linear)")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
