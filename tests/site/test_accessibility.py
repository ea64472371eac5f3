"""axe-core in Chromium: no WCAG 2.1 A/AA or best-practice violation on any page type."""

from __future__ import annotations

import pytest

from tests.site.conftest import REPO

pytestmark = pytest.mark.browser

AXE = REPO / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PAGES = {
    "home": "index.html",
    "module": "modules/plant_classifier.html",
    "module with problems": "modules/broken_meta.html",
    "tag": "tag/satellite.html",
    "tag index": "tag/index.html",
    "library": "library/pytorch.html",
    "empty data type index": "data-type/index.html",
    "404": "modules/no_such_module.html",
}


@pytest.fixture(scope="module")
def axe_context(browser):
    """A context that may inject axe despite the pages' CSP (which forbids inline scripts)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run scripts/install-system-deps.sh")
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def _violations(page) -> list[str]:  # noqa: ANN001
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", RULES)
    page.close()
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


@pytest.mark.parametrize("kind", PAGES)
def test_no_accessibility_violations(axe_context, site_url, kind):
    page = axe_context.new_page()
    page.goto(site_url + PAGES[kind])
    page.wait_for_load_state("load")
    problems = _violations(page)
    assert problems == [], problems


AI4OS_PAGES = {
    "home with filters chosen": "index.html#library=pytorch&task=computer-vision&tag=plants",
    "AI4OS module": "modules/ai4os-yolov8-torch.html",
    "license not identified": "modules/leaf-counter.html",
    "task": "task/computer-vision.html",
    "library index": "library/index.html",
}


@pytest.mark.parametrize("kind", AI4OS_PAGES)
def test_no_accessibility_violations_on_ai4os_pages(axe_context, ai4os_url, kind):
    page = axe_context.new_page()
    page.goto(ai4os_url + AI4OS_PAGES[kind])
    page.wait_for_load_state("load")
    if "#" in AI4OS_PAGES[kind]:  # the counts and the added checkbox are in place
        page.wait_for_function(
            "() => document.querySelector('#status').textContent.includes('match')")
        assert page.is_checked("#f-tag input[value=plants]")  # a checkbox JS added
    problems = _violations(page)
    assert problems == [], problems
