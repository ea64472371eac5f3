"""Render the marketplace: catalog.json (+ builds.json) -> a self-contained static site.

Why this shape:
- Every page links relatively, so the site works from ``file://`` and any static host;
  ``base_url`` is only used where absolute URLs are required (feed, sitemap, canonical).
- No page lists every module: home and keyword listings are paginated, and search uses a
  sharded index (``search/``) loaded as small ``<script>`` files, which also works from
  ``file://`` where ``fetch()`` of local files is blocked.
- The new site is written to a temporary folder beside the target and swapped in, so a
  failed build leaves the previous site as it was. Pages whose inputs did not change are
  hard-linked from the previous site (``.deepoc-site.json`` keeps each page's input hash).
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from deepoc.errors import DeepOCError, UsageError
from deepoc.fsutil import atomic_write_text
from deepoc.site import model
from deepoc.site.model import Mod

CATALOG_VERSION = 1
BUILDS_VERSION = 1
PAGE_SIZE = 24
DOC_CHUNK = 8
TOP_FACETS = 60
FEED_SIZE = 50
MANIFEST = ".deepoc-site.json"
MANIFEST_VERSION = 1
HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


@dataclass
class BuildReport:
    """What a build did, for the CLI summary and the benchmark."""

    modules: int = 0
    pages_rendered: int = 0
    pages_reused: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class Keyword:
    label: str
    slug: str
    modules: list[Mod]


def _load_json(path: Path, what: str) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist: pass the file written by the "
                         f"previous stage") from None
    except OSError as exc:
        raise DeepOCError(f"cannot read {what} {path}: {exc.strerror}") from None
    try:
        return json.loads(raw), raw
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeepOCError(f"{what} {path} is not valid JSON ({exc}): regenerate it") from None


def _bytecode_cache(renderer: str):  # -> jinja2.BytecodeCache | None
    """Compiled templates cached per renderer version, so a small rebuild skips compiling."""
    import jinja2

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "deep-oc" / f"site-templates-{renderer[:12]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


class _Lazy:
    """The Jinja environment and templates, made only when a page really has to be rendered
    (a rebuild where nothing changed never imports Jinja)."""

    def __init__(self, renderer: str) -> None:
        self.renderer = renderer
        self._env = None
        self._templates: dict[str, Any] = {}

    def get(self, name: str):  # -> jinja2.Template
        if name not in self._templates:
            if self._env is None:
                self._env = _env(_bytecode_cache(self.renderer))
            self._templates[name] = self._env.get_template(name)
        return self._templates[name]

    @property
    def mac(self):  # noqa: ANN201 - the macros template module
        return self.get("macros.html").module


def _env(bytecode_cache=None):  # -> jinja2.Environment  # noqa: ANN001
    import jinja2

    env = jinja2.Environment(
        bytecode_cache=bytecode_cache,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda s: (s or "")[:10] or "unknown"
    return env


def _renderer_hash() -> str:
    """Hash of templates, static files and this package's code: any change re-renders all."""
    h = hashlib.sha1(str(MANIFEST_VERSION).encode())
    for folder in (TEMPLATES, STATIC, HERE):
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.suffix in (".html", ".xml", ".css", ".js", ".py"):
                h.update(f.name.encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _keywords(views: list[Mod]) -> list[Keyword]:
    groups: dict[str, list[Mod]] = {}
    spellings: dict[str, dict[str, int]] = {}
    for v in views:
        for k in v.keywords:
            low = k.lower()
            group = groups.get(low)
            if group is None:
                groups[low], spellings[low] = [v], {k: 1}
            else:
                group.append(v)
                counts = spellings[low]
                counts[k] = counts.get(k, 0) + 1
    out = []
    taken: set[str] = {"index"}
    for low in sorted(groups):  # sorted: the same keyword set always gets the same slugs
        counts = spellings[low]
        label = max(counts, key=counts.__getitem__)  # the most used spelling (first on ties)
        out.append(Keyword(label, model.unique_slug(low, taken), groups[low]))
    out.sort(key=lambda k: k.label.lower())
    return out


def _pager(page: int, pages: int, href: Callable[[int], str]) -> dict[str, Any]:
    """A bounded pager: first, previous, a window of five, next, last (never every page)."""
    window = range(max(1, page - 2), min(pages, page + 2) + 1)
    return {
        "page": page,
        "pages": pages,
        "first": href(1) if page > 1 else None,
        "prev": href(page - 1) if page > 1 else None,
        "next": href(page + 1) if page < pages else None,
        "last": href(pages) if page < pages else None,
        "window": [(n, href(n)) for n in window],
    }


def _hash(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _js(callback: str, key: str, data: Any) -> str:
    """A JSONP-like shard: loads through <script src>, which works from file:// too."""
    body = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    body = body.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"DeepOC.{callback}({json.dumps(key)},{body});\n"


def prefix_length(n: int) -> int:
    """Letters that pick a term's shard: 1 (36-odd files) for small catalogs, 2 from 300
    modules on, so a shard stays a small slice of the index at every size."""
    return 1 if n < 300 else 2


def shard_name(term: str, plen: int = 2) -> str:
    """File name of the search shard for a term: its first ``plen`` characters (hex if they
    are not all a-z0-9)."""
    prefix = term[:plen]
    if all("a" <= c <= "z" or "0" <= c <= "9" for c in prefix):
        return prefix
    return "u" + "-".join(f"{ord(c):x}" for c in prefix)


def facet_file(name: str) -> str:
    """Keyword facets share files by the first two letters of their slug (fewer files)."""
    return "kw-" + name[3:5] if name.startswith("kw-") else name


def postings(ids: list[int], n: int) -> list[int] | str:
    """Sorted module numbers, in the smaller of two encodings: a list of gaps (rare terms)
    or a base64 bitmap of all ``n`` modules (terms most modules share), so no posting list
    costs more than n/6 bytes whatever the catalog size."""
    nbytes = -(-n // 8)
    bitmap_size = 4 * -(-nbytes // 3)
    if len(ids) * (len(str(max(1, n // max(1, len(ids))))) + 1) < bitmap_size:
        out, last = [], 0
        for i in ids:
            out.append(i - last)
            last = i
        return out
    bits = bytearray(nbytes)
    for i in ids:
        bits[i >> 3] |= 1 << (i & 7)
    return base64.b64encode(bytes(bits)).decode("ascii")


def decode_postings(value: list[int] | str) -> list[int]:
    """The inverse of :func:`postings` (used by tests and the benchmark; site.js does the
    same in the browser)."""
    if isinstance(value, str):
        bits = base64.b64decode(value)
        return [j * 8 + k for j, byte in enumerate(bits) if byte for k in range(8)
                if byte >> k & 1]
    out, acc = [], 0
    for gap in value:
        acc += gap
        out.append(acc)
    return out


class _Writer:
    """Brings a work tree up to date, touching only pages whose input hash changed.

    The work tree is either empty or the standby copy of the site two builds ago (its
    manifest says which page hashes it holds). A page already right there is left alone,
    a page that the live site has right is hard-linked from it, anything else is rendered.
    Files are replaced by rename, never rewritten in place, so a file shared (hard-linked)
    with the live site is never modified.
    """

    def __init__(self, work: Path, work_pages: dict[str, str], live: Path | None,
                 live_pages: dict[str, str], report: BuildReport) -> None:
        self.work, self.work_pages, self.report = work, work_pages, report
        self.live, self.live_pages = live, live_pages
        self.pages: dict[str, str] = {}
        self._dirs: set[Path] = set()

    def _mkdir(self, path: Path) -> None:
        if path not in self._dirs:
            path.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path)

    def page(self, rel: str, key: str, render: Callable[[], str | bytes]) -> None:
        if rel in self.pages:
            raise DeepOCError(f"two pages of the site map to {rel}: rename one of the modules")
        self.pages[rel] = key
        if self.work_pages.get(rel) == key:
            self.report.pages_reused += 1
            return
        target = self.work / rel
        self._mkdir(target.parent)
        exists = rel in self.work_pages
        tmp = target.with_name(f".{target.name}.tmp") if exists else target
        if self.live is not None and self.live_pages.get(rel) == key:
            try:
                os.link(self.live / rel, tmp)
                if exists:
                    os.replace(tmp, target)
                self.report.pages_reused += 1
                return
            except OSError:
                pass
        data = render()
        if isinstance(data, str):
            data = data.encode("utf-8")
        tmp.write_bytes(data)
        if exists:
            os.replace(tmp, target)
        self.report.pages_rendered += 1

    def prune(self) -> None:
        """Delete pages the standby tree had that the new site no longer has."""
        for rel in self.work_pages.keys() - self.pages.keys():
            try:
                os.unlink(self.work / rel)
            except FileNotFoundError:
                pass


def _read_manifest(folder: Path, globals_key: str) -> dict[str, Any] | None:
    """The manifest of a tree built with the same renderer and settings, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("globals") != globals_key:
        return None
    return manifest if isinstance(manifest.get("pages"), dict) else None


def _order_hash(order: list[str]) -> str:
    """Identifies the module list (content keys, in site order) a search index was made of."""
    return hashlib.sha1("|".join(order).encode()).hexdigest()


@dataclass
class _Previous:
    """The live site's search index and the module list it was made of (from the cache),
    so that a build can patch the term shards instead of reassembling them all."""

    live: Path
    pages: dict[str, str]
    order: list[str]  # content keys of the live site's modules, in site order
    cache: dict[str, list[Any]]


@contextlib.contextmanager
def _site_lock(out: Path) -> Iterator[None]:
    """One build at a time per site folder (the standby tree and the swap are shared)."""
    with open(out.parent / f".{out.name}.lock", "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def cache_path(out: Path) -> Path:
    """Per-module derived data (search terms, card fields) by content hash, between builds."""
    return out.parent / f".{out.name}.cache.json"


def _read_cache(path: Path, globals_key: str) -> tuple[dict[str, list[Any]], list[str]]:
    """Cached module data by content key, and the module list of the last build."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}, []
    if not isinstance(data, dict) or data.get("globals") != globals_key:
        return {}, []
    mods, order = data.get("modules"), data.get("order")
    if not isinstance(mods, dict):
        return {}, []
    return mods, order if isinstance(order, list) else []


def standby_path(out: Path) -> Path:
    """Where the previous generation of the site is kept for the next incremental build."""
    return out.parent / f".{out.name}.standby"


def build_site(catalog: str | os.PathLike[str], out: str | os.PathLike[str],
               builds: str | os.PathLike[str] | None = None,
               base_url: str | None = None, now: datetime | None = None,
               site_title: str = "DEEP Open Catalogue") -> BuildReport:
    """Render the site for ``catalog`` into ``out``, replacing the previous site atomically."""
    t0, c0 = time.perf_counter(), time.process_time()
    report = BuildReport()
    catalog = Path(catalog)
    out = Path(out)
    cat, cat_raw = _load_json(catalog, "catalog")
    if not isinstance(cat, dict) or not isinstance(cat.get("modules"), list):
        raise DeepOCError(f"catalog {catalog} has no 'modules' list: is it a catalog.json "
                          f"written by 'deep-oc catalog sync'?")
    if cat.get("catalog_version") != CATALOG_VERSION:
        raise DeepOCError(f"catalog {catalog} has catalog_version "
                          f"{cat.get('catalog_version')!r}, this deep-oc reads "
                          f"{CATALOG_VERSION}: re-run 'deep-oc catalog sync' with this deep-oc")
    builds_data, builds_raw = ({}, None)
    if builds is not None:
        builds_data, builds_raw = _load_json(Path(builds), "build records")
        if not isinstance(builds_data, dict) or not isinstance(
                builds_data.get("builds", []), list):
            raise DeepOCError(f"build records {builds} are not a builds.json object: "
                              f"regenerate them with 'deep-oc images build'")
        if builds_data.get("builds_version") != BUILDS_VERSION:
            raise DeepOCError(f"build records {builds} have builds_version "
                              f"{builds_data.get('builds_version')!r}, this deep-oc reads "
                              f"{BUILDS_VERSION}: rebuild them with this deep-oc's "
                              f"'deep-oc images build'")
    if base_url is not None:
        if not model.is_http_url(base_url):
            raise UsageError(f"--base-url {base_url!r} is not an http(s) URL: pass e.g. "
                             f"https://marketplace.example.org/")
        base_url = base_url.rstrip("/") + "/"
    if out.exists() and not out.is_dir():
        raise UsageError(f"output {out} exists and is not a folder: choose another -o")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise UsageError(f"output {out} is a non-empty folder that is not a site built by "
                         f"deep-oc: choose an empty or new folder for -o")

    renderer = _renderer_hash()
    globals_key = _hash(renderer, base_url, site_title)
    cache_file = cache_path(out)
    cache, cache_order = _read_cache(cache_file, globals_key)
    by_module = model.builds_index(builds_data)
    views: list[Mod] = []
    seen: set[str] = set()
    fresh: dict[str, list[Any]] = {}
    for entry in cat["modules"]:
        if not isinstance(entry, dict):
            report.problems.append("catalog entry that is not an object skipped")
            continue
        records = by_module.get(str(entry.get("name")), [])
        key = model.entry_key(entry, records)
        cached = cache.get(key)
        if cached is not None:
            mod = model.Mod.from_cache(key, cached, entry, records)
        else:
            mod = model.Mod.from_view(key, model.module_view(entry, records), entry, records)
        fresh[key] = cached or mod.to_cache()
        if mod.slug in seen:
            raise DeepOCError(f"catalog {catalog} lists module {mod.name!r} twice: "
                              f"fix the catalog so names are unique")
        seen.add(mod.slug)
        views.append(mod)
    views.sort(key=model.sort_key, reverse=True)
    order = [v.key for v in views]  # content keys (before the keyword slugs are mixed in)
    report.modules = len(views)
    keywords = _keywords(views)
    kwslug = {k.label.lower(): k.slug for k in keywords}
    for v in views:  # a page shows its keywords' links: their slugs are part of its inputs
        if v.keywords:
            slugs = "|".join(kwslug[k.lower()] for k in v.keywords)
            v.key = hashlib.sha1(f"{v.key}|{slugs}".encode()).hexdigest()
    now = now or datetime.now(timezone.utc)
    generated = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.parent.mkdir(parents=True, exist_ok=True)
    with _site_lock(out):
        live = out if out.is_dir() else None
        live_manifest = (_read_manifest(out, globals_key) or {}) if live else {}
        live_pages = live_manifest.get("pages", {})
        prev = None
        if live is not None and cache_order and live_manifest.get("order") == _order_hash(
                cache_order):
            prev = _Previous(live, live_pages, cache_order, cache)
        standby = standby_path(out)
        for left in out.parent.glob(f".{out.name}.new-*"):  # from a build that was killed
            shutil.rmtree(left, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        work_pages: dict[str, str] = {}
        if standby.is_dir():
            pages = _read_manifest(standby, globals_key)
            if pages is not None and live is not None:
                pages = pages["pages"]
                os.rmdir(work)
                os.rename(standby, work)  # a half-updated tree never keeps the standby name
                os.unlink(work / MANIFEST)  # nor a manifest that would vouch for it
                work_pages = pages
            else:
                shutil.rmtree(standby, ignore_errors=True)
        try:
            writer = _Writer(work, work_pages, live, live_pages, report)
            _render_all(writer, _Lazy(renderer), views, keywords, kwslug, base_url, generated,
                        site_title, cat_raw, builds_raw, order, prev)
            writer.prune()
            manifest = {"manifest_version": MANIFEST_VERSION, "globals": globals_key,
                        "generated": generated, "order": _order_hash(order),
                        "pages": writer.pages}
            (work / MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")))
            os.chmod(work, 0o755)
            _swap(work, out, standby)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        if fresh.keys() != cache.keys() or order != cache_order:
            try:
                atomic_write_text(cache_file, json.dumps(
                    {"globals": globals_key, "order": order, "modules": fresh},
                    separators=(",", ":")))
            except OSError as exc:  # only a cache: the next build is just slower
                report.problems.append(f"could not write the build cache {cache_file}: {exc}")
    report.files = len(writer.pages)
    report.seconds = time.perf_counter() - t0
    report.cpu_seconds = time.process_time() - c0
    return report


def _render_all(w: _Writer, env: _Lazy, views: list[Mod], keywords: list[Keyword],
                kwslug: dict[str, str], base_url: str | None, generated: str,
                site_title: str, cat_raw: bytes, builds_raw: bytes | None, order: list[str],
                prev: _Previous | None) -> None:
    cards: dict[tuple[str, str], str] = {}

    def card(v: Mod, root: str) -> str:
        """A module's card, rendered once per folder depth and reused by every listing."""
        key = (v.slug, root)
        if key not in cards:
            cards[key] = str(env.mac.card(v.view, root, kwslug))
        return cards[key]

    common = {"site_title": site_title, "generated": generated, "kwslug": kwslug,
              "base_url": base_url, "card": card}

    def canonical(rel: str) -> str | None:
        return base_url + rel if base_url else None

    # static assets and published data
    for f in sorted(STATIC.iterdir()):
        if f.suffix in (".css", ".js", ".svg"):
            data = f.read_bytes()
            w.page(f"assets/{f.name}", hashlib.sha1(data).hexdigest(), lambda d=data: d)
    w.page("catalog.json", hashlib.sha1(cat_raw).hexdigest(), lambda: cat_raw)
    if builds_raw is not None:
        w.page("builds.json", hashlib.sha1(builds_raw).hexdigest(), lambda: builds_raw)

    # module pages
    for v in views:
        rel = f"modules/{v.slug}.html"
        w.page(rel, v.key, lambda v=v, rel=rel: env.get("module.html").render(
            m=v.view, root="../", canonical=canonical(rel), mac=env.mac, **common))

    # home listing
    facets = {
        "keywords": [(k.label, k.slug, len(k.modules)) for k in sorted(
            keywords, key=lambda k: (-len(k.modules), k.label.lower()))[:TOP_FACETS]],
        "licenses": [(lic, model.slugify(lic), n) for lic, n in
                     Counter(v.license for v in views).most_common(TOP_FACETS)],
    }
    pages = max(1, -(-len(views) // PAGE_SIZE))

    def home_rel(n: int) -> str:
        return "index.html" if n == 1 else f"pages/{n}.html"

    for n in range(1, pages + 1):
        chunk = views[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]
        rel = home_rel(n)
        root = "" if n == 1 else "../"
        # the pager follows from (n, pages): it is made only when the page is rendered
        key = _hash("home", [v.key for v in chunk], n, pages, len(views),
                    facets if n == 1 else None)
        w.page(rel, key, lambda chunk=chunk, root=root, rel=rel, n=n:
               env.get("home.html").render(modules=chunk, root=root, pager=_pager(
                                               n, pages, lambda k: root + home_rel(k)),
                                           total=len(views), facets=facets, first=n == 1,
                                           mac=env.mac, canonical=canonical(rel),
                                           **common))

    # keyword pages
    for k in keywords:
        kpages = max(1, -(-len(k.modules) // PAGE_SIZE))

        def kw_rel(n: int, k: Keyword = k) -> str:
            return f"keywords/{k.slug}.html" if n == 1 else f"keywords/{k.slug}.p{n}.html"

        for n in range(1, kpages + 1):
            chunk = k.modules[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]
            rel = kw_rel(n)
            key = _hash("kw", k.label, k.slug, [v.key for v in chunk], n, kpages,
                        len(k.modules))
            w.page(rel, key, lambda chunk=chunk, rel=rel, k=k, n=n, kpages=kpages, f=kw_rel:
                   env.get("keyword.html").render(keyword=k, modules=chunk, pager=_pager(
                                                      n, kpages, lambda p: "../" + f(p)),
                                                  root="../", mac=env.mac,
                                                  canonical=canonical(rel), **common))
    kw_index = [(k.label, k.slug, len(k.modules)) for k in keywords]
    w.page("keywords/index.html", _hash("kwindex", kw_index),
           lambda: env.get("keywords.html").render(
               keywords=kw_index, root="../", canonical=canonical("keywords/index.html"),
               **common))

    # feed, sitemap, 404
    recent = sorted(views, key=lambda v: (v.updated or v.created or "", v.name),
                    reverse=True)[:FEED_SIZE]
    feed_updated = max((v.updated or v.created or "" for v in recent), default="") or generated
    w.page("feed.xml", _hash("feed", [v.key for v in recent], feed_updated),
           lambda: env.get("feed.xml").render(modules=[v.view for v in recent],
                                              feed_updated=feed_updated,
                                              **common))
    sitemap = ["index.html", "keywords/index.html"] + [f"modules/{v.slug}.html" for v in views] \
        + [f"keywords/{k.slug}.html" for k in keywords]
    w.page("sitemap.xml", _hash("sitemap", sitemap),
           lambda: env.get("sitemap.xml").render(urls=sitemap, **common))
    w.page("404.html", _hash("404"), lambda: env.get("404.html").render(
        root=base_url or "/", canonical=None, **common))

    _search_index(w, views, keywords, kwslug, order, prev)


def _load_js(path: Path) -> Any:
    """The data of a shard written by :func:`_js`."""
    text = path.read_text()
    return json.loads(text[text.index(",") + 1:text.rindex(")")])


def _patch_terms(views: list[Mod], order: list[str], prev: _Previous,
                 plen: int) -> dict[str, dict[str, Any] | None] | None:
    """The term shards that differ from the live site's, as new contents (None: now empty).

    Only modules whose content key changed are looked at: the terms they gained or lost
    name the shards to patch. None when the module numbering changed (a module added,
    removed or moved: then every posting moves and the index is reassembled)."""
    n = len(views)
    if len(prev.order) != n:
        return None
    changes: dict[str, dict[str, tuple[set[int], set[int]]]] = {}
    for i, v in enumerate(views):
        if prev.order[i] == order[i]:
            continue
        before = prev.cache.get(prev.order[i])
        if before is None:
            return None
        old = Mod.from_cache(prev.order[i], before, {}, [])
        if old.slug != v.slug:
            return None
        was, now = set(old.tokens.split()), set(v.tokens.split())
        for terms, added in ((now - was, True), (was - now, False)):
            for t in terms:
                add, drop = changes.setdefault(shard_name(t, plen), {}).setdefault(
                    t, (set(), set()))
                (add if added else drop).add(i)
    out: dict[str, dict[str, Any] | None] = {}
    for name, terms in changes.items():
        rel = f"search/t/{name}.js"
        try:
            data = _load_js(prev.live / rel) if rel in prev.pages else {}
        except (OSError, ValueError):
            return None
        for t, (add, drop) in terms.items():
            ids = (set(decode_postings(data[t])) if t in data else set()) - drop | add
            if ids:
                data[t] = postings(sorted(ids), n)
            else:
                data.pop(t, None)
        out[name] = dict(sorted(data.items())) or None
    return out


def _search_index(w: _Writer, views: list[Mod], keywords: list[Keyword],
                  kwslug: dict[str, str], order: list[str], prev: _Previous | None) -> None:
    """Sharded index: meta, term shards by 2-letter prefix, facet postings, doc chunks.

    A query loads meta.js, one term shard per word, the postings of chosen facets and the
    doc chunks of the result page shown: a bounded part of the index, never all of it.
    """
    n = len(views)
    rank = {v.slug: i for i, v in enumerate(views)}
    # Term shards: the live site's, patched where modules changed their terms, or (when
    # the numbering changed) reassembled from every module's cached terms. A shard keeps
    # its file when its bytes did not change (its key is the hash of its content).
    plen = prefix_length(n)
    patch = _patch_terms(views, order, prev, plen) if prev is not None else None
    if patch is not None:
        shards: dict[str, dict[str, Any] | None] = {
            rel[9:-3]: None for rel in prev.pages if rel.startswith("search/t/")}
        for name in shards:
            if name not in patch:
                rel = f"search/t/{name}.js"
                w.page(rel, prev.pages[rel], lambda rel=rel: (prev.live / rel).read_bytes())
        shards.update(patch)
        shards = {name: data for name, data in shards.items() if name not in patch or data}
    else:
        terms: dict[str, list[int]] = {}
        for i, v in enumerate(views):
            for t in v.tokens.split():
                terms.setdefault(t, []).append(i)
        shards = {}
        for t in sorted(terms):
            shards.setdefault(shard_name(t, plen), {})[t] = postings(terms[t], n)
    for name, data in shards.items():
        if data is not None:
            body = _js("terms", name, data)
            w.page(f"search/t/{name}.js", hashlib.sha1(body.encode()).hexdigest(),
                   lambda b=body: b)

    facets: dict[str, list[int]] = {
        "type-trainable": [i for i, v in enumerate(views) if v.has("trainable")],
        "type-inference": [i for i, v in enumerate(views) if v.has("inference")],
        "type-pretrained": [i for i, v in enumerate(views) if v.has("pretrained")],
        "image-cpu": [i for i, v in enumerate(views) if v.has("cpu")],
        "image-gpu": [i for i, v in enumerate(views) if v.has("gpu")],
    }
    by_license: dict[str, list[int]] = {}
    for i, v in enumerate(views):
        by_license.setdefault(v.license, []).append(i)
    licenses: dict[str, list[int]] = {}
    for lic, ids in by_license.items():
        licenses.setdefault(model.slugify(lic), []).extend(ids)
    for slug, ids in licenses.items():
        facets["license-" + slug] = sorted(ids)  # the same slugs as the home page's select
    for k in keywords:
        facets["kw-" + k.slug] = sorted(rank[v.slug] for v in k.modules)
    files: dict[str, dict[str, list[int]]] = {}
    for name, ids in facets.items():
        files.setdefault(facet_file(name), {})[name] = ids
    for fname, group in files.items():
        h = hashlib.sha1(f"{fname}|{n}".encode())
        for name in sorted(group):
            h.update(f"|{name}:".encode())
            h.update(array("i", group[name]).tobytes())
        w.page(f"search/f/{fname}.js", h.hexdigest(),
               lambda fname=fname, group=group: _js("facet", fname, {
                   name: postings(ids, n) for name, ids in group.items()}))

    for c in range(0, n, DOC_CHUNK):
        chunk = views[c:c + DOC_CHUNK]
        key = hashlib.sha1(f"docs|{c}|{'|'.join(v.key for v in chunk)}".encode()).hexdigest()
        w.page(f"search/d/{c // DOC_CHUNK}.js", key,
               lambda chunk=chunk, c=c: _js("docs", str(c // DOC_CHUNK),
                                            [_doc(v, kwslug) for v in chunk]))

    meta = {"n": n, "chunk": DOC_CHUNK, "page": PAGE_SIZE, "plen": plen,
            "shards": sorted(shards)}
    body = _js("meta", "meta", meta)
    w.page("search/meta.js", hashlib.sha1(body.encode()).hexdigest(), lambda: body)


def _doc(v: Mod, kwslug: dict[str, str]) -> list[Any]:
    """One search result: just what a card shows."""
    title, summary, status, build_status = v.doc
    kws = [[k, kwslug[k.lower()]] for k in v.keywords[:8]]
    return [v.slug, title, summary, kws, v.flags, status, (v.created or "")[:10], v.license,
            build_status]


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        # the process's own symbols (libc among them): find_library would spawn ldconfig
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap(new: Path, target: Path, standby: Path) -> None:
    """Put ``new`` in place of ``target`` (readers see the old site or the new one); the old
    site becomes the standby tree that the next build updates instead of starting over."""
    if not target.exists():
        os.rename(new, target)
        return
    if _renameat2_exchange(new, target):
        os.rename(new, standby)  # ``new`` now holds the previous site
        return
    os.rename(target, standby)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(standby, target)
        raise
