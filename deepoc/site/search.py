"""The search index: small shards of which a browser loads a few per query.

Why sharded: a query must download a bounded part of the index at any catalog size. Why
JavaScript files (``DeepOC.<kind>(key, data)`` loaded through ``<script>`` tags) and not
JSON: browsers block ``fetch()`` of local files, and the site must work from ``file://``.
Files: ``meta.js``; term shards by the first letters of a term; facet postings (``f/home.js``
for every value the home page's filters list, so their counts can follow a query in one
request, and ``f/<kind>-<xx>.js`` for all values of a kind by the first two letters of their
slug); the card data of a few modules per chunk. ``static/site.js`` reads them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

from deepoc.site.facets import FLAGS, KINDS, Value
from deepoc.site.modules import ListedModule

DOC_CHUNK = 8  # cards per search/d/N.js
FLAG_BITS = {"trainable": 1, "inference": 2, "pretrained": 4, "cpu": 8, "gpu": 16}
STOPWORDS = frozenset(
    "a an and are as at be by for from has in is it its of on or that the this to was with "
    "will can using use used via into".split()
)


def tokens(m: ListedModule) -> set[str]:
    """Search terms of a module: words of its name, title, summary, description and of
    every facet value (libraries, tasks, categories, data types, tags)."""
    text = " ".join([m.name.replace("_", " "), m.title, m.summary, m.description_text,
                     " ".join(m.all_values)]).lower()
    return {t for t in re.findall(r"[^\W_]+", text) if t not in STOPWORDS and len(t) <= 40}


def _js(callback: str, key: str, data: Any) -> str:
    """A shard. ``<`` and ``>`` are escaped so no shard can ever close a script element."""
    body = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    body = body.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"DeepOC.{callback}({json.dumps(key)},{body});\n"


def prefix_length(n: int) -> int:
    """Letters that pick a term's shard: 1 (36-odd files) for small catalogs, 2 from 300
    modules on, so a shard stays a small slice of the index at every size."""
    return 1 if n < 300 else 2


def shard_name(term: str, plen: int = 2) -> str:
    """File name of the shard holding ``term``: its first ``plen`` characters (in hex when
    they are not all a-z0-9)."""
    prefix = term[:plen]
    if re.fullmatch(r"[a-z0-9]*", prefix):
        return prefix
    return "u" + "-".join(f"{ord(c):x}" for c in prefix)


HOME = "home"  # the facet file of the values the home page lists


def facet_file(kind: str, slug: str) -> str:
    """The file holding every value of ``kind`` whose slug starts as ``slug`` does (its
    first two letters): a value's postings load without loading the others'."""
    return f"{kind}-{slug[:2]}"


def postings(ids: list[int], n: int) -> list[int] | str:
    """Sorted module numbers, in the smaller of two encodings: a list of gaps (rare terms)
    or a base64 bitmap of all ``n`` modules (terms most modules share), so no posting list
    costs more than n/6 bytes whatever the catalog size."""
    nbytes = -(-n // 8)
    bitmap_size = 4 * -(-nbytes // 3)
    if len(ids) * (len(str(max(1, n // max(1, len(ids))))) + 1) < bitmap_size:
        return [b - a for a, b in zip([0, *ids], ids, strict=False)]
    bits = bytearray(nbytes)
    for i in ids:
        bits[i >> 3] |= 1 << (i & 7)
    return base64.b64encode(bytes(bits)).decode("ascii")


def decode_postings(value: list[int] | str) -> list[int]:
    """The inverse of :func:`postings` (for tests and the benchmark; site.js does the same)."""
    if isinstance(value, str):
        bits = base64.b64decode(value)
        return [j * 8 + k for j, byte in enumerate(bits) for k in range(8) if byte >> k & 1]
    out, acc = [], 0
    for gap in value:
        acc += gap
        out.append(acc)
    return out


def flags(m: ListedModule) -> int:
    return sum(bit for name, bit in FLAG_BITS.items() if getattr(m, name))


def doc(m: ListedModule, summary: str, slugs: dict[str, dict[str, str]]) -> list[Any]:
    """One search result: just what a card shows (site.js builds the card from it). Its
    chips are [label, kind, slug], kind a facet key (library, task, tag)."""
    chips = [[v, k, slugs[k][v.lower()]] for k, v in m.card_values]
    return [m.slug, m.title, summary, chips, flags(m), m.status, (m.created or "")[:10],
            m.license, m.build_status]


def search_files(modules: list[ListedModule], values: dict[str, list[Value]],
                 licenses: list[Value], listed: dict[str, list[str]], summaries: list[str],
                 page_size: int) -> Iterator[tuple[str, str]]:
    """(path, text) of every file of the index. ``modules`` are in site order (their
    numbers), ``values`` the facet values by kind, ``licenses`` the license values,
    ``listed`` the value slugs each home page fieldset shows (by key), ``summaries`` the
    card summaries shown for them."""
    n = len(modules)
    plen = prefix_length(n)
    terms: dict[str, list[int]] = {}
    for i, m in enumerate(modules):
        for t in tokens(m):
            terms.setdefault(t, []).append(i)
    shards: dict[str, dict[str, Any]] = {}
    for t in sorted(terms):
        shards.setdefault(shard_name(t, plen), {})[t] = postings(terms[t], n)
    for name, data in shards.items():
        yield f"search/t/{name}.js", _js("terms", name, data)

    rank = {m.slug: i for i, m in enumerate(modules)}
    # every value: (key, slug) -> [label, postings]; a file per kind and slug prefix
    entries: dict[tuple[str, str], list[Any]] = {}
    files: dict[str, dict[str, list[Any]]] = {}
    for key, vs in [*((k.key, values.get(k.key, [])) for k in KINDS), ("license", licenses)]:
        for v in vs:
            entry = [v.label, postings(sorted(rank[m.slug] for m in v.modules), n)]
            entries[key, v.slug] = entry
            files.setdefault(facet_file(key, v.slug), {})[f"{key}-{v.slug}"] = entry
    for key, _legend, flag_values in FLAGS:
        for flag, label in flag_values:
            entries[key, flag] = [label, postings(
                [i for i, m in enumerate(modules) if getattr(m, flag)], n)]
    files[HOME] = {f"{key}-{slug}": entries[key, slug]
                   for key, slugs in listed.items() for slug in slugs}
    for fname, group in files.items():
        yield f"search/f/{fname}.js", _js("facet", fname, group)

    slugs = {kind: {v.label.lower(): v.slug for v in vs} for kind, vs in values.items()}
    for c in range(0, n, DOC_CHUNK):
        chunk = [doc(m, s, slugs) for m, s in zip(modules[c:c + DOC_CHUNK],
                                                  summaries[c:c + DOC_CHUNK], strict=True)]
        yield f"search/d/{c // DOC_CHUNK}.js", _js("docs", str(c // DOC_CHUNK), chunk)

    yield "search/meta.js", _js("meta", "meta", {
        "n": n, "chunk": DOC_CHUNK, "page": page_size, "plen": plen,
        # site.js loads only files named here: nothing from the URL reaches a file name
        "shards": sorted(shards), "facets": sorted(files)})
