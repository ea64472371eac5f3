"""Render the marketplace: catalog.json (+ builds.json) -> a self-contained static site.

Why this shape:
- Every page links relatively, so the site works from ``file://`` and any static host;
  ``base_url`` is only used where absolute URLs are required (feed, sitemap, canonical).
- No page lists every module: home and keyword listings are paginated, and search uses a
  sharded index (:mod:`deepoc.site.search`).
- A build costs what changed, not what exists: the inputs are diffed per module
  (:mod:`deepoc.site.inputs`), per-module data and rendered cards are cached by content
  hash, every page has an input hash, and only pages whose hash changed are rendered into
  a work tree that is then swapped in atomically (:mod:`deepoc.site.tree`).
"""

from __future__ import annotations

import gc
import marshal
import mmap
import os
import time
from binascii import crc32

from deepoc import __version__, cjson
from deepoc.errors import DeepOCError, UsageError
from deepoc.hashing import sha1
from deepoc.jsondoc import same_bytes
from deepoc.site import delta, keys, layout, model, pages, search
from deepoc.site import inputs as site_inputs
from deepoc.site.cache import ModuleCache
from deepoc.site.model import PAGE_SIZE, Mod
from deepoc.site.tree import MANIFEST, Writer, beside, put_file, site_lock, standby_path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

# Paths are plain strings here: pathlib (with the urllib.parse it imports) costs a rebuild
# process about 6 ms, a sixth of its budget at 1,000 modules.

__all__ = ["MANIFEST", "PAGE_SIZE", "BuildReport", "build_site", "cache_path", "state_path",
           "standby_path"]

TOP_FACETS = 60
STATE_VERSION = 3
STATE_MAGIC = b"deep-oc site state\n"
HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(HERE, "static")


class BuildReport:
    """What a build did, for the CLI summary and the benchmark."""

    def __init__(self) -> None:
        self.modules = 0
        self.parsed = 0  # catalog entries parsed (the others were unchanged bytes)
        self.delta = False  # only the pages of modules changed in place were looked at
        self.pages_rendered = 0
        self.pages_reused = 0
        self.files = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.problems: list[str] = []

    def __repr__(self) -> str:
        return f"BuildReport({self.__dict__})"


def _renderer_hash() -> str:
    """Identifies the renderer: deep-oc's version and the name, size and modification time
    of each static file and module of this package (a stat, not a read: an edit changes the
    time). Any change re-renders everything."""
    parts = [__version__, str(STATE_VERSION)]
    for folder in (STATIC, HERE):
        with os.scandir(folder) as entries:
            for e in entries:
                if e.name.endswith((".css", ".js", ".svg", ".py")) and e.is_file():
                    st = e.stat()
                    parts.append(f"{e.name}:{st.st_size}:{st.st_mtime_ns}")
    return keys.key(*sorted(parts))


def state_path(out: str) -> str:
    """What the next build needs to diff its inputs against this one's (small, rewritten)."""
    return beside(out, "state")


def cache_path(out: str) -> str:
    """Per-module derived data (search terms, card, card fields) by content hash, between
    builds: batches of new entries appended, compacted now and then."""
    return beside(out, "cache")


def _read_state(out: str, globals_key: str) -> dict[str, Any]:
    try:
        raw = site_inputs.map_file(state_path(out))  # mapped: loaded from, never copied
    except OSError:
        return {}
    try:
        return _decode_state(raw, globals_key)
    finally:
        if isinstance(raw, mmap.mmap):
            raw.close()  # the state file is rewritten in place at the end of the build


def _decode_state(raw: bytes | mmap.mmap, globals_key: str) -> dict[str, Any]:
    head = len(STATE_MAGIC) + 12
    if raw[:len(STATE_MAGIC)] != STATE_MAGIC or len(raw) < head:
        return {}
    size = int.from_bytes(raw[len(STATE_MAGIC):len(STATE_MAGIC) + 8], "little")
    with memoryview(raw) as view:
        body = view[head:head + size]
        try:
            if len(body) != size or crc32(body) != int.from_bytes(raw[head - 4:head],
                                                                   "little"):
                return {}  # cut short or torn by a crash: the next build is a full one
            state = marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            return {}
        finally:
            body.release()
    if not isinstance(state, dict) or state.get("v") != STATE_VERSION \
            or state.get("globals") != globals_key:
        return {}
    return state


def _write_state(out: str, state: dict[str, Any]) -> None:
    """Rewrite the state file in place, framed by its length and CRC-32 so that a torn
    write is seen as no state. Why in place: replacing it freed the old file's blocks,
    which cost this file system about 1 ms, and now and then 70 ms."""
    body = marshal.dumps(state)
    head = STATE_MAGIC + len(body).to_bytes(8, "little") + crc32(body).to_bytes(4, "little")
    put_file(state_path(out), [head, body])  # not joined: no 370 kB copy


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _map_live(path: str) -> mmap.mmap | bytes | None:
    """The live site's copy of an input, mapped (see :mod:`deepoc.site.inputs`)."""
    try:
        return site_inputs.map_file(path)
    except OSError:
        return None


