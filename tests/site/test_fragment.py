"""The URL fragment never picks a file: site.js loads only the shard files the index names.

Before: ``#type=/../../../evil`` made site.js load ``/evil.js`` (same origin, so the CSP let
it run). The site is served under /site/ with evil.js planted above it, beside it and in
search/: every request must be a file the build wrote, and no evil.js may run.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from deepoc.site.build import build_site
from deepoc.site.serve import serve_in_thread
from tests.site.conftest import DATA

pytestmark = pytest.mark.browser

EVIL = "window.__pwned = (window.__pwned || 0) + 1;\n"


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fragment")
    site = root / "site"
    build_site(DATA / "catalog.json", site, builds=DATA / "builds.json")
    written = {"/site/" + p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    for where in (root, site, site / "search", site / "search" / "f", site / "search" / "t"):
        (where / "evil.js").write_text(EVIL)
    (root / "index.html").write_text("<!doctype html><title>host</title>\n")  # serve.py wants one
    server, thread = serve_in_thread(root)
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", written
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _requests(watch, url: str) -> list[str]:  # noqa: ANN001
    seen: list[str] = []
    watch.page.on("request", lambda r: seen.append(r.url))
    watch.page.goto(url)
    watch.page.wait_for_load_state("networkidle")
    return seen


HOSTILE = [
    "type=/../../../evil", "type=../../evil", "type=..%2F..%2F..%2Fevil",
    "type=%2e%2e%2f%2e%2e%2fevil", "type=trainable/../../../evil", "type=trainable%2F..%2Fevil",
    "image=/../../../evil", "image=..", "license=../../../evil", "license=mit/../../evil",
    "kw=/../../../evil", "kw=..", "kw=../evil", "kw=%2F%2F127.0.0.1%2Fevil",
    "kw=https://127.0.0.1:1/evil", "type=http://127.0.0.1:1/evil.js",
    "type=//127.0.0.1:1/evil", "license=javascript:alert(1)", "type=data:,x",
    "kw=zz", "type=trainable&kw=/../../evil", "type=\\..\\..\\evil",
    "q=../../evil", "q=%2F..%2F..%2Fevil", "q=/../../../evil&type=/../evil", "q=..%5C..%5Cevil",
    "q=\u00e9vil/../x", "q=ev", "p=../../evil", "p=-1&type=/../../evil",
    "library=/../../../evil", "library=../evil", "task=%2F%2F127.0.0.1%2Fevil",
    "tag=..", "tag=../../evil&tag=audio", "data-type=https://127.0.0.1:1/evil",
    "category=\\..\\evil", "home=x", "tag=ev&tag=il", "library=" + "a" * 5000,
]


@pytest.mark.parametrize("fragment", HOSTILE)
def test_hostile_fragments_load_only_known_files(watch, hosted, fragment):
    base, written = hosted
    for url in _requests(watch, f"{base}/site/index.html#{fragment}"):
        path = urlparse(url).path
        assert path in written, f"#{fragment} made the page load {url}"
    assert watch.page.evaluate("() => window.__pwned === undefined")


def test_hostile_fragment_set_after_load_loads_nothing_outside(watch, hosted):
    base, written = hosted
    seen = _requests(watch, f"{base}/site/index.html")
    for fragment in HOSTILE:
        watch.page.evaluate("h => { location.hash = h; }", fragment)
        watch.page.wait_for_load_state("networkidle")
    assert all(urlparse(u).path in written for u in seen), seen
    assert watch.page.evaluate("() => window.__pwned === undefined")


def test_known_values_still_load_their_shards(watch, hosted):
    base, _written = hosted
    seen = [urlparse(u).path for u in _requests(watch, f"{base}/site/index.html#type=trainable")]
    assert "/site/search/f/home.js" in seen  # every value the filters list, for the counts
    watch.page.wait_for_function(
        "() => document.querySelector('#status').textContent.includes('match')")
