"""Every internal link and asset of a built site resolves (files and over HTTP)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from benchmarks import synthetic
from deepoc.site.build import build_site
from deepoc.site.search import facet_file


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") == "canonical"):
                self.links.append(a[key])
        if a.get("id"):
            self.ids.add(a["id"])


def _parse(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("big")
    cat, builds = synthetic.catalog(75)
    (tmp / "catalog.json").write_text(json.dumps(cat))
    (tmp / "builds.json").write_text(json.dumps(builds))
    build_site(tmp / "catalog.json", tmp / "site", builds=tmp / "builds.json")
    return tmp / "site"


def _check_files(site: Path) -> int:
    checked = 0
    missing = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # links from the site root (served for any missing path)
        for link in _parse(page.read_text()).links:
            if re.match(r"^https?://", link):
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I), (page, link)
            assert not link.startswith("/"), (page, link)  # relative links only (file://)
            path, frag = urldefrag(link)
            target = (page.parent / path).resolve() if path else page
            if not target.is_file():
                missing.append(f"{page.relative_to(site)} -> {link}")
            elif frag and "=" not in frag and target.suffix == ".html":  # "#kw=x": search state
                assert frag in _parse(target.read_text()).ids, (page, link)
            checked += 1
    assert not missing, missing
    return checked


def _load_js(path: Path) -> dict:
    text = path.read_text()
    return json.loads(text[text.index(",") + 1:text.rindex(")")])


def _check_search(site: Path) -> None:
    meta = json.loads(re.search(r"DeepOC\.meta\(\"meta\",(.*)\);",
                                (site / "search/meta.js").read_text()).group(1))
    for shard in meta["shards"]:
        assert (site / f"search/t/{shard}.js").is_file()
    chunks = -(-meta["n"] // meta["chunk"])
    assert sorted(int(p.stem) for p in (site / "search/d").glob("*.js")) == list(range(chunks))
    home = (site / "index.html").read_text()
    boxes = re.findall(r'<input type="checkbox" name="([a-z-]+)" value="([^"]+)">', home)
    assert {"tag", "license", "type", "image"} <= {kind for kind, _ in boxes}
    listed = _load_js(site / "search/f/home.js")
    assert sorted(listed) == sorted(f"{kind}-{slug}" for kind, slug in boxes)
    for kind, slug in boxes:
        if kind not in ("type", "image"):  # every value is also in its kind's file
            assert f"{kind}-{slug}" in _load_js(site / f"search/f/{facet_file(kind, slug)}.js")
    assert set(meta["facets"]) == {p.stem for p in (site / "search/f").glob("*.js")}


def test_every_internal_link_resolves_on_disk(site: Path, big_site: Path):
    assert _check_files(site) > 100
    assert _check_files(big_site) > 1000
    _check_search(site)
    _check_search(big_site)


def test_crawl_over_http(site: Path, site_url: str):
    seen: set[str] = set()
    queue = [site_url]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        with urllib.request.urlopen(url) as resp:
            assert resp.status == 200, url
            body = resp.read()
            ctype = resp.headers.get("Content-Type", "")
        if "html" not in ctype:
            continue
        for link in _parse(body.decode()).links:
            target = urldefrag(urljoin(url, link))[0]
            if urlsplit(target).netloc == urlsplit(site_url).netloc:
                queue.append(target)
    pages = {urlsplit(u).path for u in seen}
    assert {"/modules/evil_module.html", "/tag/index.html", "/library/index.html", "/feed.xml",
            "/catalog.json", "/assets/site.js"} <= pages
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(site_url + "modules/no_such_module.html")
    assert err.value.code == 404 and b"Page not found" in err.value.read()