def build_site(catalog: str | os.PathLike[str], out: str | os.PathLike[str],
               builds: str | os.PathLike[str] | None = None,
               base_url: str | None = None, now: datetime | None = None,
               site_title: str = "DEEP Open Catalogue") -> BuildReport:
    """Render the site for ``catalog`` into ``out``, replacing the previous site atomically."""
    t0, c0 = time.perf_counter(), time.process_time()
    report = BuildReport()
    catalog, out = os.fspath(catalog), os.path.normpath(os.fspath(out))
    builds = os.fspath(builds) if builds is not None else None
    if base_url is not None:
        if not model.is_http_url(base_url):
            raise UsageError(f"--base-url {base_url!r} is not an http(s) URL: pass e.g. "
                             f"https://marketplace.example.org/")
        base_url = base_url.rstrip("/") + "/"
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"output {out} exists and is not a folder: choose another -o")
    if os.path.isdir(out) and not os.path.exists(os.path.join(out, MANIFEST)) \
            and os.listdir(out):
        raise UsageError(f"output {out} is a non-empty folder that is not a site built by "
                         f"deep-oc: choose an empty or new folder for -o")
    globals_key = keys.key(_renderer_hash(), base_url, site_title)
    generated = now.strftime("%Y-%m-%dT%H:%M:%SZ") if now is not None else time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # UTC; ``now`` must be a UTC datetime
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    # A build makes many long-lived objects and no garbage cycles: the cyclic collector
    # would only rescan them again and again (about 8 % of a rebuild at 10,000 modules).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(catalog, out, builds, base_url, site_title, globals_key, generated,
                      report, t0, c0)
    finally:
        if collecting:
            gc.enable()


def _build(catalog: str, out: str, builds: str | None, base_url: str | None,
           site_title: str, globals_key: str, generated: str, report: BuildReport,
           t0: float, c0: float) -> BuildReport:
    with site_lock(out):
        state = _read_state(out, globals_key)
        writer = Writer(out, globals_key, state.get("trees"))
        # The state describes the live site only when both come from the same build.
        same = writer.same
        old_cat = _map_live(os.path.join(out, "catalog.json")) if same else None
        old_builds = _map_live(os.path.join(out, "builds.json")) if same else None
        inp = site_inputs.read_inputs(catalog, builds, state.get("index") if same else None,
                                      old_cat, old_builds)
        try:
            # The inputs are published as they are. Hashing 30 MB would cost more than a small
            # rebuild, so a copy keeps the live key when its bytes are the live copy's, and
            # gets a new key (is written) otherwise.
            copies = {rel: (raw, writer.live_pages[rel]
                            if old is not None and same_bytes(raw, old) and rel in writer.live_pages
                            else os.urandom(10).hex())
                      for rel, raw, old in (("catalog.json", inp.cat_raw, old_cat),
                                            ("builds.json", inp.builds_raw, old_builds))
                      if raw is not None}
            for old in (old_cat, old_builds):  # the live copies are not needed any more
                if isinstance(old, mmap.mmap):
                    old.close()
            report.parsed = inp.parsed
            report.problems.extend(inp.problems)
            cache = ModuleCache(cache_path(out), globals_key)
            build_id = os.urandom(8).hex()
            made = {"build_id": build_id, "generated": generated}  # for the site's manifest
            plan = delta.plan(state, inp, cache, out, writer.live_pages, site_title,
                              base_url, generated, copies) if same else None
            if plan is not None:
                report.delta = True
                order = plan.order
                fresh = {k: m.to_cache() for k, m in plan.mods.items() if m.modified}
                writer.run(lambda: writer.apply(plan.changes, plan.renders), made)
                shape = plan.shape
            else:
                views, dirty = _views(inp.modules, cache, catalog)
                order = [v.key for v in views]  # content keys, in site order
                prev = None
                if same and isinstance(state.get("order"), list):
                    prev = search.Previous(out, writer.live_pages, state["order"], cache)
                shape = writer.run(lambda: _render_all(writer, views, dirty, base_url, generated,
                                                       site_title, copies, prev), made)
                fresh = {v.key: v.to_cache() for v in views if v.key in dirty}
            report.modules = len(order)
            try:
                _write_state(out, {
                    "v": STATE_VERSION, "globals": globals_key, "trees": writer.trees(build_id),
                    "order": order, "index": inp.index, "layout": shape})
                cache.save(order, fresh)
            except OSError as exc:  # only caches: the next build is just slower
                report.problems.append(f"could not write the build cache beside {out}: {exc}")
            finally:
                cache.close()
        finally:
            inp.close()  # the published copies are written: unmap the inputs
    report.pages_rendered, report.pages_reused = writer.rendered, writer.reused
    report.files = len(writer.pages)
    report.seconds = time.perf_counter() - t0
    report.cpu_seconds = time.process_time() - c0
    return report


