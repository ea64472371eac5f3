"""Delta builds: when some modules changed in place, work out only the pages they are on.

Why: a full pass over the site (grouping every keyword, hashing every listing page and
facet) grows with the catalog, while a metadata edit or a new build record changes a
handful of pages. When no module was added, removed or moved, and no changed module
changed its keywords, license or type/image flags, every other page keeps its input hash.
From the layout the last build left in its state (names, page keys and dates in site
order, each keyword's modules, the facets), this module computes the new hashes of the
pages a changed module is on: its own page, one home page, its keyword pages, one chunk
of search results, the term shards it gains or loses terms in, the feed, and the copies
of the inputs. The resulting site is the one a full build would make (the tests compare
them byte for byte); any other change returns None and the caller makes a full build.
"""

from __future__ import annotations

from deepoc.hashing import sha1
from deepoc.site import keys, layout, pages, search
from deepoc.site.inputs import finder
from deepoc.site.model import PAGE_SIZE, Mod

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from deepoc.site.cache import ModuleCache
    from deepoc.site.inputs import Inputs, Module

MAX_SHARE = 0.05  # more modules changed than this share: the full build is about as quick


class Plan:
    """The pages whose input hash changed (None: gone) and their renderers, and the state
    for the next build."""

    def __init__(self, changes: dict[str, str | None],
                 renders: dict[str, Callable[[], str | bytes]],
                 order: list[str], shape: dict[str, Any], mods: dict[str, Mod]) -> None:
        self.changes, self.renders, self.order, self.shape = changes, renders, order, shape
        self.mods = mods  # module data this build made or completed, by content key


def _changed(names: list[str], order: list[str], inp: Inputs
             ) -> list[tuple[int, Module]] | None:
    """The modules whose content key changed, by their number in site order; None when a
    module was added, removed or renamed."""
    n = len(names)
    changed: list[tuple[int, Module]] = []
    touched = inp.touched
    if touched is not None:  # changed in place: only these can differ
        if len(inp.index["keys"]) != n:
            return None
        at = finder(names, len(touched))
        for m in touched:
            i = at(m.name)
            if i is None:  # a state that does not match the inputs
                return None
            if order[i] != m.key:
                changed.append((i, m))
        return changed
    modules = inp.modules
    if len(modules) != n:
        return None
    at = {name: i for i, name in enumerate(names)}
    for m in modules:
        i = at.get(m.name)
        if i is None:
            return None
        if order[i] != m.key:
            changed.append((i, m))
    return changed if len({m.name for m in modules}) == n else None


