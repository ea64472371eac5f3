"""Fixtures shared by several areas: one Chromium per test process.

Playwright's sync API runs an event loop while it is open, so a process can hold only one:
every browser test of a worker uses this session's browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# A 1x1 PNG: what every off-machine request is answered with (tests stay on loopback).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
OFF_MACHINE = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost|\[::1\])[:/])")


class OfflineBrowser:
    """The browser, whose every context answers off-machine requests itself (a module's
    pictures on raw.githubusercontent.com, say): no test reaches past loopback. A test that
    wants to see those requests routes them on its page, which comes first."""

    def __init__(self, browser) -> None:  # noqa: ANN001 - playwright Browser
        self._browser = browser

    def new_context(self, **kwargs):  # noqa: ANN003, ANN201
        ctx = self._browser.new_context(**kwargs)
        ctx.route(OFF_MACHINE, lambda route: route.fulfill(
            status=200, content_type="image/png", body=PNG))
        return ctx

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._browser, name)


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
        yield OfflineBrowser(b)
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
