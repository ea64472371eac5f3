"""Where each page made from modules lives, its input hash and how it is rendered: module
pages, the home and keyword listings, the feed. One place for each rule, used by full
builds and delta builds alike."""

from __future__ import annotations

from deepoc.site import keys, model, pages
from deepoc.site.model import PAGE_SIZE, Mod

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

FEED_SIZE = 50


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def home_rel(n: int) -> str:
    return "index.html" if n == 1 else f"pages/{n}.html"


def home_root(n: int) -> str:
    return "" if n == 1 else "../"


def keyword_rel(slug: str, n: int) -> str:
    return f"keywords/{slug}.html" if n == 1 else f"keywords/{slug}.p{n}.html"


def canonical(site: pages.Site, rel: str) -> str | None:
    return site.base_url + rel if site.base_url else None


def home_key(total: int, n: int, facets_key: str, page_keys: list[str]) -> str:
    """Every home page shows the facets in its search form: their hash is in every key."""
    return keys.listing_key(("home", total), n, page_count(total), facets_key, page_keys)


def keyword_key(label: str, slug: str, total: int, n: int, page_keys: list[str]) -> str:
    return keys.listing_key(("kw", label, slug, total), n, page_count(total), "", page_keys)


class Cards:
    """Each module's card, rendered once and kept in the module cache (``dirty`` collects
    the modules whose cached data changed)."""

    def __init__(self, kwslug: dict[str, str], dirty: set[str]) -> None:
        self.kwslug, self.dirty = kwslug, dirty

    def __call__(self, v: Mod) -> str:
        if not v.card:
            v.card = pages.card(v.view, self.kwslug)
            self.dirty.add(v.key)
        return v.card


def home_page(site: pages.Site, cards: list[str], n: int, total: int,
              facets: dict[str, Any]) -> str:
    root = home_root(n)
    return pages.home(site, cards=cards, root=root, total=total, facets=facets, first=n == 1,
                      pager=pages.pager(n, page_count(total), lambda k: root + home_rel(k)),
                      canonical=canonical(site, home_rel(n)))


def keyword_page(site: pages.Site, label: str, slug: str, total: int, cards: list[str],
                 n: int) -> str:
    return pages.keyword(site, label=label, slug=slug, count=total, cards=cards,
                         pager=pages.pager(n, page_count(total),
                                           lambda k: pages.KEYWORD_ROOT + keyword_rel(slug, k)),
                         canonical=canonical(site, keyword_rel(slug, n)))


def chunk(items: list[Any], n: int) -> list[Any]:
    """The items on page ``n`` of a listing."""
    return items[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]


def module_rel(slug: str) -> str:
    return f"modules/{slug}.html"


def module_page(site: pages.Site, v: Mod) -> str:
    return pages.module(site, v.view, root="../",
                        canonical=canonical(site, module_rel(v.slug)))


def recent(dates: list[str], names: list[str]) -> list[int]:
    """The feed's modules (site numbers), the most recently updated first; ``dates`` holds
    each module's updated (else created) date."""
    import heapq  # full builds, mostly (see recent_after): heapq is 1 ms of imports

    newest = heapq.nlargest(FEED_SIZE, zip(dates, names, range(len(names)), strict=True))
    return [i for _date, _name, i in newest]


def recent_after(before: list[int], dates: list[str], names: list[str],
                 old_dates: dict[int, str]) -> list[int]:
    """:func:`recent` after the modules in ``old_dates`` (number: previous date) changed
    date, from its previous result ``before``; the same list without a pass over every
    module when none of ``before`` went back in time (then no other module can enter)."""
    if any(dates[i] < old for i, old in old_dates.items() if i in before):
        return recent(dates, names)
    return sorted({*before, *old_dates}, key=lambda i: (dates[i], names[i], i),
                  reverse=True)[:FEED_SIZE]


def feed(site: pages.Site, mod: Callable[[int], Mod], newest: list[int], dates: list[str],
         page_keys: list[str]) -> tuple[str, Callable[[], str]]:
    """feed.xml's input hash and renderer; ``mod(i)`` gives module number i (only called
    when the feed is rendered)."""
    feed_updated = max((dates[i] for i in newest), default="") or site.generated

    def render() -> str:
        entries = []
        for i in newest:
            v = mod(i)
            entries.append(pages.FeedEntry(v.doc[0], v.slug, v.doc[1], v.keywords, v.created,
                                           v.updated))
        return pages.feed(site, feed_updated=feed_updated, entries=entries)

    return keys.key("feed", feed_updated, *(page_keys[i] for i in newest)), render


def new_mod(key: str, load: Callable[[], tuple[dict[str, Any], list[dict[str, Any]]]]) -> Mod:
    """A module's data made from its inputs (not from the cache): its card summary is
    shortened by the cards' own rule."""
    view = model.module_view(*load())
    return Mod.from_view(key, view, pages.truncate(view.summary), load)
