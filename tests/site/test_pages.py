"""Pages: escaping of every field in every page type, truncation, pagers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from deepoc.site import pages
from deepoc.site.build import build_site
from deepoc.site.modules import slugify

PAYLOAD = "<img src=x onerror=alert(1)>\"'&"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;"


def esc(text: str) -> str:
    """How the templates escape text (markupsafe: quotes as &#34; and &#39;)."""
    return escape(text).replace("&quot;", "&#34;").replace("&#x27;", "&#39;")


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


def test_pager_markup(tmp_path: Path):
    env = pages.environment()
    site = pages.Site("T", "2026-11-21T12:00:00Z", None, pages.csp(True), {})
    one = env.get_template("macros.html").module.pager(pages.pager(1, 1, _href), "x")
    assert 'class="pager"' not in one  # a single page has no pager
    two = env.get_template("macros.html").module.pager(pages.pager(2, 2, _href), "x")
    assert '<a href="p1.html" rel="first">« First</a>' in two
    assert '<span aria-current="page">2</span>' in two and 'rel="next"' not in two
    assert '<span class="of">page 2 of 2</span>' in two
    assert site.base_url is None


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
    assert where == "sitemap" or "&lt;img" in html, where
    assert 'href="javascript:' not in html.lower() and 'href="data:' not in html, where
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


def _hostile_site(tmp_path: Path) -> Path:
    entry, records = _hostile()
    cat = tmp_path / "catalog.json"
    cat.write_text(json.dumps({"catalog_version": 1, "modules": [entry]}))
    builds = tmp_path / "builds.json"
    builds.write_text(json.dumps({"builds_version": 1, "builds": records}))
    site = tmp_path / "site"
    build_site(cat, site, builds=builds, site_title=PAYLOAD,
               base_url="https://marketplace.example.org/")
    return site


def test_hostile_metadata_is_escaped_on_every_page(tmp_path: Path):
    site = _hostile_site(tmp_path)
    texts = {str(p.relative_to(site)): p.read_text() for p in site.rglob("*")
             if p.suffix in (".html", ".xml")}
    assert len([t for t in texts if t.startswith("tag/")]) == 3  # 2 tags + index
    for rel, text in texts.items():
        _assert_safe(text, {"feed.xml": "feed", "sitemap.xml": "sitemap"}.get(rel, rel))
        assert "&amp;lt;" not in text and "&amp;#" not in text, rel  # escaped once, not twice
    module = next(t for rel, t in texts.items() if rel.startswith("modules/"))
    home, feed = texts["index.html"], texts["feed.xml"]
    assert f"<h1>{ESCAPED}</h1>" in module and f"<title>{ESCAPED} · {ESCAPED}</title>" in module
    assert f'<p class="lead">{ESCAPED}</p>' in module
    assert f"<dd>{ESCAPED}</dd>" in module  # license
    assert f"<dd>{ESCAPED} <span" in module and f"(also: {ESCAPED}2)" in module  # branches
    assert f"<p>{ESCAPED}</p>" in module  # reason
    assert f"This module could not be read ({ESCAPED})" in module
    assert f'<span class="badge b-warn">metadata {ESCAPED}</span>' in module
    assert f'<span class="badge b-build-{ESCAPED}">build: {ESCAPED}</span>' in module
    assert f'<tr class="st-{ESCAPED}"><td>{ESCAPED}</td><td>{ESCAPED}</td><td>{ESCAPED}<br>' \
        f'<span class="muted">{ESCAPED}</span>' in module
    assert f"<td>{esc(PAYLOAD[:10])}</td>" in module  # the build time, as a day
    assert f"<code>{ESCAPED} (line {ESCAPED}): {ESCAPED} ({ESCAPED})</code>" in module
    assert '<span class="nolink">javascript:alert(1)</span>' in module
    assert '<span class="nolink">data:text/html,&lt;img src=x onerror=alert(1)&gt;</span>' \
        in module
    assert '<a href="https://example.org/&#34;&#39;&gt;&lt;img/src=x/onerror=alert(1)&gt;" ' \
        'rel="nofollow noopener">' in module
    assert f'<span class="nolink">{ESCAPED}</span>' in module
    assert '<dt>Tags</dt><dd><ul class="kw"><li><a href="../tag/' in module
    assert f'<input type="checkbox" name="license" value="{esc(slugify(PAYLOAD))}"> ' \
        f'<span class="v">{ESCAPED}</span> <span class="n" data-n="1">1</span>' in home
    assert f'<category term="{ESCAPED}"/>' in feed and f"<summary>{ESCAPED}</summary>" in feed
    # the description is Markdown: the payload's tag is dropped, its text stays
    assert '<section class="description">' in module and "onerror" not in \
        module.split('<section class="description">')[1].split("</section>")[0]


def test_control_characters_in_metadata_do_not_break_the_feed(tmp_path: Path):
    entry = {"name": "m", "status": "ok", "branches": {"master": {
        "commit": "1" * 40, "status": "ok", "valid": True, "metadata": {
            "title": "Bell\x07 and\x1b[31m escape", "summary": "form\x0cfeed\ttab",
            "keywords": ["k\x01"]}}}}
    cat = tmp_path / "catalog.json"
    cat.write_text(json.dumps({"catalog_version": 1, "modules": [entry]}))
    build_site(cat, tmp_path / "site")
    root = ET.parse(tmp_path / "site" / "feed.xml").getroot()  # well-formed XML
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:entry/a:title", ns).text == "Bell and[31m escape"
    assert root.find("a:entry/a:summary", ns).text == "formfeed\ttab"


def test_hostile_v2_facets_license_and_template_are_escaped(tmp_path: Path):
    p = PAYLOAD
    meta = {"metadata_version": "2.0.0", "title": "t", "summary": "s",
            "libraries": [p, "../../evil"], "tasks": [p + "t"], "categories": [p + "c"],
            "data-type": [p + "d"], "tags": [p, "javascript:alert(1)"]}
    entry = {"name": "m", "url": "https://github.com/a/m", "status": "ok",
             "default_branch": p, "branches": {p: {
                 "commit": "1" * 40, "status": "ok", "valid": True, "metadata": meta,
                 "license_file": {"path": p, "spdx_id": None}, "template": p,
                 "metadata_file": p}}}
    spdx = dict(entry, name="n", branches={"main": dict(entry["branches"][p], license_file={
        "path": "LICENSE", "spdx_id": p})})
    cat = tmp_path / "catalog.json"
    cat.write_text(json.dumps({"catalog_version": 1, "modules": [entry, spdx]}))
    site = tmp_path / "site"
    build_site(cat, site, base_url="https://marketplace.example.org/", site_title=PAYLOAD)
    texts = {str(f.relative_to(site)): f.read_text() for f in site.rglob("*")
             if f.suffix in (".html", ".xml")}
    for rel, text in texts.items():
        _assert_safe(text, {"feed.xml": "feed", "sitemap.xml": "sitemap"}.get(rel, rel))
    for kind in ("library", "task", "category", "data-type", "tag"):
        names = [f.name for f in (site / kind).iterdir()]
        assert "index.html" in names and len(names) >= 2, kind
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.html", n) for n in names), names
    # "../../evil" is a value like any other: its page is library/evil.html, inside the site
    assert [f.relative_to(tmp_path).as_posix() for f in tmp_path.rglob("*evil*")] == [
        "site/library/evil.html"]
    module = texts["modules/m.html"]
    assert f"<dt>Template</dt><dd><code>{ESCAPED}</code></dd>" in module
    assert f"<dt>Metadata file</dt><dd><code>{ESCAPED}</code></dd>" in module
    assert f"<dt>License</dt><dd>see {ESCAPED}</dd>" in module  # no link from a hostile path
    assert f"<dd>{ESCAPED}</dd>" in module  # the branch shown
    assert f"<dt>License</dt><dd>{ESCAPED} <span class=\"muted\">(from <a href=\"https://" \
        'github.com/a/m/blob/main/LICENSE" rel="nofollow noopener">LICENSE</a>)</span></dd>' \
        in texts["modules/n.html"]
    assert f'<span class="v">{ESCAPED}</span>' in texts["index.html"]  # a library checkbox
    for shard in (site / "search").rglob("*.js"):
        assert "<" not in shard.read_text(), shard
