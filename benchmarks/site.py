"""Benchmark: `deep-oc site build` on synthetic catalogs of 100 / 1,000 / 10,000 modules,
beside Pelican 4.12 rendering the same 1,000 modules as articles, in the same run.

Prints, per size: full build time (CLI wall and CPU, median), time and bytes per module, the
largest page, and the bytes a browser downloads per search query; then the ratio against
Pelican. Pelican is installed into benchmarks/_ref/pelican (gitignored), never into the
project's .venv.

deep-oc is measured as users get it: this checkout is installed (not editable) with its
dependencies into its own environment, benchmarks/_ref/deep-oc, at the start of every run.

    .venv/bin/python benchmarks/site.py [--sizes 100,1000,10000] [--repeat 3] [--no-pelican]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work" / "site"
REF = REPO / "benchmarks" / "_ref" / "pelican"
INSTALLED = REPO / "benchmarks" / "_ref" / "deep-oc"
sys.path.insert(0, str(REPO))
# What users run: the console script of an installed (not editable) deep-oc.
DEEP_OC = [str(INSTALLED / "bin" / "deep-oc")]

from benchmarks import synthetic  # noqa: E402
from deepoc import jsondoc  # noqa: E402
from deepoc.site.search import STOPWORDS, decode_postings, shard_name  # noqa: E402


def _du(path: Path) -> tuple[int, int]:
    files = total = 0
    for root, _dirs, names in os.walk(path):
        for n in names:
            files += 1
            total += os.path.getsize(os.path.join(root, n))
    return files, total


def _run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of a child process."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def _quiet(seconds: float = 2.0) -> None:
    """Let the file system finish earlier writes and deletes before a timed build."""
    os.sync()
    time.sleep(seconds)


def _build_cmd(d: Path) -> list[str]:
    return [*DEEP_OC, "site", "build", "--catalog", str(d / "catalog.json"), "--builds",
            str(d / "builds.json"), "-o", str(d / "site"), "-q"]

def _load_js(path: Path) -> object:
    text = path.read_text()
    return json.loads(text[text.index(",") + 1:text.rindex(")")])


def search_bytes(site: Path, queries: list[str]) -> list[int]:
    """Bytes a browser downloads for each query: meta, term shards, first page's doc chunks."""
    meta = _load_js(site / "search/meta.js")
    base = (site / "search/meta.js").stat().st_size
    out = []
    for q in queries:
        total = base
        ids: set[int] | None = None
        for word in q.split():
            name = shard_name(word, meta["plen"])
            path = site / f"search/t/{name}.js"
            hits: set[int] = set()
            if name in meta["shards"]:
                total += path.stat().st_size
                for term, value in _load_js(path).items():
                    if term.startswith(word):
                        hits.update(decode_postings(value))
            ids = hits if ids is None else ids & hits
        shown = sorted(ids or [])[:meta["page"]]
        for chunk in {i // meta["chunk"] for i in shown}:
            total += (site / f"search/d/{chunk}.js").stat().st_size
        out.append(total)
    return out


def pelican_content(cat: dict, d: Path) -> Path:
    """The same modules as Pelican Markdown articles (title, date, tags, summary, body)."""
    content = d / "content"
    if content.exists():
        shutil.rmtree(content)
    content.mkdir(parents=True)
    for m in cat["modules"]:
        br = m["branches"]["master"]
        meta = br["metadata"]
        body = "\n\n".join(meta["description"])
        run = f"    docker run -ti -p 5000:5000 localhost:5000/deephdc/{m['name']}:cpu"
        (content / f"{m['name']}.md").write_text(
            f"Title: {meta['title']}\nDate: {br['created'][:10]}\n"
            f"Modified: {br['updated'][:10]}\nTags: {', '.join(meta['keywords'])}\n"
            f"Category: modules\nSlug: {m['name']}\nSummary: {meta['summary']}\n\n"
            f"{body}\n\n## Run it\n\n{run}\n\nLicense: {meta['license']}\n")
    (d / "pelicanconf.py").write_text(
        "SITENAME = 'marketplace'\nSITEURL = ''\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\n"
        "DEFAULT_PAGINATION = 24\nRELATIVE_URLS = True\nDELETE_OUTPUT_DIRECTORY = False\n"
        "LOAD_CONTENT_CACHE = False\nFEED_ALL_ATOM = 'feeds/all.atom.xml'\n")
    return content


def install_deep_oc() -> None:
    """This checkout, installed as a package (bytecode compiled by pip) into its own venv."""
    if not (INSTALLED / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(INSTALLED)], check=True)
    pip = [str(INSTALLED / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, str(REPO)], check=True, stdout=subprocess.DEVNULL)  # dependencies
    subprocess.run([*pip, "--no-deps", "--force-reinstall", str(REPO)], check=True,
                   stdout=subprocess.DEVNULL)  # this checkout as it is now


