"""The v2 facets in Chromium, on real AI4OS modules (tests/site/data/ai4os-catalog.json).

Expected lists and counts are computed here from the raw metadata of catalog.json, not
through the site's own code.
"""

from __future__ import annotations

import re

import pytest

from tests.site.conftest import ai4os_catalog, shot

pytestmark = pytest.mark.browser

FIELDS = {"library": "libraries", "task": "tasks", "category": "categories",
          "data-type": "data-type", "tag": "tags"}
STATUS = "() => document.querySelector('#status').textContent.includes('match')"


def _modules() -> list[dict]:
    """Each module's name, created time and lower-cased values per facet, newest first."""
    out = []
    for m in ai4os_catalog()["modules"]:
        br = m["branches"][m["default_branch"]]
        meta = br["metadata"]
        values = {k: {str(v).lower() for v in meta.get(f) or []} for k, f in FIELDS.items()}
        out.append({"name": m["name"], "created": br["created"], **values})
    return sorted(out, key=lambda m: (m["created"], m["name"]), reverse=True)


def _shown(page) -> list[str]:  # noqa: ANN001
    hrefs = page.locator("#results:not([hidden]) .card h2 a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    return [re.sub(r"^modules/(.*)\.html$", r"\1", h) for h in hrefs]


def _counts(page, kind: str) -> dict[str, int]:  # noqa: ANN001
    """label (lower case) -> the count shown beside it, for one fieldset."""
    rows = page.locator(f"#f-{kind} li label").evaluate_all(
        "els => els.map(e => [e.querySelector('.v').textContent, "
        "e.querySelector('.n').textContent])")
    return {label.lower(): int(n) for label, n in rows}


def _wait_count(page, n: int) -> None:  # noqa: ANN001
    page.wait_for_function(
        "n => document.querySelector('#status').textContent.startsWith(n + ' module')", arg=n)


def test_library_and_task_narrow_to_modules_with_both_and_counts_match(watch, ai4os_url):
    mods = _modules()
    both = [m["name"] for m in mods if "pytorch" in m["library"]
            and "computer vision" in m["task"]]
    torch = [m for m in mods if "pytorch" in m["library"]]
    assert 0 < len(both) < len(torch)  # the AND is visible: a PyTorch module without CV
    page = watch.page
    page.goto(ai4os_url)
    # no choice yet: every count is the number of modules naming the value
    assert _counts(page, "library")["pytorch"] == len(torch)
    page.check("#f-library input[value=pytorch]")
    page.wait_for_function("() => location.hash === '#library=pytorch'")
    _wait_count(page, len(torch))
    page.check("#f-task input[value=computer-vision]")
    page.wait_for_function("() => location.hash === '#library=pytorch&task=computer-vision'")
    _wait_count(page, len(both))
    assert _shown(page) == both  # exactly those, newest first

    def expected(kind: str) -> dict[str, int]:
        """The count of each value: modules matching every other facet's choice and it."""
        others = [m for m in mods if (kind == "library" or "pytorch" in m["library"])
                  and (kind == "task" or "computer vision" in m["task"])]
        labels = _counts(page, kind)
        return {v: sum(v in m[kind] for m in others) for v in labels}

    for kind in FIELDS:
        assert _counts(page, kind) == expected(kind), kind
    shot(page, "facets-pytorch-cv")

    # a value's count is what the list shows with it chosen in its facet instead
    tf = _counts(page, "library")["tensorflow"]
    page.uncheck("#f-library input[value=pytorch]")
    _wait_count(page, len([m for m in mods if "computer vision" in m["task"]]))
    page.check("#f-library input[value=tensorflow]")
    _wait_count(page, tf)
    # and in another facet, it is what the list becomes when it is added
    video = _counts(page, "data-type")["video"]
    page.check("#f-data-type input[value=video]")
    page.wait_for_function("() => location.hash.includes('data-type=video')")
    if video:
        _wait_count(page, video)
    else:
        page.wait_for_function(
            "() => document.querySelector('#status').textContent === 'No module matches.'")
    # values within a facet combine with OR
    page.uncheck("#f-data-type input[value=video]")
    page.check("#f-library input[value=pytorch]")
    either = [m["name"] for m in mods if m["library"] & {"pytorch", "tensorflow"}
              and "computer vision" in m["task"]]
    _wait_count(page, len(either))
    assert _shown(page) == either


def test_the_choice_survives_a_reload_and_works_from_file_url(watch, ai4os_url, ai4os_site):
    mods = _modules()
    both = [m["name"] for m in mods if "pytorch" in m["library"]
            and "computer vision" in m["task"]]
    page = watch.page
    page.goto(ai4os_url + "#library=pytorch&task=computer-vision")
    _wait_count(page, len(both))
    page.reload()
    _wait_count(page, len(both))
    assert page.is_checked("#f-library input[value=pytorch]")
    assert page.is_checked("#f-task input[value=computer-vision]")
    assert _shown(page) == both
    page.goto((ai4os_site / "index.html").as_uri() + "#library=pytorch&task=computer-vision")
    _wait_count(page, len(both))
    assert _shown(page) == both
    page.check("#f-category input[value=ai4-trainable]")
    trainable = [m["name"] for m in mods if m["name"] in both and "ai4 trainable" in m["category"]]
    _wait_count(page, len(trainable))
    page.reload()
    _wait_count(page, len(trainable))
    assert _shown(page) == trainable
    page.click("#clear")
    page.wait_for_function("() => location.hash === ''")
    assert page.locator("#listing").is_visible()
    assert _counts(page, "library")["pytorch"] == sum("pytorch" in m["library"] for m in mods)


def test_a_value_the_home_page_does_not_list_loads_only_its_file(watch, ai4os_url):
    page = watch.page
    tags = page.context.request.get(ai4os_url + "tag/index.html").text()
    page.goto(ai4os_url)
    shown = set(page.locator("#f-tag input").evaluate_all("els => els.map(e => e.value)"))
    every = re.findall(r'<li><a href="([a-z0-9-]+)\.html">', tags)
    rare = sorted(set(every) - shown)
    assert rare, "the fixture has more tags than a fieldset lists"
    slug = rare[0]
    want = [m["name"] for m in _modules() if any(re.sub(r"[^a-z0-9]+", "-", t).strip("-") == slug
                                                 for t in m["tag"])]
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(ai4os_url + "tag/" + slug + ".html")
    page.click("text=Search and filter within them")
    _wait_count(page, len(want))
    assert _shown(page) == want
    assert page.is_checked(f"#f-tag input[value={slug}]")  # a checkbox was added for it
    loaded = {u.rsplit("/", 1)[1] for u in seen if "/search/f/" in u}
    assert loaded == {"home.js", f"tag-{slug[:2]}.js"}
    page.goto(ai4os_url + "#tag=no-such-tag")  # an unknown value is dropped, URL too
    page.wait_for_function("() => location.hash === ''")
    assert page.locator("#listing").is_visible()


def test_value_pages_list_the_right_modules(watch, ai4os_url):
    mods = _modules()
    page = watch.page
    page.goto(ai4os_url + "library/index.html")
    rows = page.locator(".kwindex li").evaluate_all(
        "els => els.map(e => [e.querySelector('a').textContent, "
        "e.querySelector('a').getAttribute('href'), e.querySelector('.muted').textContent])")
    libraries = {label.lower(): (href, int(n)) for label, href, n in rows}
    for lib in {v for m in mods for v in m["library"]}:
        href, n = libraries[lib]
        assert n == sum(lib in m["library"] for m in mods)
        page.goto(ai4os_url + "library/" + href)
        names = [h.split("/")[-1][:-5] for h in page.locator(".card h2 a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))")]
        assert names == [m["name"] for m in mods if lib in m["library"]], lib
        assert page.locator("h1").text_content().lower() == f"library: {lib}"
    # spellings differing in case are one value: "PyTorch" and "pytorch" on one page
    assert libraries["pytorch"][0] == "pytorch.html"
    page.goto(ai4os_url + "task/computer-vision.html")
    assert page.locator("h1").text_content() == "Task: Computer Vision"
    page.goto(ai4os_url + "data-type/index.html")
    assert page.locator("h1").text_content() == "Data types"


def test_module_page_rows_badges_license_and_template(watch, ai4os_url):
    page = watch.page
    page.goto(ai4os_url + "modules/ai4os-yolov8-torch.html")

    def row(label: str):  # noqa: ANN202
        return page.locator(f".facts dt:text-is('{label}') + dd")

    assert row("Library").locator("a").all_text_contents() == ["PyTorch"]
    assert row("Library").locator("a").get_attribute("href") == "../library/pytorch.html"
    assert row("Task").locator("a").all_text_contents() == ["Computer Vision", "Classification"]
    assert row("Category").locator("a").all_text_contents() == [
        "AI4 pre trained", "AI4 trainable", "AI4 inference"]
    assert row("Data type").locator("a").all_text_contents() == ["Image", "Video"]
    assert row("Tags").locator("a").all_text_contents() == [
        "deep learning", "object detection", "vo.imagine-ai.eu", "general purpose"]
    badges = page.locator("article > .badges .badge").all_text_contents()
    assert {"trainable", "inference", "pre-trained"} <= set(badges)  # from the categories
    assert row("License").text_content() == "AGPL-3.0 (from LICENSE)"
    assert row("License").locator("a").get_attribute("href") == \
        "https://github.com/ai4os-hub/ai4os-yolov8-torch/blob/main/LICENSE"
    assert row("Template").text_content() == "ai4-template/1.9.9"
    assert row("Branch shown").text_content().startswith("main")
    assert row("Metadata file").text_content() == "ai4-metadata.yml"
    shot(page, "module-ai4os")
    # the default branch (main) is shown, not master, though the module has a master too
    page.goto(ai4os_url + "modules/thunderstorm-nowcast-microstep.html")
    assert not page.locator("h1").text_content().endswith("(old)")
    assert row("Branch shown").text_content() == "main (also: master)"
    # dogs-breed-detector is pre-trained and inference, but not trainable
    page.goto(ai4os_url + "modules/dogs-breed-detector.html")
    badges = page.locator("article > .badges .badge").all_text_contents()
    assert "pre-trained" in badges and "inference" in badges and "trainable" not in badges
    # a license the metadata names wins over the LICENSE file
    page.goto(ai4os_url + "modules/torch-speech-tagger.html")
    assert row("License").text_content() == "Apache-2.0"
    # a LICENSE text no license id was found for: a link to it (GitLab), or plain text
    page.goto(ai4os_url + "modules/leaf-counter.html")
    assert row("License").text_content() == "see LICENSE.md"
    assert row("License").locator("a").get_attribute("href") == \
        "https://gitlab.example.org/plants/leaf-counter/-/blob/main/LICENSE.md"
    page.goto(ai4os_url + "modules/local-only.html")
    assert row("License").text_content() == "see COPYING"
    assert row("License").locator("a").count() == 0


def test_cards_and_the_license_facet_use_the_license_id(watch, ai4os_url):
    cat = ai4os_catalog()["modules"]
    by_id: dict[str, int] = {}
    for m in cat:
        br = m["branches"][m["default_branch"]]
        lic = br["metadata"].get("license") or br["license_file"]["spdx_id"] or "see LICENSE"
        by_id[lic] = by_id.get(lic, 0) + 1
    page = watch.page
    page.goto(ai4os_url)
    assert _counts(page, "license") == {k.lower(): n for k, n in by_id.items()}
    page.check("#f-license input[value=agpl-3-0]")
    _wait_count(page, by_id["AGPL-3.0"])
    metas = page.locator("#results .card .meta").all_text_contents()
    assert metas and all(t.endswith("License: AGPL-3.0") for t in metas)
    home = page.locator("#listing .card .meta").all_text_contents()
    assert any(t.endswith("License: see LICENSE") for t in home)


def test_phone_width_folds_the_filters(browser, ai4os_url):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True)
    page = ctx.new_page()
    page.goto(ai4os_url)
    assert page.locator("details.filters").get_attribute("open") is None
    width = page.evaluate("document.documentElement.scrollWidth")
    page.click("details.filters > summary")
    page.check("#f-library input[value=pytorch]")
    page.wait_for_function(STATUS)
    shot(page, "facets-phone")
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.goto(ai4os_url + "#library=pytorch")  # a chosen value: the filters stay open
    page.reload()
    page.wait_for_function(STATUS)
    assert page.locator("details.filters").get_attribute("open") is not None
    ctx.close()
    assert width <= 390 and wide <= 390
