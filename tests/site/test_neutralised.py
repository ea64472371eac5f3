"""Bidirectional overrides and control characters never reach a page, the feed, the sitemap or
the search index (deepoc/textsafe.neutralise, applied in the view-data layer)."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from deepoc.site.build import build_site
from deepoc.textsafe import BIDI_CONTROLS

from .conftest import DATA

NASTY = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068",
         "\u2069", "\u200e", "\u200f", "\u061c", "\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b",
         "\x1f", "\x7f", "\x80", "\x85", "\x9b", "\x9f", "\ufffe", "\uffff"]
MIX = "".join(NASTY)
# a control character, a bidi control or a non-character in a file as written...
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"
                 + "".join(map(chr, sorted(BIDI_CONTROLS))) + "]")
# ...or escaped inside a JSON/JS shard, where a browser's textContent would turn it back
ESCAPED = re.compile(r"\\u(00[01][0-9a-f]|007f|008[0-9a-f]|009[0-9a-f]|202[a-e]|206[6-9]"
                     r"|200[ef]|061c|fffe|ffff)", re.IGNORECASE)


def _hostile_value(value: object) -> object:
    if isinstance(value, str):
        return f"{MIX[:13]}{value}{MIX[13:]}" if value else MIX
    if isinstance(value, list):
        return [_hostile_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _hostile_value(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cat = json.loads((DATA / "catalog.json").read_text())
    mod = copy.deepcopy(cat["modules"][0])
    for br in mod["branches"].values():
        meta = br.get("metadata") or {}
        br["metadata"] = _hostile_value(meta)
        br["metadata"]["author"] = f"Eve{MIX} Mallory"
        br["metadata"]["keywords"] = [f"kw{c}x" for c in NASTY] + ["exe.\u202etxt"]
    mod["name"] = "hostile_text"
    mod["reason"] = f"reason {MIX}"
    cat["modules"].append(mod)
    builds = json.loads((DATA / "builds.json").read_text())
    for rec in list(builds["builds"]):
        if rec["module"] == "plant_classifier":
            bad = copy.deepcopy(rec)
            bad.update(module="hostile_text", status="failed", reason=f"failed {MIX}")
            builds["builds"].append(bad)
    root = tmp_path_factory.mktemp("neutral")
    (root / "catalog.json").write_text(json.dumps(cat))
    (root / "builds.json").write_text(json.dumps(builds))
    out = root / "site"
    build_site(root / "catalog.json", out, builds=root / "builds.json",
               base_url="https://marketplace.example.org/", site_title=f"Title{MIX}")
    return out


def test_no_written_file_carries_a_control_or_bidi_character(built: Path) -> None:
    files = [p for p in built.rglob("*") if p.is_file() and p.suffix in (".html", ".xml", ".js",
                                                                          ".txt", ".json")]
    assert any(p.name == "hostile_text.html" for p in files)
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert not RAW.search(text), (p, RAW.search(text))
        if p.suffix != ".json":  # builds.json is the input's data, copied for tools, not shown
            assert not ESCAPED.search(text), (p, ESCAPED.search(text))


def test_text_is_kept_around_the_neutralised_characters(built: Path) -> None:
    page = (built / "modules" / "hostile_text.html").read_text()
    assert "Plant classifier" in page
    assert "exe.txt" in (built / "tag" / "index.html").read_text()


@pytest.mark.parametrize("name", ["feed.xml", "sitemap.xml"])
def test_feed_and_sitemap_stay_well_formed(built: Path, name: str) -> None:
    root = ET.parse(built / name).getroot()
    assert root is not None
    if name == "feed.xml":
        assert any("Plant classifier" in (e.text or "") for e in root.iter())