def ensure_pelican() -> Path:
    exe = REF / "bin" / "pelican"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(REF)], check=True)
        subprocess.run([str(REF / "bin" / "pip"), "install", "-q", "pelican==4.12.*",
                        "markdown"], check=True)
    return exe



def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pelican", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    rows = {}
    env_note = f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    print(f"# deep-oc site build benchmark ({env_note}); medians; times are whole CLI processes")
    install_deep_oc()
    for n in sizes:
        d = WORK / f"n{n}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        cat, builds = synthetic.catalog(n)
        (d / "catalog.json").write_text(jsondoc.dumps(cat, "modules"))
        (d / "builds.json").write_text(jsondoc.dumps(builds, "builds"))
        full, full_cpu = [], []
        for _ in range(args.repeat if n <= 1000 else 1):
            shutil.rmtree(d / "site", ignore_errors=True)  # not in the build's time
            _quiet()
            wall, cpu = _run(_build_cmd(d))
            full.append(wall)
            full_cpu.append(cpu)
        files, size = _du(d / "site")
        page_sizes = [p.stat().st_size for p in (d / "site").rglob("*.html")]
        rng = random.Random(n)
        words = sorted({w for m in cat["modules"][:50] for w in re.findall(
            r"[^\W_]+", " ".join(m["branches"]["master"]["metadata"]["description"]).lower())
            if w not in STOPWORDS and len(w) > 2})
        queries = rng.sample(words, min(20, len(words)))
        queries += [" ".join(rng.sample(words, 2)) for _ in range(10)]
        queries += [w[:3] for w in queries[:10]]  # as-you-type prefixes
        sb = search_bytes(d / "site", queries)
        _, index_bytes = _du(d / "site" / "search")
        r = rows[n] = dict(full=statistics.median(full), full_cpu=statistics.median(full_cpu),
                           files=files, bytes=size, max_page=max(page_sizes),
                           q_med=statistics.median(sb), q_max=max(sb), index=index_bytes)
        print(f"n={n:>6}: full {r['full']:.2f}s wall, {r['full_cpu']:.2f}s CPU = "
              f"{1000 * r['full'] / n:.2f} ms wall/module, {1000 * r['full_cpu'] / n:.2f} ms "
              f"CPU/module; {files} files, {size / 1e6:.1f} MB = {size / n / 1e3:.1f} kB/module, "
              f"largest page {r['max_page'] / 1e3:.1f} kB; search per query median "
              f"{r['q_med'] / 1e3:.1f} kB, max {r['q_max'] / 1e3:.1f} kB of a "
              f"{index_bytes / 1e6:.2f} MB index", flush=True)

    pel = None
    if not args.no_pelican and 1000 in rows:
        exe = ensure_pelican()
        d = WORK / "pelican"
        cat, _ = synthetic.catalog(1000)
        content = pelican_content(cat, d)
        times = []
        for _ in range(args.repeat):
            shutil.rmtree(d / "output", ignore_errors=True)  # not in Pelican's time
            _quiet()
            times.append(_run([str(exe), str(content), "-o", str(d / "output"), "-s",
                               str(d / "pelicanconf.py"), "-q"]))
        pel = statistics.median(t[0] for t in times)
        pel_cpu = statistics.median(t[1] for t in times)
        files, size = _du(d / "output")
        print(f"pelican 4.12, 1000 articles: {pel:.2f}s wall, {pel_cpu:.2f}s CPU, {files} files, "
              f"{size / 1e6:.1f} MB")

    print("# ratios")
    if pel:
        print(f"full build at 1,000 / pelican at 1,000: wall {rows[1000]['full'] / pel:.2f}, "
              f"CPU {rows[1000]['full_cpu'] / pel_cpu:.2f} (goal <= 0.25)")
    if len(rows) > 1:
        lo, hi = min(rows), max(rows)
        t_lo, t_hi = rows[lo]["full_cpu"] / lo, rows[hi]["full_cpu"] / hi
        b_lo, b_hi = rows[lo]["bytes"] / lo, rows[hi]["bytes"] / hi
        page_ratio = rows[hi]["max_page"] / rows[lo]["max_page"]
        print(f"CPU time per module {hi} vs {lo}: {t_hi / t_lo:.2f}x; bytes per module: "
              f"{b_hi / b_lo:.2f}x; largest page: {page_ratio:.2f}x (goal: flat)")
    for n, r in rows.items():
        print(f"search bytes per query / index at {n}: max {r['q_max'] / r['index']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