def _views(modules: list[site_inputs.Module], cache: ModuleCache,
           catalog: str) -> tuple[list[Mod], set[str]]:
    """Every module, newest first, from the cache where its content key is known; and the
    keys of those made (or changed) by this build."""
    views: list[Mod] = []
    dirty: set[str] = set()
    seen: set[str] = set()
    for m in modules:
        cached = cache.get(m.key)
        if cached is not None:
            mod = Mod.from_cache(m.key, cached, m.load)
        else:
            mod = layout.new_mod(m.key, m.load)
            dirty.add(m.key)
        if mod.slug in seen:
            raise DeepOCError(f"catalog {catalog} lists module {mod.name!r} twice: "
                              f"fix the catalog so names are unique")
        seen.add(mod.slug)
        views.append(mod)
    views.sort(key=model.sort_key, reverse=True)
    return views, dirty


def _render_all(w: Writer, views: list[Mod], dirty: set[str], base_url: str | None,
                generated: str, site_title: str, copies: dict[str, tuple[bytes, str]],
                prev: search.Previous | None) -> dict[str, Any]:
    """Every page of the site; returns the layout a later delta build starts from."""
    keywords = model.group_keywords(views)
    kwslug = {k.label.lower(): k.slug for k in keywords}
    slugs_of = []
    for v in views:  # a page shows its keywords' links: their slugs are part of its inputs
        slugs = "|".join(kwslug[k.lower()] for k in v.keywords)
        slugs_of.append(slugs)
        v.page_key = keys.module_page_key(v.key, slugs)
        if v.card_slugs != slugs:  # a card made with other keyword slugs: made again
            v.card = ""  # when a page needs it
            v.card_slugs = slugs
    site = pages.Site(site_title, generated, base_url, kwslug)
    card = layout.Cards(kwslug, dirty)
    total = len(views)

    # static assets and published data
    for name in sorted(os.listdir(STATIC)):
        if name.endswith((".css", ".js", ".svg")):
            data = _read_bytes(os.path.join(STATIC, name))
            w.page(f"assets/{name}", sha1(data).hexdigest(), lambda d=data: d)
    for rel, (raw, key) in copies.items():
        w.page(rel, key, lambda raw=raw: raw)

    for v in views:
        w.page(layout.module_rel(v.slug), v.page_key, lambda v=v: layout.module_page(site, v))

    from collections import Counter  # full builds only: collections is 1 ms of imports

    facets = {
        "keywords": [(k.label, k.slug, len(k.modules)) for k in sorted(
            keywords, key=lambda k: (-len(k.modules), k.label.lower()))[:TOP_FACETS]],
        "licenses": [(lic, model.slugify(lic), n) for lic, n in
                     Counter(v.license for v in views).most_common(TOP_FACETS)],
    }
    facets_key = keys.key(cjson.dumps(facets))
    for n in range(1, layout.page_count(total) + 1):
        mods = layout.chunk(views, n)
        w.page(layout.home_rel(n), layout.home_key(total, n, facets_key,
                                                     [v.page_key for v in mods]),
               lambda mods=mods, n=n: layout.home_page(site, [card(v) for v in mods], n,
                                                        total, facets))
    for k in keywords:
        for n in range(1, layout.page_count(len(k.modules)) + 1):
            mods = layout.chunk(k.modules, n)
            w.page(layout.keyword_rel(k.slug, n),
                   layout.keyword_key(k.label, k.slug, len(k.modules), n,
                                       [v.page_key for v in mods]),
                   lambda mods=mods, n=n, k=k: layout.keyword_page(
                       site, k.label, k.slug, len(k.modules), [card(v) for v in mods], n))
    kw_index = [(k.label, k.slug, len(k.modules)) for k in keywords]
    w.page("keywords/index.html", keys.key("kwindex", cjson.dumps(kw_index)),
           lambda: pages.keywords(site, keywords=kw_index,
                                  canonical=layout.canonical(site, "keywords/index.html")))

    dates = [v.updated or v.created or "" for v in views]
    names = [v.name for v in views]
    newest = layout.recent(dates, names)
    w.page("feed.xml", *layout.feed(site, views.__getitem__, newest, dates,
                                    [v.page_key for v in views]))
    sitemap = ["index.html", "keywords/index.html"] + [layout.module_rel(v.slug) for v in views] \
        + [f"keywords/{k.slug}.html" for k in keywords]
    w.page("sitemap.xml", keys.key("sitemap", *sitemap),
           lambda: pages.sitemap(site, urls=sitemap))
    w.page("404.html", keys.key("404"), lambda: pages.not_found(site))

    search.search_index(w, views, keywords, kwslug, [v.key for v in views], prev)
    rank = {v.slug: i for i, v in enumerate(views)}
    return {"names": names, "page_keys": [v.page_key for v in views], "dates": dates,
            "recent": newest,
            "slugs": slugs_of, "kwslug": kwslug, "facets": facets, "facets_key": facets_key,
            "keywords": {k.slug: [k.label, [rank[v.slug] for v in k.modules]]
                         for k in keywords}}