def plan(state: dict[str, Any], inp: Inputs, cache: ModuleCache,
         live: str, live_pages: dict[str, str], site_title: str, base_url: str | None,
         generated: str, copies: dict[str, tuple[bytes, str]]) -> Plan | None:
    """The delta build of the modules of ``inp`` over the live site, or None when it needs
    a full one."""
    shape, order = state.get("layout"), state.get("order")
    if not isinstance(shape, dict) or not isinstance(order, list) or not live_pages:
        return None
    names: list[str] = shape["names"]
    n = len(names)
    if len(order) != n:
        return None
    changed = _changed(names, order, inp)
    if changed is None or len(changed) > max(1, int(n * MAX_SHARE)):
        return None

    made: dict[str, Mod] = {}
    new_order, page_keys = list(order), list(shape["page_keys"])
    dates, slugs = list(shape["dates"]), shape["slugs"]
    terms = []
    old_dates: dict[int, str] = {}
    old_cards: dict[int, str] = {}  # the cards the live listings show for changed modules
    for i, m in changed:
        before = cache.get(order[i])
        if before is None:
            return None
        old = Mod.from_cache(order[i], before, None)
        new = _mod(m.key, m.load, cache, made)
        if (new.slug, new.name, new.created, new.keywords, new.flags, new.license) != (
                old.slug, old.name, old.created, old.keywords, old.flags, old.license):
            return None  # it moves, or changes a keyword, facet or the sitemap
        old_cards[i] = old.card if old.card_slugs == slugs[i] else ""
        if new.card_slugs != slugs[i]:
            new.card = ""
            new.card_slugs = slugs[i]
        new.page_key = keys.module_page_key(m.key, slugs[i])
        new_order[i], page_keys[i] = m.key, new.page_key
        old_dates[i], dates[i] = dates[i], new.updated or new.created or ""
        terms.append((i, old.tokens, new.tokens))
    patch = search.patch_terms(terms, n, live, live_pages)
    if patch is None:
        return None

    def mod(i: int) -> Mod:
        name = names[i]
        v = _mod(new_order[i], lambda: inp.named(name).load(), cache, made)
        if v.card_slugs != slugs[i]:  # as the full build does
            v.card = ""
            v.card_slugs = slugs[i]
        v.page_key = page_keys[i]
        return v

    kwslug: dict[str, str] = shape["kwslug"]
    site = pages.Site(site_title, generated, base_url, kwslug)
    card = layout.Cards(kwslug, set())
    changes: dict[str, str | None] = {}
    renders: dict[str, Callable[[], str | bytes]] = {}

    def put(rel: str, key: str, render: Callable[[], str | bytes]) -> None:
        if changes.get(rel, live_pages.get(rel)) != key:
            changes[rel] = key
            renders[rel] = render

    def drop(rel: str) -> None:
        if rel in live_pages:
            changes[rel] = None

    def listing(rel: str, root: str, members: Any, full: Callable[[], str]) -> Callable[[], str]:
        """Page ``rel`` of a listing: the live page with the changed modules' cards swapped
        (a read and a replace, where rendering it loads every card on it), else ``full``."""
        def render() -> str:
            swaps = [(old_cards[j], card(mod(j))) for j in members if j in old_cards]
            try:
                with open(f"{live}/{rel}", encoding="utf-8", newline="") as fh:
                    html = fh.read()
            except (OSError, UnicodeDecodeError):
                return full()
            patched = pages.swap_cards(html, swaps, root)
            return full() if patched is None else patched
        return render

    for i, _m in changed:
        v = mod(i)
        put(layout.module_rel(v.slug), v.page_key, lambda v=v: layout.module_page(site, v))
        hn = i // PAGE_SIZE + 1
        members = range((hn - 1) * PAGE_SIZE, min(hn * PAGE_SIZE, n))
        rel = layout.home_rel(hn)
        put(rel, layout.home_key(n, hn, shape["facets_key"], [page_keys[j] for j in members]),
            listing(rel, layout.home_root(hn), members,
                    lambda members=members, hn=hn: layout.home_page(
                        site, [card(mod(j)) for j in members], hn, n, shape["facets"])))
        for kw in v.keywords:
            slug = kwslug[kw.lower()]
            label, ids = shape["keywords"][slug]
            total = len(ids)
            kn = ids.index(i) // PAGE_SIZE + 1  # ids: the keyword's modules, sorted
            members = layout.chunk(ids, kn)
            rel = layout.keyword_rel(slug, kn)
            put(rel, layout.keyword_key(label, slug, total, kn, [page_keys[j] for j in members]),
                listing(rel, pages.KEYWORD_ROOT, members,
                        lambda members=members, kn=kn, label=label, slug=slug, total=total:
                        layout.keyword_page(site, label, slug, total,
                                            [card(mod(j)) for j in members], kn)))
        start = i - i % search.DOC_CHUNK
        members = range(start, min(start + search.DOC_CHUNK, n))
        put(f"search/d/{start // search.DOC_CHUNK}.js",
            keys.doc_chunk_key(start, [page_keys[j] for j in members]),
            lambda members=members, start=start: search.docs_js(
                start, [mod(j) for j in members], kwslug))
    before = shape.get("recent")
    newest = layout.recent(dates, names) if not isinstance(before, list) else \
        layout.recent_after(before, dates, names, old_dates)
    put("feed.xml", *layout.feed(site, mod, newest, dates, page_keys))
    bodies, shards = search.patched_shards(patch, live_pages)
    for name in patch:
        rel = f"search/t/{name}.js"
        if name in bodies:
            put(rel, sha1(bodies[name].encode()).hexdigest(), lambda b=bodies[name]: b)
        else:
            drop(rel)
    if shards is not None:  # else the same shards as the live site's, and the same count
        meta = search.meta_js(n, shards)
        put("search/meta.js", sha1(meta.encode()).hexdigest(), lambda: meta)
    for rel in ("catalog.json", "builds.json"):
        if rel in copies:
            raw, key = copies[rel]
            put(rel, key, lambda raw=raw: raw)
        else:
            drop(rel)
    return Plan(changes, renders, new_order, {**shape, "page_keys": page_keys,
                                                  "dates": dates, "recent": newest}, made)


def _mod(key: str, load: Callable[[], Any], cache: ModuleCache, made: dict[str, Mod]) -> Mod:
    """Module data by content key: made this build, else cached, else from its inputs
    (``load`` parses them, only if needed)."""
    mod = made.get(key)
    if mod is None:
        data = cache.get(key)
        if data is not None:
            mod = Mod.from_cache(key, data, load)
        else:
            mod = layout.new_mod(key, load)
        made[key] = mod
    return mod
