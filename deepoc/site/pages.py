"""Every page of the marketplace as a plain Python function (HTML and the Atom/sitemap XML).

Why not templates: importing Jinja costs about 50 ms per process, more than a one-module
incremental rebuild may take in all; these functions need only ``re`` and ``collections``,
which every build has imported anyway.

Safety rules, kept by construction:
- every value from the catalog or the build records goes through :func:`esc` exactly once,
  in text and in attributes (always double-quoted);
- only ``Link.is_link`` values (http(s) URLs) become ``href``; the others are plain text;
- no inline scripts, styles or event handlers (the CSP forbids them anyway).

A card is made once per module and cached between builds: where a link starts at the site
root it holds :data:`ROOT` instead, which each listing page replaces by its own root.
"""

from __future__ import annotations

from deepoc.site.record import Record
from deepoc.site.text import xml_clean

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from deepoc.site.model import ModuleView

KEYWORD_ROOT = "../"  # keyword pages live in keywords/
ROOT = "\x00"  # in a cached card, stands for the page's relative path to the site root

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")


class Site(Record):
    """What every page shares: the site title, the build time (ISO, UTC), the base URL
    (ending with "/", or None) and the slug of each lower-cased keyword."""

    __slots__ = ("title", "generated", "base_url", "kwslug")

    def __init__(self, title: str, generated: str, base_url: str | None,
                 kwslug: dict[str, str]) -> None:
        self.title, self.generated, self.base_url, self.kwslug = \
            title, generated, base_url, kwslug


class FeedEntry(Record):
    """One module in the Atom feed (what the feed needs, without the full view)."""

    __slots__ = ("title", "slug", "summary", "keywords", "created", "updated")

    def __init__(self, title: str, slug: str, summary: str, keywords: list[str],
                 created: str | None, updated: str | None) -> None:
        self.title, self.slug, self.summary, self.keywords = title, slug, summary, keywords
        self.created, self.updated = created, updated


def esc(value: object) -> str:
    """HTML/XML-escape ``& < > " '`` (as Jinja's autoescape did), for text and attribute
    values alike. NUL is dropped: it is the :data:`ROOT` marker of cached cards, so text
    from the catalog can never pose as one."""
    if value is None:
        return ""
    s = value if type(value) is str else str(value)
    if "\x00" in s:
        s = s.replace("\x00", "")
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def truncate(text: str, length: int = 240) -> str:
    """Jinja's ``truncate`` (leeway 5, whole words, "..." at the end): one rule for card
    summaries and search documents, so both show the same text."""
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


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def _layout(site: Site, title: str, root: str, canonical: str | None, main: str) -> str:
    """The skeleton of every HTML page. ``title`` and ``main`` are HTML already; ``root``
    (the relative path to the site root, or the base URL on the 404 page) is not."""
    r = esc(root)
    name = esc(site.title)
    canon = f'<link rel="canonical" href="{esc(canonical)}">\n' if canonical else ""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="strict-origin-when-cross-origin">\n'
        f"<title>{title} · {name}</title>\n"
        f"{canon}"
        f'<link rel="icon" href="{r}assets/favicon.svg" type="image/svg+xml">\n'
        f'<link rel="stylesheet" href="{r}assets/site.css">\n'
        f'<link rel="alternate" type="application/atom+xml" href="{r}feed.xml" '
        'title="New and updated modules">\n'
        f'<script src="{r}assets/site.js" defer></script>\n'
        f'</head>\n<body data-root="{r}">\n'
        '<a class="skip" href="#main">Skip to content</a>\n'
        '<header class="top">\n<div class="wrap">\n'
        f'<a class="brand" href="{r}index.html">{name}</a>\n'
        '<nav aria-label="Site">\n'
        f'<a href="{r}index.html">Modules</a>\n'
        f'<a href="{r}keywords/index.html">Keywords</a>\n'
        f'<a href="{r}feed.xml">Feed</a>\n'
        f'<a href="{r}catalog.json">catalog.json</a>\n'
        '</nav>\n</div>\n</header>\n'
        f'<main id="main" class="wrap">\n{main}</main>\n'
        '<footer class="wrap foot">\n'
        f"Made by deep-oc from the catalog's <a href=\"{r}catalog.json\">catalog.json</a>.\n"
        "Every module page says where its metadata and images come from.\n"
        "</footer>\n</body>\n</html>\n"
    )


