"""Fixtures for the site tests: a built test site, a loopback server, one Chromium per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deepoc.site.build import build_site
from deepoc.site.serve import serve_in_thread

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "site"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test catalog (tests/site/data) rendered once per session."""
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(DATA / "catalog.json", out, builds=DATA / "builds.json",
               base_url="https://marketplace.example.org/")
    return out


@pytest.fixture(scope="session")
def site_url(site: Path):
    """The built site served on 127.0.0.1 by a thread; stopped when the session ends."""
    server, thread = serve_in_thread(site)
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


class PageWatch:
    """A page plus every console error, page error and failed request it produced."""

    def __init__(self, page) -> None:  # noqa: ANN001 - playwright Page
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(
            f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        # A request the browser aborted (the test navigated on or closed the page while a
        # favicon was in flight) is not a broken asset; a missing one shows as HTTP 404 below.
        page.on("requestfailed", lambda r: r.failure != "net::ERR_ABORTED" and self.errors.append(
            f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(
            f"HTTP {r.status}: {r.url}"))
        page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))


@pytest.fixture()
def watch(browser):
    """A fresh browser context and page for one test; fails the test on console errors."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    w = PageWatch(page)
    yield w
    ctx.close()
    assert not w.errors, w.errors


def shot(page, name: str) -> Path:  # noqa: ANN001
    """Save a full-page screenshot under test-artifacts/site/ (gitignored) for review."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def copy_data(tmp: Path) -> tuple[Path, Path]:
    """Writable copies of the test catalog and build records."""
    cat, builds = tmp / "catalog.json", tmp / "builds.json"
    shutil.copy(DATA / "catalog.json", cat)
    shutil.copy(DATA / "builds.json", builds)
    return cat, builds
