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


def _served(folder: Path):
    """``folder`` served on 127.0.0.1 by a thread until the generator is closed."""
    server, thread = serve_in_thread(folder)
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def site_url(site: Path):
    """The built site served on 127.0.0.1 by a thread; stopped when the session ends."""
    yield from _served(site)


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


def _v2_entry(name: str, url: str, meta: dict, license_file: dict | None,
              created: str) -> dict:
    """A catalog.json entry for an AI4OS module, as sync writes it (default branch main)."""
    return {"name": name, "url": url, "entry_line": 99, "mirror": f"mirrors/{name}.git",
            "status": "ok", "reason": None, "stale": False, "default_branch": "main",
            "branches": {"main": {
                "commit": "7" * 40, "commit_time": created, "metadata_file": "ai4-metadata.yml",
                "metadata_hash": None, "schema_version": "2.0.0", "valid": True, "errors": [],
                "warnings": [], "metadata": {"metadata_version": "2.0.0", **meta},
                "code_repo": url, "created": created, "updated": created, "build": None,
                "status": "ok", "reason": None, "template_version": None,
                "license_file": license_file, "template": None}}}


#: Made-up AI4OS modules beside the real ones: with the real ones alone every PyTorch module
#: is also a Computer Vision one, and no LICENSE file is on a GitLab or non-web host.
EXTRA_V2 = [
    _v2_entry("torch-speech-tagger", "https://github.com/example/torch-speech-tagger", {
        "title": "Torch speech tagger", "summary": "Tags speech.", "license": "Apache-2.0",
        "libraries": ["PyTorch"], "tasks": ["Natural Language Processing"],
        "categories": ["AI4 trainable"], "data-type": ["Audio"], "tags": ["speech"]},
        {"path": "LICENSE", "spdx_id": "MIT"}, "2025-06-01T00:00:00Z"),
    _v2_entry("leaf-counter", "https://gitlab.example.org/plants/leaf-counter", {
        "title": "Leaf counter", "summary": "Counts leaves.",
        "libraries": ["Keras", "pytorch"], "tasks": ["Computer Vision"],
        "categories": ["AI4 inference"], "data-type": ["Image"], "tags": ["plants"]},
        {"path": "LICENSE.md", "spdx_id": None}, "2025-05-01T00:00:00Z"),
    _v2_entry("local-only", "git://127.0.0.1/local-only", {
        "title": "Local only", "summary": "Served from a local git daemon.",
        "libraries": ["Scikit-learn"], "tasks": ["Other"], "categories": [],
        "data-type": ["Tabular"], "tags": ["local"]},
        {"path": "COPYING", "spdx_id": None}, "2025-04-01T00:00:00Z"),
]


def ai4os_catalog() -> dict:
    """Real AI4OS modules (data/ai4os-catalog.json) plus :data:`EXTRA_V2`."""
    import json

    cat = json.loads((DATA / "ai4os-catalog.json").read_text())
    cat["modules"] += EXTRA_V2
    return cat


@pytest.fixture(scope="session")
def ai4os_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The AI4OS catalog rendered once per session (no build records)."""
    import json

    tmp = tmp_path_factory.mktemp("ai4os")
    (tmp / "catalog.json").write_text(json.dumps(ai4os_catalog()))
    build_site(tmp / "catalog.json", tmp / "site", base_url="https://marketplace.example.org/")
    return tmp / "site"


@pytest.fixture(scope="session")
def ai4os_url(ai4os_site: Path):
    """The AI4OS site served on 127.0.0.1 by a thread."""
    yield from _served(ai4os_site)