def _badges(m: ModuleView) -> str:
    """The module's badges (what it can do, its images, its build, a metadata problem)."""
    cpu, gpu = m.cpu, m.gpu
    build = esc(m.build_status)
    return (
        '<p class="badges">\n'
        + ('<span class="badge b-train">trainable</span>' if m.trainable else "")
        + ('<span class="badge b-infer">inference</span>' if m.inference else "")
        + ('<span class="badge b-pre">pre-trained</span>' if m.pretrained else "")
        + ('<span class="badge b-ok">CPU image</span>\n' if cpu
           else '<span class="badge b-off">CPU no image</span>\n')
        + ('<span class="badge b-ok">GPU image</span>\n' if gpu
           else '<span class="badge b-off">GPU no image</span>\n')
        + f'<span class="badge b-build-{build}">build: {build}</span>\n'
        + ("" if m.valid else f'<span class="badge b-warn">metadata {esc(m.status)}</span>')
        + "</p>\n"
    )


def _kw_items(keywords: list[str], kwslug: dict[str, str], root: str) -> str:
    """Keyword links as ``<li>`` items (``root`` is HTML: escaped, or the ROOT marker)."""
    return "".join(f'<li><a href="{root}keywords/{esc(kwslug[k.lower()])}.html">{esc(k)}</a>'
                   "</li>" for k in keywords)


def _pagination(p: dict[str, Any], label: str) -> str:
    """The pager of a listing (nothing when it has one page)."""
    if p["pages"] <= 1:
        return ""
    page = p["page"]
    out = [f'<nav class="pager" aria-label="{esc(label)}">\n']
    if p["first"]:
        out.append(f'<a href="{esc(p["first"])}" rel="first">« First</a> '
                   f'<a href="{esc(p["prev"])}" rel="prev">‹ Previous</a>')
    for n, href in p["window"]:
        out.append(f'<span aria-current="page">{n}</span>' if n == page
                   else f'<a href="{esc(href)}">{n}</a>')
    if p["next"]:
        out.append(f'<a href="{esc(p["next"])}" rel="next">Next ›</a> '
                   f'<a href="{esc(p["last"])}" rel="last">Last »</a>')
    out.append(f'\n<span class="of">page {page} of {p["pages"]}</span>\n</nav>\n')
    return "".join(out)


def _placed(cards: str, root: str) -> str:
    """Cached card HTML as it stands on a page whose root is ``root``."""
    return cards.replace(ROOT, esc(root))


def _cards(cards: list[str], root: str) -> str:
    return _placed("".join(cards), root)


def swap_cards(html: str, swaps: list[tuple[str, str]], root: str) -> str | None:
    """Listing page ``html`` (its root is ``root``) with cached cards swapped, each pair
    (old, new): what rendering the page again with the new cards would give, since a page
    is its cards placed verbatim between parts that do not depend on them. None unless
    each old card is on the page exactly once (then that one is the card's own place)."""
    for old, new in swaps:
        placed = _placed(old, root)
        if not old or html.count(placed) != 1:
            return None
        html = html.replace(placed, _placed(new, root))
    return html


def card(m: ModuleView, kwslug: dict[str, str]) -> str:
    """A module's card for the listings, with :data:`ROOT` where links start at the site
    root, so one cached card serves pages at every depth."""
    summary = f'<p class="summary">{esc(truncate(m.summary))}</p>\n' if m.summary else ""
    kws = (f'<ul class="kw" aria-label="Keywords">\n{_kw_items(m.keywords[:8], kwslug, ROOT)}\n'
           "</ul>\n") if m.keywords else ""
    return (
        f'<li class="card{"" if m.valid else " card-problem"}">\n'
        f'<h3><a href="{ROOT}modules/{esc(m.slug)}.html">{esc(m.title)}</a></h3>\n'
        f"{summary}{_badges(m)}{kws}"
        f'<p class="meta">Added {esc(day(m.created))} · License: {esc(m.license)}</p>\n'
        "</li>\n"
    )


_QUICK_START = """<section class="intro">
<h1>Machine-learning modules, ready to run</h1>
<p>The marketplace lists {total} module{s}: models packaged with the
DEEPaaS API in Docker images, each built and tagged by this catalog's pipeline. Pick one, pull its
image and open its API in your browser; train it on your data when it is trainable.</p>
<details class="quick">
<summary>Quick start</summary>
<ol>
<li>Find a module below (search and filters narrow the list) and open its page.</li>
<li>Copy its <code>docker run</code> line: <code>docker run -ti -p 5000:5000 IMAGE:TAG</code>
(add <code>--gpus all</code> with a GPU image; use <code>udocker</code> where Docker is not \
available).</li>
<li>Open <code>http://127.0.0.1:5000/ui</code> to try predictions or start a training.</li>
</ol>
</details>
</section>
"""

