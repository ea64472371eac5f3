"""Benchmark: what the facets add to a page, as the catalog grows and as its values grow.

Builds synthetic AI4OS catalogs (benchmarks/synthetic.py ``v2_catalog``) of 100 / 1,000 /
5,000 modules, first with fixed facet value counts (about the real catalog's), then with
value counts growing with the catalog, and prints per size:

- the bytes of the home page and the part of it the filters take (the ``<details
  class="filters">`` element: fieldsets, checkboxes, counts);
- the bytes of index files a browser loads for facet queries, as site.js does: meta.js,
  f/home.js (the postings of every value the filters list, for the counts), the file of a
  chosen value the filters do not list, and the doc chunks of the first result page;
- beside it, what a browser would load if the facets came with every module's data
  (all doc chunks): the per-module alternative the index avoids.

    .venv/bin/python benchmarks/facets.py [--sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work" / "facets"
sys.path.insert(0, str(REPO))

from benchmarks import synthetic  # noqa: E402
from deepoc.site.build import build_site  # noqa: E402
from deepoc.site.search import decode_postings  # noqa: E402


def _load_js(path: Path) -> dict:
    text = path.read_text()
    return json.loads(text[text.index(",") + 1:text.rindex(")")])


def filter_bytes(home: str) -> int:
    """Bytes of the home page's filters (fieldsets, checkboxes, counts)."""
    m = re.search(r'<details class="filters".*?</details>', home, re.S)
    return len(m.group(0).encode()) if m else 0


def facet_query(site: Path, chosen: list[tuple[str, str]]) -> tuple[int, int, int]:
    """(index bytes, of which postings files, result count) a browser loads for choosing
    ``chosen`` [(kind, slug)], as site.js does: meta.js, f/home.js, the kind-and-prefix file
    of each chosen value the filters do not list, then the first result page's chunks."""
    search = site / "search"
    meta = _load_js(search / "meta.js")
    home = _load_js(search / "f/home.js")
    files = {"home"}
    per_kind: dict[str, set[int]] = {}
    for kind, slug in chosen:
        name = f"{kind}-{slug}"
        if name in home:
            entry = home[name]
        else:
            files.add(f"{kind}-{slug[:2]}")
            entry = _load_js(search / f"f/{kind}-{slug[:2]}.js")[name]
        per_kind.setdefault(kind, set()).update(decode_postings(entry[1]))
    ids: set[int] | None = None
    for s in per_kind.values():
        ids = s if ids is None else ids & s
    page = sorted(ids or [])[:meta["page"]]
    postings = sum((search / f"f/{f}.js").stat().st_size for f in files)
    chunks = sum((search / f"d/{c}.js").stat().st_size for c in {i // meta["chunk"]
                                                                 for i in page})
    return (search / "meta.js").stat().st_size + postings + chunks, postings, len(ids or [])


def _queries(site: Path) -> list[list[tuple[str, str]]]:
    """The most used library; it and the second most used task; the same and a tag the
    filters do not list; a tag the filters do not list, alone."""
    home = (site / "index.html").read_text()

    def listed(kind: str) -> list[str]:
        return re.findall(rf'name="{kind}" value="([a-z0-9-]+)"', home)

    tags = re.findall(r'<li><a href="([a-z0-9-]+)\.html">', (site / "tag/index.html").read_text())
    rare = [t for t in tags if t not in listed("tag")]
    lib, task = ("library", listed("library")[0]), ("task", listed("task")[1])
    qs = [[lib], [lib, task]]
    if rare:
        qs += [[lib, task, ("tag", rare[len(rare) // 2])], [("tag", rare[0])]]
    return qs


def run(n: int, values: dict[str, int]) -> dict[str, float]:
    d = WORK / f"n{n}-{values['tags']}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    cat, builds = synthetic.v2_catalog(n, values)
    (d / "catalog.json").write_text(json.dumps(cat))
    (d / "builds.json").write_text(json.dumps(builds))
    build_site(d / "catalog.json", d / "site", builds=d / "builds.json")
    site = d / "site"
    home = (site / "index.html").read_text()
    queries = [facet_query(site, q) for q in _queries(site)]
    all_docs = sum(p.stat().st_size for p in (site / "search/d").glob("*.js"))
    return {"home": len(home.encode()), "filters": filter_bytes(home),
            "values": sum(values.values()),
            "q_med": statistics.median(q[0] for q in queries), "q_max": max(q[0] for q in queries),
            "postings_max": max(q[1] for q in queries),
            "home_js": (site / "search/f/home.js").stat().st_size, "all_docs": all_docs,
            "listed": len(_load_js(site / "search/f/home.js")), "n": n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,5000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    fixed = synthetic.V2_VALUES
    runs = [("fixed values", n, fixed) for n in sizes]
    runs += [("values grow", n, {**fixed, "libraries": max(8, n // 50), "tasks": max(15, n // 20),
                                 "data-type": max(8, n // 50), "tags": max(80, n // 2)})
             for n in sizes]
    print("# facets: bytes a page and a facet query cost (kB = 1,000 bytes)")
    print(f"{'':14} {'modules':>7} {'values':>6} | {'home page':>9} {'filters':>8} | "
          f"{'f/home.js':>9} {'query med':>9} {'query max':>9} {'postings':>8} | "
          f"{'every card':>10}")
    rows = {}
    for label, n, values in runs:
        r = rows[label, n] = run(n, values)
        print(f"{label:14} {n:>7} {r['values']:>6} | {r['home'] / 1e3:>7.1f}kB "
              f"{r['filters'] / 1e3:>6.1f}kB | {r['home_js'] / 1e3:>7.1f}kB "
              f"{r['q_med'] / 1e3:>7.1f}kB {r['q_max'] / 1e3:>7.1f}kB "
              f"{r['postings_max'] / 1e3:>6.1f}kB | {r['all_docs'] / 1e3:>8.0f}kB", flush=True)
    lo, hi = min(sizes), max(sizes)
    f_lo, f_hi = rows["fixed values", lo], rows["fixed values", hi]
    g_hi = rows["values grow", hi]
    print("# ratios")
    print(f"fixed values, {hi} vs {lo} modules: filters {f_hi['filters'] / f_lo['filters']:.2f}x, "
          f"home page {f_hi['home'] / f_lo['home']:.2f}x, facet query max "
          f"{f_hi['q_max'] / f_lo['q_max']:.2f}x (modules {hi / lo:.0f}x)")
    print(f"at {hi} modules, values grown {g_hi['values']} vs {f_hi['values']}: filters "
          f"{g_hi['filters'] / f_hi['filters']:.2f}x (capped: each fieldset lists the most "
          f"used values), f/home.js {g_hi['home_js'] / f_hi['home_js']:.2f}x")
    bits = 8 * f_hi["home_js"] / (f_hi["listed"] * f_hi["n"])
    print(f"f/home.js at {hi}: {f_hi['listed']} listed values, {bits:.2f} bits per value per "
          f"module (at most 1.33 for the postings, a base64 bitmap, plus each value's name "
          f"and label)")
    print(f"facet query max / every card at {hi}: {f_hi['q_max'] / f_hi['all_docs']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
