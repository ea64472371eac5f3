"""Every page of the marketplace: the view data each template gets, and where it goes.

The markup lives in ``templates/`` (Jinja2, autoescape on for HTML and XML). Python only
decides which modules a page shows and the relative path to the site root, so that every
link works from ``file://`` and any static host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from deepoc import __version__
from deepoc.site import facets as taxonomy
from deepoc.site.facets import FLAGS, KINDS, Value
from deepoc.site.modules import ListedModule
from deepoc.site.slugs import unique_slug
from deepoc.textsafe import neutralise

PAGE_SIZE = 24  # cards per listing page and per page of search results
FEED_SIZE = 50
TOP_VALUES = 12  # values a home page fieldset lists (the most used); the rest: its index
TOP_LICENSES = 30  # licenses have no pages: the License fieldset lists more


def csp(remote_images: bool) -> str:
    """No inline scripts, styles or handlers run even if escaping failed somewhere."""
    images = "'self' https:" if remote_images else "'self'"
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; "
            "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")


@dataclass
class Site:
    """What every page shares. ``base_url`` ends with "/" or is None; ``slugs`` maps each
    facet kind, then each lower-cased value, to the value's page slug; ``nav`` lists the
    kinds that have values (key, plural label) for the header."""

    title: str
    generated: str
    base_url: str | None
    csp: str
    slugs: dict[str, dict[str, str]] = field(default_factory=dict)
    nav: list[tuple[str, str]] = field(default_factory=list)


def make_site(title: str, generated: str, base_url: str | None, policy: str,
              values: dict[str, list[Value]]) -> Site:
    """The shared view data of a build, from its facet values (:func:`site_values`)."""
    return Site(title, generated, base_url, policy,
                {k: {v.label.lower(): v.slug for v in vs} for k, vs in values.items()},
                [(k.key, k.many) for k in KINDS if values.get(k.key)])


def site_values(modules: list[ListedModule]) -> dict[str, list[Value]]:
    """Every facet value of the site, by kind, each with its modules (newest first)."""
    return {k.key: taxonomy.group(modules, k.key) for k in KINDS}


def license_values(modules: list[ListedModule]) -> list[Value]:
    """The licenses shown (cards' text) as values with slugs, like a facet's."""
    groups: dict[str, list[ListedModule]] = {}
    for m in modules:
        groups.setdefault(m.license, []).append(m)
    taken: set[str] = set()
    out = [Value("license", lic, unique_slug(lic, taken), groups[lic]) for lic in sorted(groups)]
    return out


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
    env.globals["kinds"] = KINDS
    return env


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def chunks(items: list[Any]) -> Iterator[tuple[int, list[Any]]]:
    """The pages of a listing, numbered from 1 (an empty listing still has page 1)."""
    for n in range(1, page_count(len(items)) + 1):
        yield n, items[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]


def home_path(n: int) -> str:
    return "index.html" if n == 1 else f"pages/{n}.html"


def value_path(kind: str, slug: str, n: int = 1) -> str:
    """A facet value's page: ``library/pytorch.html``, then ``library/pytorch.p2.html``."""
    return f"{kind}/{slug}.html" if n == 1 else f"{kind}/{slug}.p{n}.html"


@dataclass
class Fieldset:
    """One filter of the home page: ``options`` are (value slug, label, count); ``index``
    links to the list of all values when the fieldset does not show them all."""

    key: str
    legend: str
    options: list[tuple[str, str, int]]
    total: int
    index: str | None = None
    many: str = ""


def fieldsets(modules: list[ListedModule], values: dict[str, list[Value]],
              licenses: list[Value]) -> list[Fieldset]:
    """The home page's filters, in display order: the five facets (the most used values
    each), then type, image and license. A facet no module uses has no fieldset. Their
    size depends on the number of values listed, never on the number of modules."""
    out = []
    for k in KINDS:
        vs = values.get(k.key) or []
        if vs:
            shown = taxonomy.top(vs, TOP_VALUES)
            out.append(Fieldset(k.key, k.label, [(v.slug, v.label, v.count) for v in shown],
                                len(vs), f"{k.key}/index.html" if len(vs) > len(shown)
                                else None, k.many.lower()))
    for key, legend, flags in FLAGS:
        out.append(Fieldset(key, legend, [(value, label, sum(getattr(m, value) for m in modules))
                                          for value, label in flags], len(flags)))
    if licenses:
        shown = taxonomy.top(licenses, TOP_LICENSES)
        out.append(Fieldset("license", "License", [(v.slug, v.label, v.count) for v in shown],
                            len(licenses)))
    return out


def site_pages(site: Site, modules: list[ListedModule], values: dict[str, list[Value]],
               filters: list[Fieldset]) -> Iterator[tuple[str, str]]:
    """(path, text) of every page; ``modules`` are newest first, ``values`` as
    :func:`site_values` gives them, ``filters`` as :func:`fieldsets`."""
    env = environment()
    macros = env.get_template("macros.html").make_module({"site": site})
    # A module's card is on its home page and on each of its values' pages, all of them
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

    for n, shown in chunks(modules):
        root = "" if n == 1 else "../"
        p = pager(n, page_count(len(modules)), lambda k, root=root: root + home_path(k))
        yield home_path(n), render("home.html", root, canonical(home_path(n)), p=p,
                                   cards=cards(shown, root), total=len(modules),
                                   fieldsets=filters)
    for m in modules:
        path = f"modules/{m.slug}.html"
        yield path, render("module.html", "../", canonical(path), m=m)
    for kind in KINDS:
        for v in values.get(kind.key, []):
            count = page_count(v.count)
            for n, shown in chunks(v.modules):
                p = pager(n, count, lambda i, v=v: "../" + value_path(v.kind, v.slug, i))
                path = value_path(v.kind, v.slug, n)
                yield path, render("value.html", "../", canonical(path), p=p, kind=kind,
                                   value=v, cards=cards(shown, "../"))
        path = f"{kind.key}/index.html"
        yield path, render("values.html", "../", canonical(path), kind=kind,
                           values=values.get(kind.key, []))
    # served for any missing path, so its links start at the site root
    yield "404.html", render("404.html", site.base_url or "/", None)

    recent = sorted(modules, key=lambda m: (m.newest_date, m.name), reverse=True)[:FEED_SIZE]
    updated = max((m.newest_date for m in recent), default="") or site.generated
    feed = env.get_template("feed.xml.j2").render(site=site, modules=recent, updated=updated)
    # the view data is already neutralised; this keeps the XML well-formed whatever the
    # templates add (XML 1.0 cannot hold most control characters, not even escaped)
    yield "feed.xml", neutralise(feed)
    urls = ["index.html", *(f"{k.key}/index.html" for k in KINDS if values.get(k.key)),
            *(f"modules/{m.slug}.html" for m in modules),
            *(value_path(v.kind, v.slug) for k in KINDS for v in values.get(k.key, []))]
    yield "sitemap.xml", neutralise(env.get_template("sitemap.xml.j2").render(site=site,
                                                                              urls=urls))
