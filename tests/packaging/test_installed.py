"""deep-oc as users install it: the sdist and wheel built, checked, installed into a new
virtual environment outside the checkout, and every command run from an empty folder.

The rest of the suite runs the editable install of the checkout; these tests are the only
ones that see what ``pip install``/``pipx install`` gives a user, so they run the commands a
newcomer runs first and look at what they produce.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.xdist_group("installed")


def _run(argv: list, cwd: Path | None = None, env: dict | None = None,
         timeout: int = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    proc.output = proc.stdout + proc.stderr
    return proc


def _ok(argv: list, **kwargs) -> subprocess.CompletedProcess:
    proc = _run(argv, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, argv))} -> {proc.returncode}\n{proc.output}"
    return proc


def _build(outdir: Path, *flags: str, source: Path = ROOT) -> None:
    # --no-isolation: the build backend comes from the test extra, so no download is needed
    _ok([sys.executable, "-m", "build", "--no-isolation", *flags, "-o", outdir, source])


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """``python -m build``: the sdist, and the wheel built from it (build's default)."""
    out = tmp_path_factory.mktemp("dist")
    _build(out)
    (sdist,) = out.glob("deep_oc-*.tar.gz")
    (wheel,) = out.glob("deep_oc-*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def user_env(dists, tmp_path_factory) -> dict[str, object]:
    """A new virtual environment outside the checkout with the wheel installed (with its
    dependencies, from the package index as a user gets them), and an empty folder."""
    base = tmp_path_factory.mktemp("user")
    venv = base / "venv"
    _ok([sys.executable, "-m", "venv", venv])
    _ok([venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
         dists["wheel"]], timeout=600)
    home = base / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEEPOC_TEMPLATE", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", XDG_CONFIG_HOME=str(home),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    empty = base / "empty"
    empty.mkdir()
    return {"bin": venv / "bin", "env": env, "cwd": empty}


def _user(user_env: dict, *argv: object, ok: bool = True) -> subprocess.CompletedProcess:
    """Run an installed command from the user's empty folder."""
    cmd = [user_env["bin"] / str(argv[0]), *argv[1:]]
    run = _ok if ok else _run
    return run(cmd, cwd=user_env["cwd"], env=user_env["env"])


def test_twine_check_strict_passes_on_both(dists):
    _ok([sys.executable, "-m", "twine", "check", "--strict", dists["sdist"], dists["wheel"]])


def test_wheel_carries_the_template_catalogs_schemas_and_site_assets(dists):
    names = set(zipfile.ZipFile(dists["wheel"]).namelist())
    tracked = _ok(["git", "-C", ROOT, "ls-files", "cookiecutter.json", "local_extensions.py",
                   "hooks", "templates", "{{cookiecutter.repo_name}}", "catalog",
                   "schema"]).stdout.splitlines()
    for rel in tracked:
        top, _, rest = rel.partition("/")
        if top in ("catalog", "schema"):
            assert f"deepoc/data/{rel}" in names, rel
        else:
            assert f"deepoc/data/template/{rel}" in names, rel
    package = _ok(["git", "-C", ROOT, "ls-files", "deepoc"]).stdout.splitlines()
    assert set(package) <= names  # every asset (favicon, css, js, templates) with the code
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    scripts = zipfile.ZipFile(dists["wheel"]).read(entry_points).decode()
    assert "deep-oc = deepoc.cli:entry" in scripts
    assert "deep-app-schema-validator = deepoc.metadata.cli:main" in scripts


def test_the_unpacked_sdist_builds_the_same_wheel(dists, tmp_path):
    with tarfile.open(dists["sdist"]) as tar:
        tar.extractall(tmp_path, filter="data")
    (source,) = tmp_path.glob("deep_oc-*")
    again = tmp_path / "again"
    _build(again, "--wheel", source=source)
    (rebuilt,) = again.glob("*.whl")
    first, second = zipfile.ZipFile(dists["wheel"]), zipfile.ZipFile(rebuilt)
    assert sorted(first.namelist()) == sorted(second.namelist())
    for name in first.namelist():
        assert first.read(name) == second.read(name), name


def test_version_is_single_sourced(dists, user_env):
    spec = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    version = spec["_template_version"]
    assert dists["wheel"].name.startswith(f"deep_oc-{version}-")
    assert _user(user_env, "deep-oc", "--version").stdout.strip() == f"deep-oc {version}"


@pytest.fixture(scope="module")
def baked(user_env) -> Path:
    """``deep-oc new --no-input`` from the empty folder, as a newcomer's first command."""
    proc = _user(user_env, "deep-oc", "new", "--no-input")
    assert "DEEP-OC-demo_module" in proc.output
    return user_env["cwd"]


def test_new_bakes_both_repos_recording_the_version(baked, user_env):
    version = _user(user_env, "deep-oc", "--version").stdout.split()[-1]
    for repo in ("demo_module", "DEEP-OC-demo_module"):
        recorded = json.loads((baked / repo / ".cookiecutter.json").read_text(encoding="utf-8"))
        assert recorded["_template_version"] == version
        assert (baked / repo / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
        readme = (baked / repo / "README.md").read_text(encoding="utf-8")
        assert "Build Status" not in readme  # no Jenkins URL by default: no dead badge
    meta = json.loads((baked / "DEEP-OC-demo_module" / "metadata.json").read_text("utf-8"))
    assert "continuous_integration" not in meta


def test_validator_accepts_the_baked_metadata(baked, user_env):
    proc = _user(user_env, "deep-app-schema-validator", "DEEP-OC-demo_module/metadata.json")
    assert "valid (schema 1.0.0)" in proc.stdout


def test_run_finds_the_baked_pair_and_says_how_to_start_docker(baked, user_env):
    """``deep-oc run`` from the wheel: its help, and in the folder of a fresh bake with no
    engine reachable, the pair is found, checked, and the one-line way to start one."""
    help_text = _user(user_env, "deep-oc", "run", "--help").stdout
    assert "--no-build" in help_text and "--allow-dirty" in help_text
    env = dict(user_env["env"], DOCKER_HOST=f"unix://{baked}/no-engine.sock")
    proc = _run([user_env["bin"] / "deep-oc", "run", "--port", "5999"], cwd=baked, env=env)
    assert proc.returncode == 1, proc.output
    assert proc.stderr.count("\n") == 1 and "did not answer" in proc.stderr
    assert "start one" in proc.stderr and "DOCKER_HOST" in proc.stderr


class _Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def _local_targets(page: Path, site: Path) -> list[Path]:
    """The files inside the site that a page's relative links and sources point at."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    out = []
    for link in parser.found:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # another site, mailto:, or a fragment of this page
        path = unquote(parts.path)
        # root-relative links (the 404 page, served at any depth) start at the site's root
        target = (site / path.lstrip("/") if path.startswith("/") else page.parent / path).resolve()
        assert target.is_relative_to(site.resolve()), f"{page}: {link} leaves the site"
        out.append(target / "index.html" if target.is_dir() else target)
    return out


@pytest.fixture(scope="module")
def site(baked, user_env) -> Path:
    """``catalog sync`` + ``site build`` of the baked module by the installed package."""
    modules = baked / "MODULES.yml"
    modules.write_text(f"- module: {baked / 'DEEP-OC-demo_module'}\n", encoding="utf-8")
    _user(user_env, "deep-oc", "catalog", "sync", "MODULES.yml", "--workdir", "work",
          "--allow-local")
    _user(user_env, "deep-oc", "site", "build", "--catalog", "work/catalog.json", "-o", "site")
    return baked / "site"


def test_every_file_a_page_links_to_exists(site):
    pages = sorted(site.rglob("*.html"))
    assert site / "modules" / "demo_module.html" in pages
    checked = 0
    for page in pages:
        for target in _local_targets(page, site):
            assert target.is_file(), f"{page.relative_to(site)} links to missing {target}"
            checked += 1
    assert checked > len(pages)  # every page has at least its stylesheet and icon


def test_demo_builds_its_site_and_stops_before_serving(user_env):
    proc = _user(user_env, "deep-oc", "demo", "--no-serve", "--workdir", "demo")
    demo = user_env["cwd"] / "demo"
    assert (demo / "site" / "index.html").is_file()
    assert "deliberate metadata mistake" in proc.stdout
    assert "Marketplace: http://" not in proc.stdout  # built, not served


@pytest.mark.browser
def test_site_of_the_installed_package_loads_cleanly_in_chromium(site, watch):
    """Every page type, and a search, with no failed request and no console error
    (``watch`` fails the test on any)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    page = watch.page
    try:
        for rel in ("", "modules/demo_module.html", "tag/index.html",
                    "tag/docker.html", "404.html"):
            page.goto(base + rel, wait_until="networkidle")
        page.goto(base)
        page.fill("#q", "demo")
        page.wait_for_function(
            "() => document.querySelector('#status').textContent.includes('match')")
        page.wait_for_load_state("networkidle")
        titles = page.locator("#results .card a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))")
    finally:
        server.shutdown()
        server.server_close()
    assert "modules/demo_module.html" in titles


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass
