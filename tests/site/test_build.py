"""What a build publishes: module data, pages, escaping, atomic whole-site swaps."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import pytest

from benchmarks import synthetic
from deepoc.cli import main
from deepoc.errors import DeepOCError, UsageError
from deepoc.site import modules as model
from deepoc.site import search
from deepoc.site.build import MANIFEST, build_site
from deepoc.site.pages import PAGE_SIZE
from tests.site.conftest import DATA, copy_data

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def _cat() -> dict:
    return json.loads((DATA / "catalog.json").read_text())


def _builds() -> dict:
    return json.loads((DATA / "builds.json").read_text())


def _entry(name: str) -> dict:
    return next(m for m in _cat()["modules"] if m["name"] == name)


def _write(tmp: Path, cat: dict, builds: dict | None = None) -> tuple[Path, Path | None]:
    c = tmp / "catalog.json"
    c.write_text(json.dumps(cat))
    b = None
    if builds is not None:
        b = tmp / "builds.json"
        b.write_text(json.dumps(builds))
    return c, b


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


@pytest.mark.parametrize("url,ok", [
    ("https://example.org/x", True), ("http://example.org", True), ("HTTPS://EXAMPLE.ORG/", True),
    ("javascript:alert(1)", False), ("JavaScript:alert(1)", False), (" javascript:x", False),
    ("data:text/html,<b>", False), ("//example.org/x", False), ("example.org", False),
    ("https://", False), ("https://ex ample.org", False), ("http://a\nb", False),
    ("file:///etc/passwd", False), ("vbscript:x", False), (None, False), (5, False),
])
def test_only_http_urls_become_links(url, ok):
    assert model.is_http_url(url) is ok


def test_v1_module_view():
    v = model.listed_module(_entry("plant_classifier"), model.builds_index(_builds())
                          ["plant_classifier"])
    assert (v.title, v.branch, v.license, v.status) == ("Plant classifier", "master",
                                                        "Apache 2.0", "ok")
    assert v.trainable and v.inference and v.pretrained
    # a v1 description is wrapped lines: one paragraph
    assert v.description == ("<p>A convolutional network trained on herbarium sheets.\n"
                             "It also recognises xylophagous beetle damage on bark.</p>\n")
    assert (v.created, v.updated) == ("2019-05-01T10:00:00Z", "2026-10-01T10:00:00Z")
    links = {link.label: link for link in v.links}
    assert links["Image registry"].value == "https://hub.docker.com/r/deephdc/plant_classifier"
    assert {"Code", "Docker repo", "Dataset", "Citation", "Weights"} <= set(links)
    assert "Training files" not in links  # shown only when present
    # the newest record wins: an old failed CPU build is superseded by the pushed one
    assert v.images["cpu"].tag == "cpu" and v.images["gpu"].tag == "gpu"
    assert v.images["cpu"].image == "localhost:5000/deephdc/plant_classifier"
    assert v.build_status == "pushed"
    assert v.extra_branches == ["test"]


def test_v2_module_view_and_unpushed_images():
    v = model.listed_module(_entry("audio_tagger"), model.builds_index(_builds())["audio_tagger"])
    assert v.branch == "main" and v.inference and v.pretrained and not v.trainable
    assert v.facets == {"library": ["PyTorch"], "task": ["Classification"],
                        "category": ["AI4 inference", "AI4 pre trained"], "data-type": [],
                        "tag": ["audio", "deep learning"]}  # categories are not tags
    assert v.description == ("<p>Detects birds and insects in audio.</p>\n"
                             "<p>Works on 10 s clips.</p>\n")
    assert set(v.images) == {"cpu"}  # the GPU image was built but not pushed: no command
    labels = [link.label for link in v.links]
    assert labels[:3] == ["Code", "Docker repo", "Image registry"]
    assert "Documentation" in labels


def test_newer_failed_build_hides_the_old_image():
    recs = _builds()["builds"] + [{
        "module": "plant_classifier", "branch": "master", "variant": "gpu", "status": "failed",
        "tags": [], "image": "localhost:5000/deephdc/plant_classifier",
        "time": "2026-11-21T00:00:00Z"}]
    v = model.listed_module(_entry("plant_classifier"),
                          model.builds_index({"builds": recs})["plant_classifier"])
    assert set(v.images) == {"cpu"} and v.build_status == "failed"


def test_javascript_urls_are_text_not_links():
    v = model.listed_module(_entry("evil_module"), [])
    links = {link.label: link for link in v.links}
    assert not links["Code"].is_link and links["Code"].value.startswith("javascript:")
    assert not links["Dataset"].is_link and not links["Citation"].is_link


def test_missing_branches_are_skipped_and_stale_failures_shown():
    entry = _entry("old_detector")
    good = entry["branches"]["master"]
    entry["branches"] = {
        "master": {"commit": None, "status": "missing", "reason": "no branch master"},
        "test": {"commit": None, "status": "missing", "reason": "no branch test"},
        "dev": dict(good, status="stale", failure={
            "commit": "9" * 40, "status": "invalid", "reason": "metadata.json does not parse",
            "errors": [{"path": "$", "line": 4, "column": 1, "message": "Expecting ','",
                        "hint": None}]})}
    v = model.listed_module(entry, [])
    assert v.branch == "dev" and v.extra_branches == [] and v.title == "Old object detector"
    assert v.problems == ["now failing: metadata.json does not parse",
                          "$ (line 4): Expecting ','"]


def test_invalid_module_keeps_its_page():
    v = model.listed_module(_entry("broken_meta"), [])
    assert v.status == "invalid" and not v.valid
    assert v.problems[0] == "$.summary (line 3): 5 is not of type 'string' (quote the summary)"
    assert model.listed_module(_entry("old_detector"), []).stale


@pytest.mark.parametrize("ids,n", [([], 10), ([0], 1), ([3, 9, 20], 1000),
                                   (list(range(0, 1000, 2)), 1000), (list(range(77)), 77),
                                   ([5, 6, 7, 8, 9000], 9001)])
def test_postings_round_trip(ids, n):
    enc = search.postings(ids, n)
    assert search.decode_postings(enc) == ids
    if n >= 64 and len(ids) > n // 4:
        assert isinstance(enc, str)  # dense: a bitmap, n/6 bytes at most


def test_slugs():
    assert model.module_slug("plant_classifier") == "plant_classifier"
    assert re.fullmatch(r"a-b-[0-9a-f]{8}", model.module_slug("a/b"))
    taken: set[str] = set()
    assert model.unique_slug("deep learning", taken) == "deep-learning"
    assert model.unique_slug("deep-learning", taken).startswith("deep-learning-")
    assert model.slugify("<script>") == "script"


def test_site_pages_and_escaping(site: Path):
    for rel in ["index.html", "404.html", "feed.xml", "sitemap.xml", "catalog.json",
                "builds.json", "tag/index.html", "library/index.html", "assets/site.css",
                "assets/site.js", "search/meta.js"]:
        assert (site / rel).is_file(), rel
    assert (site / "catalog.json").read_bytes() == (DATA / "catalog.json").read_bytes()
    names = {m["name"] for m in _cat()["modules"]}
    assert {p.stem for p in (site / "modules").glob("*.html")} == names
    evil = (site / "modules/evil_module.html").read_text()
    assert "&lt;script&gt;window.__pwned=3&lt;/script&gt;" in evil
    assert 'href="javascript' not in evil.lower() and 'href="data:' not in evil
    for page in site.rglob("*.html"):
        html = page.read_text()
        # no inline handlers, no inline scripts (the CSP forbids them anyway)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), page
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == [], page
        assert "Content-Security-Policy" in html
    for shard in (site / "search").rglob("*.js"):
        assert "<" not in shard.read_text(), shard  # escaped as \u003c inside the JSON


def test_value_pages_feed_sitemap(site: Path):
    for kind in ("tag", "library", "task", "category"):
        index = (site / f"{kind}/index.html").read_text()
        slugs = re.findall(r'<li><a href="([^"]+)\.html">', index)
        assert slugs and len(slugs) == len(list((site / kind).glob("*.html"))) - 1
        for slug in slugs:
            assert 'class="card' in (site / f"{kind}/{slug}.html").read_text()  # none empty
    feed = ET.parse(site / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 6
    assert entries[0].find("a:link", ns).get("href") == \
        "https://marketplace.example.org/modules/plant_classifier.html"  # newest update first
    locs = [e.text for e in ET.parse(site / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://marketplace.example.org/modules/evil_module.html" in locs
    home = (site / "index.html").read_text()
    assert '<link rel="canonical" href="https://marketplace.example.org/index.html">' in home


def test_pagination_never_lists_every_module(tmp_path: Path):
    cat, builds = synthetic.catalog(PAGE_SIZE * 2 + 5)
    c, b = _write(tmp_path, cat, builds)
    report = build_site(c, tmp_path / "site", builds=b, now=NOW)
    site = tmp_path / "site"
    assert report.modules == PAGE_SIZE * 2 + 5
    pages = [site / "index.html", site / "pages/2.html", site / "pages/3.html"]
    counts = [p.read_text().count('<li class="card') for p in pages]
    assert counts == [PAGE_SIZE, PAGE_SIZE, 5]
    assert not (site / "pages/4.html").exists()
    assert 'href="../pages/3.html"' in pages[1].read_text()
    for kw in (site / "tag").glob("*.html"):
        assert kw.read_text().count('<li class="card') <= PAGE_SIZE


def test_a_rebuild_equals_a_fresh_build_and_keeps_the_times_of_unchanged_files(
        tmp_path: Path):
    """rsync and object-storage uploads compare size and time: only changed files differ."""
    cat, builds = synthetic.catalog(60)
    c, b = _write(tmp_path, cat, builds)
    site = tmp_path / "site"
    build_site(c, site, builds=b, now=NOW)
    past = 1_000_000_000  # every file of the first build looks old
    for p in site.rglob("*"):
        os.utime(p, (past, past))
    same = build_site(c, site, builds=b, now=NOW)
    assert same.changed == 0
    assert {p.stat().st_mtime for p in site.rglob("*") if p.is_file()} == {past}
    master = cat["modules"][7]["branches"]["master"]
    master["metadata"]["summary"] = "Quite new words here."
    c.write_text(json.dumps(cat))
    changed = build_site(c, site, builds=b, now=NOW)
    moved = {str(p.relative_to(site)) for p in site.rglob("*")
             if p.is_file() and p.stat().st_mtime != past}
    assert "modules/mod_00007.html" in moved and "catalog.json" in moved
    assert len(moved) == changed.changed < changed.files // 5
    assert "Quite new words here." in (site / "modules/mod_00007.html").read_text()
    fresh = tmp_path / "fresh"
    build_site(c, fresh, builds=b, now=NOW)
    assert _tree(site) == _tree(fresh)


def test_removed_module_pages_are_removed(tmp_path: Path):
    c, b = copy_data(tmp_path)
    site = tmp_path / "site"
    build_site(c, site, builds=b, now=NOW)
    assert (site / "modules/failing_builder.html").exists()
    cat = _cat()
    cat["modules"] = [m for m in cat["modules"] if m["name"] != "failing_builder"]
    c.write_text(json.dumps(cat))
    build_site(c, site, builds=b, now=NOW)
    assert not (site / "modules/failing_builder.html").exists()
    assert not (site / "tag/satellite.html").exists()  # its only module left
    assert "failing_builder" not in (site / "index.html").read_text()


def test_failed_build_leaves_the_old_site(tmp_path: Path, monkeypatch):
    c, b = copy_data(tmp_path)
    site = tmp_path / "site"
    build_site(c, site, builds=b, now=NOW)
    before = _tree(site)

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(search, "search_files", boom)
    cat = _cat()
    cat["modules"] = cat["modules"][:2]
    c.write_text(json.dumps(cat))
    with pytest.raises(RuntimeError):
        build_site(c, site, builds=b, now=NOW)
    assert _tree(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".site.lock", "builds.json", "catalog.json", "site"]  # no work tree left


def test_concurrent_builds_and_leftovers_of_a_killed_build(tmp_path: Path):
    import threading

    c, b = copy_data(tmp_path)
    site = tmp_path / "site"
    build_site(c, site, builds=b, now=NOW)
    left = tmp_path / ".site.new-killed"
    (left / "modules").mkdir(parents=True)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build_site(c, site, builds=b, now=NOW)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not left.exists()
    fresh = tmp_path / "fresh"
    build_site(c, fresh, builds=b, now=NOW)
    assert _tree(site) == _tree(fresh)


def test_bad_inputs_are_one_line_errors(tmp_path: Path):
    with pytest.raises(UsageError, match="does not exist"):
        build_site(tmp_path / "nope.json", tmp_path / "site")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DeepOCError, match="not valid JSON"):
        build_site(bad, tmp_path / "site")
    bad.write_text('{"catalog_version": 1}')
    with pytest.raises(DeepOCError, match="no 'modules' list"):
        build_site(bad, tmp_path / "site")
    bad.write_text('{"catalog_version": 2, "modules": []}')
    with pytest.raises(DeepOCError, match="catalog_version 2, this deep-oc reads 1"):
        build_site(bad, tmp_path / "site")
    with pytest.raises(DeepOCError, match="builds_version"):
        build_site(DATA / "catalog.json", tmp_path / "site", builds=DATA / "catalog.json")
    other = tmp_path / "other"
    other.mkdir()
    (other / "precious.txt").write_text("x")
    with pytest.raises(UsageError, match="not a site built by deep-oc"):
        build_site(DATA / "catalog.json", other)
    assert (other / "precious.txt").exists()
    with pytest.raises(UsageError, match="base-url"):
        build_site(DATA / "catalog.json", tmp_path / "s", base_url="javascript:x")
    dup = _cat()
    dup["modules"].append(dup["modules"][0])
    c, _ = _write(tmp_path, dup)
    with pytest.raises(DeepOCError, match="twice"):
        build_site(c, tmp_path / "s")


def test_cli_build(tmp_path: Path, capsys):
    out = tmp_path / "site"
    assert main(["site", "build", "--catalog", str(DATA / "catalog.json"), "--builds",
                 str(DATA / "builds.json"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "6 modules" in printed and "without --base-url" in printed
    assert main(["site", "build", "--catalog", str(DATA / "catalog.json"), "-o", str(out),
                 "--base-url", "https://marketplace.example.org/"]) == 0
    assert "--base-url" not in capsys.readouterr().out
    assert "<loc>https://marketplace.example.org/index.html</loc>" in (
        out / "sitemap.xml").read_text()
    assert main(["site", "build", "--catalog", str(tmp_path / "missing.json"), "-o",
                 str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deep-oc: error: catalog") and err.count("\n") == 1


def test_serve_refuses_a_folder_that_is_not_a_site(tmp_path: Path):
    from deepoc.site.serve import make_server

    with pytest.raises(UsageError, match="not a built site"):
        make_server(tmp_path)
    assert main(["site", "serve", str(tmp_path), "--port", "0"]) == 2