_SEARCH_FORM = """<form id="search" class="search" role="search" hidden>
<label class="q"><span>Search</span>
<input type="search" id="q" name="q" placeholder="Search titles, descriptions, keywords" \
autocomplete="off"></label>
<label><span>Keyword</span>
<select id="f-kw" name="kw"><option value="">any</option>
{keywords}
</select></label>
<label><span>Type</span>
<select id="f-type" name="type"><option value="">any</option>
<option value="trainable">trainable</option><option value="inference">inference</option>
<option value="pretrained">pre-trained</option></select></label>
<label><span>Image</span>
<select id="f-image" name="image"><option value="">any</option>
<option value="cpu">CPU available</option><option value="gpu">GPU available</option></select>\
</label>
<label><span>License</span>
<select id="f-license" name="license"><option value="">any</option>
{licenses}
</select></label>
<button type="reset" id="clear">Clear</button>
</form>
<p id="status" class="status" aria-live="polite"></p>
<div id="results" hidden>
<ol id="result-list" class="cards"></ol>
<nav id="result-pager" class="pager" aria-label="Search result pages"></nav>
</div>
"""


def _options(facet: list[tuple[str, str, int]]) -> str:
    return "".join(f'<option value="{esc(slug)}">{esc(label)} ({count})</option>'
                   for label, slug, count in facet)


def home(site: Site, *, cards: list[str], root: str, pager: dict[str, Any], total: int,
         facets: dict[str, list[tuple[str, str, int]]], first: bool,
         canonical: str | None) -> str:
    """A page of the home listing: the introduction (page 1), the search form that site.js
    shows, and a page of cards."""
    page = pager["page"]
    title = f"Modules (page {page})" if page > 1 else "Modules"
    head = _QUICK_START.format(total=total, s=_plural(total)) if first else (
        f'<h1>Modules <span class="muted">page {page} of {pager["pages"]}</span></h1>\n')
    form = _SEARCH_FORM.format(keywords=_options(facets["keywords"]),
                               licenses=_options(facets["licenses"]))
    count = (f'<p class="muted">{total} module{_plural(total)}, newest first. '
             f'<a href="{esc(root)}keywords/index.html">Browse by keyword</a>.</p>\n'
             if not first or total else "")
    empty = "" if cards else "<p>No modules in the catalog yet.</p>\n"
    main = (f'{head}{form}<div id="listing">\n{count}<ol class="cards">\n'
            f'{_cards(cards, root)}</ol>\n{empty}{_pagination(pager, "Module pages")}</div>\n')
    return _layout(site, title, root, canonical, main)


def _run(m: ModuleView) -> str:
    """How to run the module: docker and udocker commands for the images that exist."""
    if not m.images:
        return ('<p class="muted">No image of this module has been built and published by '
                f"this catalog yet\n(branch {esc(m.branch or 'none')}); see the build status "
                "below.</p>\n")
    out = []
    cpu, gpu = m.images.get("cpu"), m.images.get("gpu")
    for variant, label, flags, i in (("cpu", "CPU", "", cpu), ("gpu", "GPU", "--gpus all ", gpu)):
        if i:
            ref = f"{esc(i.image)}:{esc(i.tag)}"
            out.append(f'<h3>{label} image <span class="muted">{ref}</span></h3>\n'
                       f'<div class="cmd"><pre><code id="cmd-{variant}">docker pull {ref}\n'
                       f"docker run -ti {flags}-p 5000:5000 {ref}</code></pre>"
                       f'<button type="button" class="copy" data-copy="cmd-{variant}" hidden>'
                       "Copy</button></div>\n")
    i = cpu or gpu
    ref, slug = f"{esc(i.image)}:{esc(i.tag)}", esc(m.slug)
    out.append('<h3>Without Docker: udocker</h3>\n'
               f'<div class="cmd"><pre><code id="cmd-udocker">udocker pull {ref}\n'
               f"udocker create --name={slug} {ref}\nudocker run -p 5000:5000 {slug}</code>"
               '</pre><button type="button" class="copy" data-copy="cmd-udocker" hidden>Copy'
               "</button></div>\n"
               "<p>Then open <code>http://127.0.0.1:5000/ui</code> to use the module's API.\n"
               + ("" if gpu else "No GPU image of this module has been published.")
               + ("" if cpu else "No CPU image of this module has been published.")
               + "</p>\n")
    return "".join(out)


def _problem(m: ModuleView) -> str:
    """Why the module's page may be incomplete (invalid, missing or stale metadata)."""
    if m.valid and not m.stale:
        return ""
    if m.stale:
        what = "This module's entry is stale"
    elif m.status == "invalid":
        what = "This module's metadata is invalid"
    elif m.status == "missing":
        what = "This module's metadata is missing"
    else:
        what = f"This module could not be read ({esc(m.status)})"
    reason = f"<p>{esc(m.reason)}</p>\n" if m.reason else ""
    problems = ('<ul class="problems">'
                + "".join(f"<li><code>{esc(p)}</code></li>" for p in m.problems)
                + "</ul>\n") if m.problems else ""
    return (f'<section class="problem" role="alert">\n<h2>{what}</h2>\n{reason}{problems}'
            "<p>What is shown below is the last information the catalog has; it may be "
            "incomplete or out of date.</p>\n</section>\n")


def _facts(m: ModuleView, kwslug: dict[str, str], r: str) -> str:
    """The module's details: names, keywords, license, dates, branches and links."""
    kws = (f'<ul class="kw">{_kw_items(m.keywords, kwslug, r)}</ul>' if m.keywords
           else "none")
    also = (f' <span class="muted">(also: {", ".join(esc(b) for b in m.extra_branches)})'
            "</span>" if m.extra_branches else "")
    links = "".join(
        f"<dt>{esc(link.label)}</dt><dd>"
        + (f'<a href="{esc(link.value)}" rel="nofollow noopener">{esc(link.value)}</a>'
           if link.is_link else f'<span class="nolink">{esc(link.value)}</span>')
        + "</dd>\n" for link in m.links)
    return ('<section class="facts">\n<h2>Details</h2>\n<dl>\n'
            f"<dt>Catalog name</dt><dd><code>{esc(m.name)}</code></dd>\n"
            f"<dt>Keywords</dt><dd>{kws}</dd>\n"
            f"<dt>License</dt><dd>{esc(m.license)}</dd>\n"
            f"<dt>Created</dt><dd>{esc(day(m.created))}</dd>\n"
            f"<dt>Updated</dt><dd>{esc(day(m.updated))}</dd>\n"
            f"<dt>Branch shown</dt><dd>{esc(m.branch or 'none')}{also}</dd>\n"
            f"{links}</dl>\n</section>\n")


def _builds(m: ModuleView) -> str:
    """The module's build records as a table."""
    if not m.builds:
        return ('<section class="builds">\n<h2>Build status</h2>\n'
                '<p class="muted">This catalog has no build records for this module.</p>\n'
                "</section>\n")
    rows = []
    for b in m.builds:
        status = esc(b.status)
        reason = f'<br><span class="muted">{esc(b.reason)}</span>' if b.reason else ""
        tags = "".join(f"<code>{esc(t)}</code> " for t in b.tags)
        rows.append(f'<tr class="st-{status}"><td>{esc(b.branch)}</td><td>{esc(b.variant)}'
                    f"</td><td>{status}{reason}</td>\n<td>{tags}</td>"
                    f"<td>{esc(day(b.time))}</td></tr>\n")
    return ('<section class="builds">\n<h2>Build status</h2>\n<div class="table"><table>\n'
            "<thead><tr><th>Branch</th><th>Variant</th><th>Status</th><th>Tags</th>"
            "<th>When</th></tr></thead>\n<tbody>\n"
            f'{"".join(rows)}</tbody>\n</table></div>\n</section>\n')


def module(site: Site, m: ModuleView, *, root: str, canonical: str | None) -> str:
    """A module's page: what it is, how to run it, its details and its builds."""
    r = esc(root)
    title = esc(m.title)
    lead = f'<p class="lead">{esc(m.summary)}</p>' if m.summary else ""
    description = ('<section class="description">\n<h2>Description</h2>\n'
                   + "".join(f"<p>{esc(p)}</p>" for p in m.description)
                   + "</section>\n") if m.description else ""
    main = (f'<article class="module">\n<p class="crumbs"><a href="{r}index.html">Modules</a>'
            f" › <span>{esc(m.name)}</span></p>\n<h1>{title}</h1>\n{lead}{_badges(m)}"
            f'{_problem(m)}<section class="run" id="run">\n<h2>Run it</h2>\n{_run(m)}'
            f"</section>\n{description}{_facts(m, site.kwslug, r)}{_builds(m)}</article>\n")
    return _layout(site, title, root, canonical, main)


