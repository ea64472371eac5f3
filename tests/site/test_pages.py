"""pages.py: escaping, truncation, pagers and hostile metadata."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from deepoc.site import model, pages
from tests.site.conftest import DATA

TEMPLATES = Path(pages.__file__).parent / "templates"
PAYLOAD = "<img src=x onerror=alert(1)>\"'&"
SITE = pages.Site("DEEP Open Catalogue", "2026-11-21T12:00:00Z",
                  "https://marketplace.example.org/", {})


def _cat() -> dict[str, Any]:
    return json.loads((DATA / "catalog.json").read_text())


def _builds() -> dict[str, Any]:
    return json.loads((DATA / "builds.json").read_text())


@dataclass
class _Keyword:
    """A keyword and its modules, as the keyword template expects it."""

    label: str
    slug: str
    modules: list[model.ModuleView]


def _keywords(views: list[model.ModuleView]) -> list[_Keyword]:
    """Keywords grouped without case, slugged as the site does (first spelling shown: how
    labels are picked is not this module's concern)."""
    groups: dict[str, _Keyword] = {}
    taken: set[str] = {"index"}
    for v in views:
        for k in v.keywords:
            if k.lower() not in groups:
                groups[k.lower()] = _Keyword(k, model.unique_slug(k.lower(), taken), [])
            groups[k.lower()].modules.append(v)
    return sorted(groups.values(), key=lambda k: k.label.lower())


def _kwslug(views: list[model.ModuleView]) -> dict[str, str]:
    return {k.label.lower(): k.slug for k in _keywords(views)}


# --- esc, truncate, day, pager ---------------------------------------------------------------

def test_esc():
    assert pages.esc("&<>\"'") == "&amp;&lt;&gt;&#34;&#39;"
    assert pages.esc("a & b <c> \"d\" 'e'") == "a &amp; b &lt;c&gt; &#34;d&#34; &#39;e&#39;"
    assert pages.esc("&amp;") == "&amp;amp;"  # text, not markup: escaped again
    assert pages.esc(None) == ""
    assert pages.esc(5) == "5" and pages.esc(2.5) == "2.5" and pages.esc(False) == "False"
    assert pages.esc(["<a>"]) == "[&#39;&lt;a&gt;&#39;]"
    assert pages.esc("a\x00b" + pages.ROOT) == "ab"  # metadata cannot pose as a ROOT marker
    assert pages.esc("plain text · ünïcode") == "plain text · ünïcode"


def test_truncate():
    assert pages.truncate("") == ""
    assert pages.truncate("short words") == "short words"
    edge = "x" * 245  # length + leeway: kept whole
    assert pages.truncate(edge) == edge
    assert pages.truncate("x" * 246) == "x" * 237 + "..."  # no space: cut inside the word
    words = " ".join(["word"] * 100)  # 499 characters
    cut = pages.truncate(words)
    assert cut.endswith("word...") and len(cut) <= 240 and "  " not in cut
    assert cut == words[:237].rsplit(" ", 1)[0] + "..."
    assert pages.truncate("one two three four", 10) == "one..."
    assert pages.truncate("one two three four", 13) == "one two three four"  # within leeway


def test_day():
    assert pages.day("2026-11-21T12:00:00Z") == "2026-11-21"
    assert pages.day("2026") == "2026"
    assert pages.day(None) == "unknown" and pages.day("") == "unknown"


def _href(n: int) -> str:
    return f"p{n}.html"


def test_pager_windows():
    single = pages.pager(1, 1, _href)
    assert single == {"page": 1, "pages": 1, "first": None, "prev": None, "next": None,
                      "last": None, "window": [(1, "p1.html")]}
    first = pages.pager(1, 10, _href)
    assert [n for n, _ in first["window"]] == [1, 2, 3]
    assert (first["first"], first["prev"]) == (None, None)
    assert (first["next"], first["last"]) == ("p2.html", "p10.html")
    middle = pages.pager(5, 10, _href)
    assert middle["window"] == [(n, f"p{n}.html") for n in range(3, 8)]
    assert [middle[k] for k in ("first", "prev", "next", "last")] == [
        "p1.html", "p4.html", "p6.html", "p10.html"]
    last = pages.pager(10, 10, _href)
    assert [n for n, _ in last["window"]] == [8, 9, 10]
    assert (last["first"], last["prev"], last["next"], last["last"]) == (
        "p1.html", "p9.html", None, None)
    assert [n for n, _ in pages.pager(2, 3, _href)["window"]] == [1, 2, 3]


def test_pager_markup():
    site = pages.Site("T", "2026-11-21T12:00:00Z", None, {})
    one = pages.keyword(site, label="k", slug="k", count=1, cards=[],
                        pager=pages.pager(1, 1, _href), canonical=None)
    assert 'class="pager"' not in one  # a single page has no pager
    two = pages.keyword(site, label="k", slug="k", count=30, cards=[],
                        pager=pages.pager(2, 2, _href), canonical=None)
    assert '<a href="p1.html" rel="first">« First</a>' in two
    assert '<span aria-current="page">2</span>' in two and 'rel="next"' not in two
    assert '<span class="of">page 2 of 2</span>' in two


# --- hostile metadata ------------------------------------------------------------------------

def _hostile() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A catalog entry and build records where every string the site shows is a payload."""
    p = PAYLOAD
    branch, other = p, p + "2"  # branch names too (sorted: the first one is shown)
    meta = {
        "title": p, "summary": p, "description": [p, p + " again"], "keywords": [p, "x" + p],
        "license": p, "date_creation": "2020-01-01",
        "sources": {"code": "javascript:alert(1)", "dockerfile_repo": p,
                    "docker_registry_repo": p, "pre_trained_weights": p},
        "dataset_url": "https://example.org/\"'><img/src=x/onerror=alert(1)>",
        "cite_url": p, "training_files_url": "data:text/html,<img src=x onerror=alert(1)>",
    }
    entry = {
        "name": p, "url": p, "status": p, "reason": p, "stale": False,
        "branches": {
            branch: {"commit": "1" * 40, "metadata": meta, "created": p, "updated": p,
                     "status": "ok", "valid": True,
                     "errors": [{"path": p, "line": p, "message": p, "hint": p}, p]},
            other: {"commit": "2" * 40, "metadata": {"title": "other"}},
        },
    }
    records = [
        {"module": p, "branch": branch, "variant": "cpu", "status": "pushed",
         "image": "localhost:5000/deephdc/x", "tags": ["cpu", p], "time": p},
        {"module": p, "branch": branch, "variant": p, "status": p, "reason": p,
         "image": p, "tags": [p, "latest"], "time": p},
    ]
    return entry, records


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_safe(html: str, where: str) -> None:
    assert "<img" not in html, where
    assert "onerror=alert(1)>" not in html and "onerror=alert(1)&#34;" not in html, where
    assert "&lt;img" in html, where
    assert 'href="javascript:' not in html.lower() and 'href="data:' not in html, where
    assert pages.ROOT not in html, where
    if where in ("feed", "sitemap"):
        ET.fromstring(html)  # well-formed XML
        return
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("img", "iframe", "object", "embed", "style"), (where, tag)
        assert tag != "script" or attrs.get("src"), (where, attrs)  # no inline scripts
        assert not [a for a in attrs if a.startswith("on") or a == "style"], (where, attrs)
        href = attrs.get("href")
        assert href is None or not re.match(r"^\s*(javascript|data|vbscript):", href, re.I), (
            where, href)


def test_hostile_metadata_is_escaped_everywhere():
    entry, records = _hostile()
    v = model.module_view(entry, model.builds_index({"builds": records})[PAYLOAD])
    # the fixture reaches every field it means to
    assert (v.title, v.summary, v.license, v.name, v.status, v.reason, v.branch) == (
        PAYLOAD,) * 7
    assert v.extra_branches == [PAYLOAD + "2"] and v.build_status == PAYLOAD
    assert v.images["cpu"].tag == "cpu" and {b.status for b in v.builds} == {"pushed", PAYLOAD}
    links = {link.label: link for link in v.links}
    assert links["Dataset"].is_link and not links["Code"].is_link
    kwslug = _kwslug([v])
    site = pages.Site(PAYLOAD, "2026-11-21T12:00:00Z",
                      "https://marketplace.example.org/\"'/", kwslug)
    card = pages.card(v, kwslug)
    assert card.count(pages.ROOT) == 1 + len(v.keywords)  # the title link and each keyword
    module = pages.module(site, v, root="../", canonical="https://marketplace.example.org/m")
    home = pages.home(site, cards=[card], root="", pager=pages.pager(1, 2, _href), total=1,
                      facets={"keywords": [(PAYLOAD, PAYLOAD, 1)],
                              "licenses": [(PAYLOAD, model.slugify(PAYLOAD), 1)]},
                      first=True, canonical=None)
    kw = pages.keyword(site, label=PAYLOAD, slug=PAYLOAD, count=1, cards=[card],
                       pager=pages.pager(2, 3, lambda n: f"{PAYLOAD}{n}"), canonical=PAYLOAD)
    index = pages.keywords(site, keywords=[(PAYLOAD, PAYLOAD, 1)], canonical=None)
    feed = pages.feed(site, feed_updated=PAYLOAD, entries=[pages.FeedEntry(
        v.title, v.slug, v.summary, v.keywords, v.created, v.updated)])
    sitemap = pages.sitemap(site, urls=[PAYLOAD])
    missing = pages.not_found(site)
    for where, html in [("card", card.replace(pages.ROOT, "../")), ("module", module),
                        ("home", home), ("keyword", kw), ("keywords", index), ("feed", feed),
                        ("sitemap", sitemap), ("404", missing)]:
        _assert_safe(html, where)
    escaped = pages.esc(PAYLOAD)
    assert escaped == "&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;"
    # every field shows up, escaped once (never twice: no "&amp;lt;")
    for text in (module, home, feed):
        assert "&amp;lt;" not in text and "&amp;#" not in text
    assert f"<h1>{escaped}</h1>" in module and f"<title>{escaped} · {escaped}</title>" in module
    assert f'<p class="lead">{escaped}</p>' in module
    assert f"<p>{escaped} again</p>" in module and f"<dd>{escaped}</dd>" in module  # license
    assert f"<dd>{escaped} <span" in module and f"(also: {escaped}2)" in module  # branches
    assert f"<p>{escaped}</p>" in module  # reason
    assert f"This module could not be read ({escaped})" in module
    assert f'<span class="badge b-warn">metadata {escaped}</span>' in module
    assert f'<span class="badge b-build-{escaped}">build: {escaped}</span>' in module
    assert f'<tr class="st-{escaped}"><td>{escaped}</td><td>{escaped}</td><td>{escaped}<br>' \
        f'<span class="muted">{escaped}</span>' in module
    assert f"<td>{pages.esc(PAYLOAD[:10])}</td>" in module  # the build time, as a day
    assert f"<code>{escaped} (line {escaped}): {escaped} ({escaped})</code>" in module
    assert '<span class="nolink">javascript:alert(1)</span>' in module
    assert '<span class="nolink">data:text/html,&lt;img src=x onerror=alert(1)&gt;</span>' \
        in module
    assert '<a href="https://example.org/&#34;&#39;&gt;&lt;img/src=x/onerror=alert(1)&gt;" ' \
        'rel="nofollow noopener">' in module
    assert f'<span class="nolink">{escaped}</span>' in module
    assert '<dt>Keywords</dt><dd><ul class="kw"><li><a href="../keywords/' in module
    assert f'<option value="{escaped}">{escaped} (1)</option>' in home
    assert f'href="{escaped}3" rel="next"' in kw and f'<link rel="canonical" href="{escaped}">' \
        in kw
    assert f'<category term="{escaped}"/>' in feed and f"<updated>{escaped}</updated>" in feed
    assert f"<summary>{escaped}</summary>" in feed
    assert 'href="https://marketplace.example.org/&#34;&#39;/index.html"' in missing


def test_metadata_cannot_inject_a_root_marker():
    entry = copy.deepcopy(next(m for m in _cat()["modules"] if m["name"] == "audio_tagger"))
    meta = entry["branches"]["main"]["metadata"]
    meta["title"] = "a\x00b"
    meta["tags"] = ["x\x00y", "z"]
    v = model.module_view(entry, [])
    card = pages.card(v, _kwslug([v]))
    assert card.count(pages.ROOT) == 1 + len(v.keywords)
    assert ">ab</a></h3>" in card
    home = pages.home(SITE, cards=[card], root="../", pager=pages.pager(2, 2, _href), total=30,
                      facets={"keywords": [], "licenses": []}, first=False, canonical=None)
    assert pages.ROOT not in home and 'href="../modules/audio_tagger.html"' in home


def test_control_characters_in_metadata_do_not_break_the_feed():
    site = pages.Site("T", "2026-11-21T12:00:00Z", None, {})
    entry = pages.FeedEntry("Bell\x07 and\x1b[31m escape", "m", "form\x0cfeed\ttab", ["k\x01"],
                            None, None)
    feed = pages.feed(site, entries=[entry], feed_updated="2026-11-21T12:00:00Z")
    root = ET.fromstring(feed.encode())  # well-formed XML
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:entry/a:title", ns).text == "Bell and[31m escape"
    assert root.find("a:entry/a:summary", ns).text == "formfeed\ttab"


# --- swapping a card on a listing page -------------------------------------------------------

def _listing_views() -> tuple[list[model.ModuleView], dict[str, str]]:
    views = [model.module_view(e, []) for e in _cat()["modules"]]
    return views, _kwslug(views)


def test_swapping_cards_gives_the_page_rendered_with_the_new_cards():
    """For home pages at both depths and keyword pages, any one or two cards swapped equal
    the page rendered again with them (and an unchanged card swaps to the same page)."""
    views, kwslug = _listing_views()
    cards = [pages.card(v, kwslug) for v in views]
    changed = []
    for v in views:
        w = copy.copy(v)
        w.summary, w.title = f"{v.summary} <b>new</b> & more", v.title + " \u00a0II"
        changed.append(pages.card(w, kwslug))
    facets = {"keywords": [("x", "x", 1)], "licenses": []}

    def home(cs: list[str], root: str) -> str:
        return pages.home(SITE, cards=cs, root=root, pager=pages.pager(2, 3, _href), total=30,
                          facets=facets, first=root == "", canonical=None)

    def keyword(cs: list[str], root: str) -> str:
        assert root == pages.KEYWORD_ROOT
        return pages.keyword(SITE, label="Tag", slug="tag", count=len(cs), cards=cs,
                             pager=pages.pager(1, 1, _href), canonical=None)

    for render, root in ((home, ""), (home, "../"), (keyword, pages.KEYWORD_ROOT)):
        live = render(cards, root)
        for picks in [[i] for i in range(len(cards))] + [[0, len(cards) - 1]]:
            new = list(cards)
            for i in picks:
                new[i] = changed[i]
            swaps = [(cards[i], changed[i]) for i in picks]
            assert pages.swap_cards(live, swaps, root) == render(new, root)
        assert pages.swap_cards(live, [(cards[1], cards[1])], root) == live


def test_a_card_that_is_not_on_the_page_once_is_not_swapped():
    views, kwslug = _listing_views()
    cards = [pages.card(v, kwslug) for v in views]
    live = pages.keyword(SITE, label="Tag", slug="tag", count=2, cards=cards[:2],
                         pager=pages.pager(1, 1, _href), canonical=None)
    root = pages.KEYWORD_ROOT
    assert pages.swap_cards(live, [(cards[2], cards[0])], root) is None  # not on it
    assert pages.swap_cards(live, [("", cards[0])], root) is None  # no cached card
    twice = pages.keyword(SITE, label="Tag", slug="tag", count=2, cards=[cards[0], cards[0]],
                          pager=pages.pager(1, 1, _href), canonical=None)
    assert pages.swap_cards(twice, [(cards[0], cards[1])], root) is None
