"""Every page of the marketplace: the view data each template gets, and where it goes.

The markup lives in ``templates/`` (Jinja2, autoescape on for HTML and XML). Python only
decides which modules a page shows and the relative path to the site root, so that every
link works from ``file://`` and any static host.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from deepoc import __version__
from deepoc.site.modules import Keyword, ListedModule, slugify
from deepoc.textsafe import neutralise

PAGE_SIZE = 24  # cards per listing page and per page of search results
FEED_SIZE = 50
TOP_FACETS = 60  # options in the home page's keyword and license selects


def csp(remote_images: bool) -> str:
    """No inline scripts, styles or handlers run even if escaping failed somewhere."""
    images = "'self' https:" if remote_images else "'self'"
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; "
            "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")


@dataclass
class Site:
    """What every page shares. ``base_url`` ends with "/" or is None; ``kwslug`` maps each
    lower-cased keyword to its page's slug."""

    title: str
    generated: str
    base_url: str | None
    csp: str
    kwslug: dict[str, str] = field(default_factory=dict)


def truncate(text: str, length: int = 240) -> str:
    """A card's summary (whole words, "..." at the end); search results show the same."""
    if len(text) <= length + 5:
        return text
    return text[:length - 3].rsplit(" ", 1)[0] + "..."


def day(value: str | None) -> str:
    """The date part of an ISO time, or "unknown"."""
    return (value or "")[:10] or "unknown"


def pager(page: int, pages: int, href: Callable[[int], str]) -> dict[str, Any]:
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


def environment() -> Environment:
    """The template environment: autoescape on for HTML and XML, undefined names fail."""
    env = Environment(loader=PackageLoader("deepoc.site", "templates"),
                      autoescape=select_autoescape(["html", "xml", "xml.j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)
    env.filters["day"] = day
    env.filters["card_summary"] = truncate
    env.globals["current_template"] = __version__  # module pages: "template x (current y)"
    return env


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def chunks(items: list[Any]) -> Iterator[tuple[int, list[Any]]]:
    """The pages of a listing, numbered from 1 (an empty listing still has page 1)."""
    for n in range(1, page_count(len(items)) + 1):
        yield n, items[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]


def home_path(n: int) -> str:
    return "index.html" if n == 1 else f"pages/{n}.html"


def keyword_path(slug: str, n: int) -> str:
    return f"keywords/{slug}.html" if n == 1 else f"keywords/{slug}.p{n}.html"


def facets(modules: list[ListedModule], keywords: list[Keyword]) -> dict[str, list[Any]]:
    """The options of the home page's keyword and license selects: (label, slug, count)."""
    top = sorted(keywords, key=lambda k: (-len(k.modules), k.label.lower()))[:TOP_FACETS]
    licenses = Counter(m.license for m in modules).most_common(TOP_FACETS)
    return {"keywords": [(k.label, k.slug, len(k.modules)) for k in top],
            "licenses": [(lic, slugify(lic), n) for lic, n in licenses]}


def site_pages(site: Site, modules: list[ListedModule],
               keywords: list[Keyword]) -> Iterator[tuple[str, str]]:
    """(path, text) of every page; ``modules`` are newest first."""
    env = environment()
    macros = env.get_template("macros.html").make_module({"site": site})
    # A module's card is on its home page and on each of its keywords' pages, all of them
    # (but the first home page) one folder below the root: made once per build.
    below: dict[str, str] = {}

    def cards(shown: list[ListedModule], root: str) -> list[str]:
        if root != "../":
            return [macros.card(m, root) for m in shown]
        return [below.get(m.slug) or below.setdefault(m.slug, macros.card(m, root))
                for m in shown]

    def render(name: str, root: str, canonical: str | None, **data: Any) -> str:
        return env.get_template(name).render(site=site, root=root, canonical=canonical,
                                             **data)

    def canonical(path: str) -> str | None:
        return site.base_url + path if site.base_url else None

    options = facets(modules, keywords)
    for n, shown in chunks(modules):
        root = "" if n == 1 else "../"
        p = pager(n, page_count(len(modules)), lambda k, root=root: root + home_path(k))
        yield home_path(n), render("home.html", root, canonical(home_path(n)), p=p,
                                   cards=cards(shown, root), total=len(modules),
                                   facets=options)
    for m in modules:
        path = f"modules/{m.slug}.html"
        yield path, render("module.html", "../", canonical(path), m=m)
    for k in keywords:
        count = page_count(len(k.modules))
        for n, shown in chunks(k.modules):
            p = pager(n, count, lambda i, k=k: "../" + keyword_path(k.slug, i))
            yield keyword_path(k.slug, n), render(
                "keyword.html", "../", canonical(keyword_path(k.slug, n)), p=p, keyword=k,
                cards=cards(shown, "../"))
    yield "keywords/index.html", render("keywords.html", "../",
                                        canonical("keywords/index.html"), keywords=keywords)
    # served for any missing path, so its links start at the site root
    yield "404.html", render("404.html", site.base_url or "/", None)

    recent = sorted(modules, key=lambda m: (m.newest_date, m.name), reverse=True)[:FEED_SIZE]
    updated = max((m.newest_date for m in recent), default="") or site.generated
    feed = env.get_template("feed.xml.j2").render(site=site, modules=recent, updated=updated)
    # the view data is already neutralised; this keeps the XML well-formed whatever the
    # templates add (XML 1.0 cannot hold most control characters, not even escaped)
    yield "feed.xml", neutralise(feed)
    urls = ["index.html", "keywords/index.html", *(f"modules/{m.slug}.html" for m in modules),
            *(f"keywords/{k.slug}.html" for k in keywords)]
    yield "sitemap.xml", neutralise(env.get_template("sitemap.xml.j2").render(site=site,
                                                                              urls=urls))
