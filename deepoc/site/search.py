"""The search index: small shards that a browser loads a few of per query.

Why: a query must download a bounded part of the index at any catalog size, and the site
must work from ``file://``, where ``fetch()`` of local files is blocked. So the index is
split into JavaScript files loaded with ``<script>`` tags (``DeepOC.<kind>(key, data)``):
``meta.js``, term shards by the first letters of a term, facet postings, and the card data
of a few modules per chunk. A rebuild where only some modules changed patches the term
shards those modules touch instead of reassembling them all.
"""

from __future__ import annotations

import binascii

from deepoc import cjson
from deepoc.hashing import sha1
from deepoc.site import keys, model
from deepoc.site.model import PAGE_SIZE, Keyword, Mod

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from typing import Any

    from deepoc.site.cache import ModuleCache
    from deepoc.site.tree import Writer

DOC_CHUNK = 8


class Previous:
    """The live site (folder and page hashes), the content keys of its modules in site
    order, and the module cache: what a build needs to patch the live term shards instead
    of reassembling them all."""

    __slots__ = ("live", "pages", "order", "cache")

    def __init__(self, live: str, pages: dict[str, str], order: list[str],
                 cache: ModuleCache) -> None:
        self.live, self.pages, self.order, self.cache = live, pages, order, cache


def _js(callback: str, key: str, data: Any) -> str:
    """A JSONP-like shard: loads through <script src>, which works from file:// too."""
    body = cjson.dumps(data, ensure_ascii=True, separators=(",", ":"))
    body = body.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"DeepOC.{callback}({cjson.dumps(key)},{body});\n"


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
    return binascii.b2a_base64(bytes(bits), newline=False).decode("ascii")


def decode_postings(value: list[int] | str) -> list[int]:
    """The inverse of :func:`postings` (used by tests and the benchmark; site.js does the
    same in the browser)."""
    if isinstance(value, str):
        bits = binascii.a2b_base64(value)
        return [j * 8 + k for j, byte in enumerate(bits) if byte for k in range(8)
                if byte >> k & 1]
    out, acc = [], 0
    for gap in value:
        acc += gap
        out.append(acc)
    return out