def keyword(site: Site, *, label: str, slug: str, count: int, cards: list[str],
            pager: dict[str, Any], canonical: str | None) -> str:
    """A page of the modules that have one keyword."""
    name = esc(label)
    main = ('<p class="crumbs"><a href="../index.html">Modules</a> › '
            f'<a href="../keywords/index.html">Keywords</a> › <span>{name}</span></p>\n'
            f"<h1>Keyword: {name}</h1>\n"
            f'<p class="muted">{count} module{_plural(count)}, newest first.\n'
            f'<a href="../index.html#kw={esc(slug)}">Search and filter within them</a>.</p>\n'
            f'<ol class="cards">\n{_cards(cards, KEYWORD_ROOT)}</ol>\n'
            f'{_pagination(pager, "Keyword pages")}')
    return _layout(site, f"Keyword: {name}", KEYWORD_ROOT, canonical, main)


def keywords(site: Site, *, keywords: list[tuple[str, str, int]],
             canonical: str | None) -> str:
    """The index of every keyword (in keywords/, which is where its links point)."""
    items = "".join(f'<li><a href="{esc(slug)}.html">{esc(label)}</a> '
                    f'<span class="muted">{count}</span></li>\n'
                    for label, slug, count in keywords)
    n = len(keywords)
    main = (f'<h1>Keywords</h1>\n<p class="muted">{n} keyword{_plural(n)} used by the '
            f'modules.</p>\n<ul class="kwindex">\n{items}</ul>\n')
    return _layout(site, "Keywords", "../", canonical, main)


def not_found(site: Site) -> str:
    """404.html: served for any missing path, so its links start at the site root."""
    root = site.base_url or "/"
    r = esc(root)
    main = ("<h1>Page not found</h1>\n<p>There is no page at this address. The module may "
            "have been renamed or removed from the catalog.</p>\n"
            f'<p><a href="{r}index.html">See all modules</a> or '
            f'<a href="{r}keywords/index.html">browse by keyword</a>.</p>\n')
    return _layout(site, "Page not found", root, None, main)


def feed(site: Site, *, entries: list[FeedEntry], feed_updated: str) -> str:
    """The Atom feed of new and updated modules."""
    base = esc(site.base_url)  # "" when unset
    name = esc(site.title)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<feed xmlns="http://www.w3.org/2005/Atom">\n'
           f"<title>{name}: new and updated modules</title>\n"
           f"<id>{base + 'feed.xml' if base else 'urn:deep-oc:marketplace:feed'}</id>\n"
           f"<updated>{esc(feed_updated)}</updated>\n"
           f"<author><name>{name}</name></author>\n"
           f'<link rel="self" href="{base}feed.xml"/>\n'
           f'<link rel="alternate" type="text/html" href="{base}index.html"/>\n']
    for e in entries:
        slug = esc(e.slug)
        published = f"<published>{esc(e.created)}</published>\n" if e.created else ""
        out.append(
            "<entry>\n"
            f"<title>{esc(e.title)}</title>\n"
            f"<id>{f'{base}modules/{slug}.html' if base else 'urn:deep-oc:module:' + slug}</id>\n"
            f'<link rel="alternate" type="text/html" href="{base}modules/{slug}.html"/>\n'
            f"<updated>{esc(e.updated or e.created or site.generated)}</updated>\n"
            f"{published}<summary>{esc(e.summary or e.title)}</summary>\n"
            + "".join(f'<category term="{esc(k)}"/>\n' for k in e.keywords[:10])
            + "</entry>\n")
    out.append("</feed>\n")
    # XML 1.0 cannot hold C0 control characters other than tab and newlines, not even
    # escaped: metadata carrying one must not make the whole feed unreadable
    return xml_clean("".join(out))


def sitemap(site: Site, *, urls: list[str]) -> str:
    """sitemap.xml: every page a search engine should know, absolute when base_url is set."""
    base = esc(site.base_url)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"<url><loc>{base}{esc(u)}</loc></url>\n" for u in urls)
            + "</urlset>\n")
