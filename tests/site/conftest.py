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