def _load_js(path: str) -> Any:
    """The data of a shard written by :func:`_js`."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    return cjson.loads(text[text.index(",") + 1:text.rindex(")")])


def term_changes(views: list[Mod], order: list[str],
                 prev: Previous) -> list[tuple[int, str, str]] | None:
    """(module number, old terms, new terms) of each module whose content key changed;
    None when the numbering changed (a module added, removed or moved: then every posting
    moves and the index is reassembled)."""
    if len(prev.order) != len(views):
        return None
    out = []
    for i, v in enumerate(views):
        if prev.order[i] == order[i]:
            continue
        before = prev.cache.get(prev.order[i])
        if before is None:
            return None
        old = Mod.from_cache(prev.order[i], before, None)
        if old.slug != v.slug:
            return None
        out.append((i, old.tokens, v.tokens))
    return out


def patch_terms(changes: list[tuple[int, str, str]], n: int, live: str,
                live_pages: dict[str, str]) -> dict[str, dict[str, Any] | None] | None:
    """The live term shards these changes touch, patched (None: the shard is now empty).

    Only the terms a module gained or lost are looked at: they name the shards to read
    back from the live site and patch. None when a shard cannot be read."""
    plen = prefix_length(n)
    touched: dict[str, dict[str, tuple[set[int], set[int]]]] = {}
    for i, old_terms, new_terms in changes:
        was, now = set(old_terms.split()), set(new_terms.split())
        for terms, added in ((now - was, True), (was - now, False)):
            for t in terms:
                add, drop = touched.setdefault(shard_name(t, plen), {}).setdefault(
                    t, (set(), set()))
                (add if added else drop).add(i)
    out: dict[str, dict[str, Any] | None] = {}
    for name, terms in touched.items():
        rel = f"search/t/{name}.js"
        try:
            data = _load_js(f"{live}/{rel}") if rel in live_pages else {}
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


def patched_shards(patch: dict[str, dict[str, Any] | None],
                   live_pages: dict[str, str]) -> tuple[dict[str, str], list[str] | None]:
    """The bodies of the patched term shards that still exist, and every shard's name;
    the names are None when the patch adds and removes no shard (they are the live site's,
    and finding them means looking at every page)."""
    bodies = {name: _js("terms", name, data) for name, data in patch.items()
              if data is not None}
    if all((data is None) != (f"search/t/{name}.js" in live_pages)
           for name, data in patch.items()):
        return bodies, None
    names = set(live_shards(live_pages))
    names.difference_update(name for name, data in patch.items() if data is None)
    names.update(bodies)
    return bodies, sorted(names)


def live_shards(pages: dict[str, str]) -> list[str]:
    """The names of the term shards among ``pages`` (a pass over every page)."""
    return [rel[9:-3] for rel in pages if rel.startswith("search/t/")]


def meta_js(n: int, shards: list[str]) -> str:
    """search/meta.js: what the browser loads first."""
    return _js("meta", "meta", {"n": n, "chunk": DOC_CHUNK, "page": PAGE_SIZE,
                                "plen": prefix_length(n), "shards": sorted(shards)})


def search_index(w: Writer, views: list[Mod], keywords: list[Keyword],
                  kwslug: dict[str, str], order: list[str], prev: Previous | None) -> None:
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
    changes = term_changes(views, order, prev) if prev is not None else None
    patch = patch_terms(changes, n, prev.live, prev.pages) if changes is not None else None
    if patch is not None:
        bodies, names = patched_shards(patch, prev.pages)
        if names is None:
            names = sorted(live_shards(prev.pages))
        for name in names:
            rel = f"search/t/{name}.js"
            if name in bodies:
                body = bodies[name]
                w.page(rel, sha1(body.encode()).hexdigest(), lambda b=body: b)
            else:
                w.page(rel, prev.pages[rel], None)  # unchanged: the live site has it
    else:
        terms: dict[str, list[int]] = {}
        for i, v in enumerate(views):
            for t in v.tokens.split():
                terms.setdefault(t, []).append(i)
        shards: dict[str, dict[str, Any]] = {}
        for t in sorted(terms):
            shards.setdefault(shard_name(t, plen), {})[t] = postings(terms[t], n)
        names = sorted(shards)
        for name, data in shards.items():
            body = _js("terms", name, data)
            w.page(f"search/t/{name}.js", sha1(body.encode()).hexdigest(), lambda b=body: b)

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
    from array import array  # only full passes hash facets: not imported by delta builds

    files: dict[str, dict[str, list[int]]] = {}
    for name, ids in facets.items():
        files.setdefault(facet_file(name), {})[name] = ids
    for fname, group in files.items():
        h = sha1(f"{fname}|{n}".encode())
        for name in sorted(group):
            h.update(f"|{name}:".encode())
            h.update(array("i", group[name]).tobytes())
        w.page(f"search/f/{fname}.js", h.hexdigest(),
               lambda fname=fname, group=group: _js("facet", fname, {
                   name: postings(ids, n) for name, ids in group.items()}))

    for c in range(0, n, DOC_CHUNK):
        chunk = views[c:c + DOC_CHUNK]
        key = keys.doc_chunk_key(c, [v.page_key for v in chunk])
        w.page(f"search/d/{c // DOC_CHUNK}.js", key,
               lambda chunk=chunk, c=c: docs_js(c, chunk, kwslug))

    body = meta_js(n, names)
    w.page("search/meta.js", sha1(body.encode()).hexdigest(), lambda: body)


def docs_js(start: int, chunk: list[Mod], kwslug: dict[str, str]) -> str:
    """search/d/N.js: the card data of the modules numbered from ``start``."""
    return _js("docs", str(start // DOC_CHUNK), [doc(v, kwslug) for v in chunk])


def doc(v: Mod, kwslug: dict[str, str]) -> list[Any]:
    """One search result: just what a card shows."""
    title, summary, status, build_status = v.doc
    kws = [[k, kwslug[k.lower()]] for k in v.keywords[:8]]
    return [v.slug, title, summary, kws, v.flags, status, (v.created or "")[:10], v.license,
            build_status]


