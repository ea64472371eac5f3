"""The marketplace in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import PNG
from tests.site.conftest import DATA, shot

pytestmark = pytest.mark.browser

NO_MATCH = "() => document.querySelector('#status').textContent === 'No module matches.'"
VALID = sorted(m["name"] for m in json.loads((DATA / "catalog.json").read_text())["modules"]
               if m["status"] == "ok")


def _titles(page) -> list[str]:  # noqa: ANN001
    return page.locator("#results:not([hidden]) .card h2 a, #listing:not([hidden]) .card h2 a") \
        .evaluate_all("els => els.map(e => e.getAttribute('href'))")


def test_home_lists_every_valid_module(watch, site_url):
    page = watch.page
    page.goto(site_url)
    hrefs = page.locator("#listing .card h2 a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    names = {re.sub(r"^modules/(.*)\.html$", r"\1", h) for h in hrefs}
    assert set(VALID) <= names
    assert page.locator("#search").is_visible()  # JS unhid the search form
    shot(page, "home-desktop")


def test_search_finds_a_word_only_in_one_description(watch, site_url):
    page = watch.page
    page.goto(site_url)
    page.fill("#q", "xylophagous")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('match')")
    assert _titles(page) == ["modules/plant_classifier.html"]
    assert "q=xylophagous" in page.url
    page.fill("#q", "xyloph")  # a prefix finds it too (as-you-type)
    page.wait_for_function("() => location.hash === '#q=xyloph'")
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('1 ')")
    assert _titles(page) == ["modules/plant_classifier.html"]
    page.fill("#q", "nosuchwordanywhere")
    page.wait_for_function(NO_MATCH)
    assert _titles(page) == []


def _tick(page, kind: str, value: str) -> None:  # noqa: ANN001
    page.check(f"#f-{kind} input[value='{value}']")


def test_facets_narrow_and_the_url_keeps_them(watch, site_url):
    page = watch.page
    page.goto(site_url)
    _tick(page, "type", "trainable")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('match')")
    trainable = set(_titles(page))
    assert "modules/plant_classifier.html" in trainable
    assert "modules/audio_tagger.html" not in trainable
    _tick(page, "image", "gpu")  # AND between facets
    page.wait_for_function("() => location.hash.includes('image=gpu')")
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('1 ')")
    assert _titles(page) == ["modules/plant_classifier.html"]
    url = page.url
    assert "type=trainable" in url and "image=gpu" in url
    page.reload()  # a shared or reloaded URL shows the same filtered view
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('1 ')")
    assert page.is_checked("#f-type input[value=trainable]")
    assert page.is_checked("#f-image input[value=gpu]")
    assert _titles(page) == ["modules/plant_classifier.html"]
    _tick(page, "license", "mit")
    page.wait_for_function(NO_MATCH)
    page.click("#clear")
    page.wait_for_function("() => location.hash === ''")
    assert page.locator("#listing").is_visible()


def test_module_page_shows_pull_commands_with_existing_tags(watch, site_url):
    page = watch.page
    builds = json.loads((DATA / "builds.json").read_text())["builds"]
    pushed = {(b["variant"], t) for b in builds if b["module"] == "plant_classifier"
              and b["branch"] == "master" and b["status"] in ("pushed", "reused")
              for t in b["tags"]}
    page.goto(site_url + "modules/plant_classifier.html")
    cpu = page.text_content("#cmd-cpu")
    gpu = page.text_content("#cmd-gpu")
    image = "localhost:5000/deephdc/plant_classifier"
    assert f"docker pull {image}:cpu" in cpu and ("cpu", "cpu") in pushed
    assert f"docker run -ti -p 5000:5000 {image}:cpu" in cpu
    assert f"docker run -ti --gpus all -p 5000:5000 {image}:gpu" in gpu and ("gpu", "gpu") in pushed
    assert "udocker pull" in page.text_content("#cmd-udocker")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("button[data-copy=cmd-cpu]")
    page.wait_for_function(
        "() => document.querySelector('button[data-copy=cmd-cpu]').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == cpu
    shot(page, "module-desktop")
    # audio_tagger's GPU image was built but never pushed: no GPU command
    page.goto(site_url + "modules/audio_tagger.html")
    assert page.locator("#cmd-cpu").count() == 1
    assert page.locator("#cmd-gpu").count() == 0
    # failing_builder has no image at all: no run command, a plain note instead
    page.goto(site_url + "modules/failing_builder.html")
    assert page.locator("#cmd-cpu, #cmd-gpu, #cmd-udocker").count() == 0
    assert "No image of this module" in page.text_content("#run")


def test_invalid_and_stale_modules_show_it_plainly(watch, site_url):
    page = watch.page
    page.goto(site_url + "modules/broken_meta.html")
    alert = page.text_content("[role=alert]")
    assert "metadata is invalid" in alert and "$.summary (line 3)" in alert
    page.goto(site_url + "modules/old_detector.html")
    assert "stale" in page.text_content("[role=alert]")


def test_script_and_javascript_links_render_as_text(watch, site_url):
    page = watch.page
    page.goto(site_url + "modules/evil_module.html")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__pwned") is None
    body = page.text_content("main")
    assert "<script>window.__pwned=3</script>" in body
    assert "javascript:window.__pwned=6" in body
    hrefs = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h and not re.match(r"^(https?:|\.\./|[\w.-]+\.html|#)", h)]
    assert page.locator("main script, main img, [onerror]").count() == 0
    # the same text through the search results (rendered by JS) runs nothing either
    page.goto(site_url + "#q=evil")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('match')")
    assert "<img src=x" in page.text_content("#result-list")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#result-list img, #result-list script").count() == 0


def test_phone_width_screenshots(browser, site_url):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1,
                              is_mobile=True, has_touch=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(site_url)
    shot(page, "home-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.goto(site_url + "modules/plant_classifier.html")
    shot(page, "module-phone")
    module_width = page.evaluate("document.documentElement.scrollWidth")
    ctx.close()
    assert not errors
    assert width <= 390 and module_width <= 390  # nothing wider than the phone


def test_browsing_works_without_javascript(browser, site_url):
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(site_url)
    assert page.locator("#search").is_hidden()
    page.click(".card h2 a >> nth=0")
    assert "/modules/" in page.url
    page.click(".kw a >> nth=0")
    assert "/library/" in page.url or "/task/" in page.url or "/tag/" in page.url
    assert page.locator(".card").count() >= 1
    ctx.close()


def test_tag_page_leads_to_the_filtered_home(watch, site_url):
    page = watch.page
    page.goto(site_url + "tag/satellite.html")
    page.click("text=Search and filter within them")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('match')")
    assert page.is_checked("#f-tag input[value=satellite]")  # the checkbox follows the URL
    assert _titles(page) == ["modules/failing_builder.html"]
    page.goto(site_url + "#kw=satellite")  # a link made when tags were keywords still works
    page.wait_for_function("() => location.hash === '#kw=satellite'")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('match')")
    assert _titles(page) == ["modules/failing_builder.html"]


def test_search_works_from_file_url(watch, site):
    page = watch.page
    page.goto((site / "index.html").as_uri() + "#q=xylophagous")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('match')")
    assert _titles(page) == ["modules/plant_classifier.html"]
    page.click("#result-list .card h2 a")
    assert page.url.endswith("modules/plant_classifier.html")


@pytest.fixture(scope="module")
def big_url(tmp_path_factory):
    """A 300-module synthetic catalog: dense terms (bitmaps), many doc chunks, result pages."""
    from benchmarks import synthetic
    from deepoc.site.build import build_site
    from deepoc.site.serve import serve_in_thread

    tmp = tmp_path_factory.mktemp("big-browser")
    cat, builds = synthetic.catalog(300)
    (tmp / "catalog.json").write_text(json.dumps(cat))
    (tmp / "builds.json").write_text(json.dumps(builds))
    build_site(tmp / "catalog.json", tmp / "site", builds=tmp / "builds.json")
    server, thread = serve_in_thread(tmp / "site")
    yield f"http://127.0.0.1:{server.server_address[1]}/", cat, builds
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_search_and_facets_agree_with_the_catalog_at_scale(watch, big_url):
    from deepoc.site import modules, search

    url, cat, builds = big_url
    index = modules.builds_index(builds)
    listed = sorted((modules.listed_module(m, index.get(m["name"], [])) for m in cat["modules"]),
                    key=modules.sort_key, reverse=True)
    want = [m.slug for m in listed
            if "segmentation" in search.tokens(m) and m.gpu and m.trainable]
    assert len(want) > 24  # more than one result page
    page = watch.page
    page.goto(url + "#q=segmentation&type=trainable&image=gpu")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('match')")
    assert page.text_content("#status").startswith(f"{len(want)} modules match")
    first = [h.split("/")[-1][:-5] for h in _titles(page)]
    assert first == want[:24]
    page.click("#result-pager a:text('Next ›')")
    page.wait_for_function("() => location.hash.includes('p=2')")
    page.wait_for_function(
        "() => document.querySelector('#result-pager [aria-current]').textContent === '2'")
    assert [h.split("/")[-1][:-5] for h in _titles(page)] == want[24:48]
    page.go_back()
    page.wait_for_function(
        "() => document.querySelector('#result-pager [aria-current]').textContent === '1'")




@pytest.fixture(scope="module")
def markdown_site(tmp_path_factory):
    """A site whose one module describes itself in Markdown, inline HTML and hostile markup."""
    from deepoc.site.build import build_site
    from tests.site.test_markdown import HOSTILE

    tmp = tmp_path_factory.mktemp("markdown")
    description = [
        "A model in *Markdown* with **bold** text,", "wrapped over lines.", "",
        "- one", "- two", "", "Code <a href=https://github.com/deephdc/x>here</a>, paper at",
        "https://arxiv.org/abs/1512.03385.", "",
        "<img src='https://raw.githubusercontent.com/ai4os/x/main/fig.png'/>", "",
        "<img src='http://example.org/plain.png'> <img src='data:image/png;base64,AAAA'>", "",
        *[line for h in HOSTILE for line in (h, "")],
    ]
    entry = {"name": "md_module", "status": "ok", "branches": {"master": {
        "commit": "1" * 40, "status": "ok", "valid": True,
        "metadata": {"title": "Markdown module", "summary": "s", "description": description}}}}
    (tmp / "catalog.json").write_text(json.dumps({"catalog_version": 1, "modules": [entry]}))
    build_site(tmp / "catalog.json", tmp / "site")
    build_site(tmp / "catalog.json", tmp / "plain", remote_images=False)
    return tmp


def _remote_requests(page) -> list:  # noqa: ANN001
    """Every request off the machine, answered with a tiny PNG (no network here)."""
    seen: list = []

    def answer(route) -> None:  # noqa: ANN001
        seen.append(route.request)
        route.fulfill(status=200, content_type="image/png", body=PNG)

    page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), answer)
    return seen


def test_markdown_descriptions_render_and_hostile_markup_stays_inert(watch, markdown_site):
    page = watch.page
    remote = _remote_requests(page)
    page.goto((markdown_site / "site/modules/md_module.html").as_uri())
    page.wait_for_load_state("load")
    desc = page.locator(".description")
    assert desc.locator("em").first.text_content() == "Markdown"
    assert desc.locator("p").first.text_content() == \
        "A model in Markdown with bold text,\nwrapped over lines."
    assert desc.locator("ul li").count() == 2
    links = desc.locator("a[href]").evaluate_all(
        "els => els.map(e => [e.getAttribute('href'), e.rel, e.textContent])")
    assert ["https://github.com/deephdc/x", "nofollow noopener", "here"] in links
    assert ["https://arxiv.org/abs/1512.03385", "nofollow noopener",
            "https://arxiv.org/abs/1512.03385"] in links
    assert all(re.match(r"^(https?:|mailto:)", href) for href, _, _ in links), links
    images = desc.locator("img").evaluate_all(
        "els => els.map(e => [e.src, e.loading, e.referrerPolicy, e.complete && e.naturalWidth])")
    assert images == [["https://raw.githubusercontent.com/ai4os/x/main/fig.png", "lazy",
                       "no-referrer", 1]]
    assert [r.url for r in remote] == [images[0][0]]
    assert "referer" not in {k.lower() for k in remote[0].headers}
    width = desc.locator("img").evaluate("e => getComputedStyle(e).maxWidth")
    assert width == "100%"
    page.evaluate("""() => document.querySelectorAll('.description *').forEach(e => {
        for (const t of ['click', 'mouseover', 'error', 'load']) e.dispatchEvent(new Event(t));
    })""")
    assert page.evaluate("window.__pwned") is None
    assert desc.locator("script, style, iframe, form, input, object, embed, svg, math, "
                        "[onclick], [onerror], [onmouseover], [style]").count() == 0
    assert page.locator("#main").is_visible()  # no injected style hid the page


def test_no_remote_images_shows_pictures_as_links(watch, markdown_site):
    page = watch.page
    remote = _remote_requests(page)
    page.goto((markdown_site / "plain/modules/md_module.html").as_uri())
    page.wait_for_load_state("load")
    assert page.locator(".description img").count() == 0
    assert page.locator(".description a[href='https://raw.githubusercontent.com/ai4os/x/main/"
                        "fig.png']").count() == 1
    assert remote == []
