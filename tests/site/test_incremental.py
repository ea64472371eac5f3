"""Safety net for the incremental site build: a rebuild after any change equals a fresh build.

Written against the public API only (``build_site`` and the files beside the site), so it
holds whatever the cache and standby formats are. Every scenario runs on both input layouts:
"canonical" (``atomic_write_json``, what the pipeline writes) and "compact" (one-line
``json.dumps``, which an incremental reader must handle by its fallback).

Each scenario: build, rebuild unchanged (so the standby tree exists), change, rebuild and
compare with a fresh build into another folder; then a follow-up change (the standby tree is
now two builds old), rebuild and compare again.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from deepoc.fsutil import atomic_write_json
from deepoc.site import synthetic
from deepoc.site.render import MANIFEST, PAGE_SIZE, BuildReport, build_site

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
N = 70  # three home pages
LAYOUTS = ("canonical", "compact")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def _differences(a: dict[str, bytes], b: dict[str, bytes], names: tuple[str, str]) -> str:
    """What differs between two trees, readably (for assertion messages)."""
    lines = []
    for only, other, name in ((a, b, names[0]), (b, a, names[1])):
        extra = sorted(only.keys() - other.keys())
        if extra:
            lines.append(f"only in {name}: {extra}")
    changed = sorted(rel for rel in a.keys() & b.keys() if a[rel] != b[rel])
    if changed:
        lines.append(f"differing: {changed}")
    for rel in changed[:4]:  # where each first differs, with some context
        x, y = a[rel], b[rel]
        at = next((i for i, (c, d) in enumerate(zip(x, y, strict=False)) if c != d),
                  min(len(x), len(y)))
        lo = max(0, at - 120)
        lines.append(f"{rel} from byte {at}:\n  {names[0]}: {x[lo:at + 200]!r}\n"
                     f"  {names[1]}: {y[lo:at + 200]!r}")
    return "\n".join(lines)


def _assert_same(site: dict[str, bytes], fresh: dict[str, bytes], step: int) -> None:
    assert site == fresh, f"step {step}: incremental build differs from a fresh build:\n" + \
        _differences(site, fresh, ("incremental", "fresh"))


def _clean(tmp: Path) -> None:
    """Delete what a passing test built: files deleted this soon are seldom written to disk
    (this file makes thousands of small ones; the tmp_path of a failure is kept)."""
    for p in tmp.iterdir():
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


@dataclass
class Inputs:
    """The two input documents as dicts, and how they are written to disk."""

    tmp: Path
    layout: str
    cat: dict[str, Any]
    builds: dict[str, Any] | None  # None: the site is built without --builds
    original: tuple[dict[str, Any], dict[str, Any] | None] = field(init=False)

    def __post_init__(self) -> None:
        self.original = (copy.deepcopy(self.cat), copy.deepcopy(self.builds))

    @property
    def catalog_path(self) -> Path:
        return self.tmp / "catalog.json"

    @property
    def builds_path(self) -> Path:
        return self.tmp / "builds.json"

    def _dump(self, path: Path, data: dict[str, Any]) -> None:
        if self.layout == "canonical":
            atomic_write_json(path, data, listing="modules" if "modules" in data else "builds")
        else:
            path.write_text(json.dumps(data, separators=(",", ":")))

    def write(self) -> None:
        self._dump(self.catalog_path, self.cat)
        if self.builds is None:
            self.builds_path.unlink(missing_ok=True)
        else:
            self._dump(self.builds_path, self.builds)

    def build(self, out: Path) -> BuildReport:
        return build_site(self.catalog_path, out,
                          builds=None if self.builds is None else self.builds_path, now=NOW)

    def fresh(self, step: int) -> dict[str, bytes]:
        """The tree of a fresh build of the inputs as they are now, in a folder of its own
        (another name, so it shares no cache or standby tree with the site)."""
        folder = self.tmp / f"fresh{step}"
        self.build(folder / "fresh")
        tree = _tree(folder / "fresh")
        shutil.rmtree(folder)
        return tree

    def revert(self) -> None:
        self.cat, self.builds = copy.deepcopy(self.original[0]), copy.deepcopy(self.original[1])

    def mod(self, name: str) -> dict[str, Any]:
        return next(m for m in self.cat["modules"] if m["name"] == name)

    def master(self, name: str) -> dict[str, Any]:
        return self.mod(name)["branches"]["master"]

    def meta(self, name: str) -> dict[str, Any]:
        return self.master(name)["metadata"]

    def rehash(self, name: str) -> None:
        """A new metadata_hash, as 'catalog sync' records for a changed metadata file."""
        br = self.master(name)
        br["metadata_hash"] = "sha256:" + hashlib.sha256(
            json.dumps(br["metadata"], sort_keys=True).encode()).hexdigest()

    def digest(self) -> str:
        """Identifies the input files as written (a fresh build of them is always the same)."""
        h = hashlib.sha1(self.catalog_path.read_bytes())
        if self.builds is not None:
            h.update(b"\0" + self.builds_path.read_bytes())
        return h.hexdigest()

    def records(self, name: str) -> list[dict[str, Any]]:
        return [r for r in (self.builds or {}).get("builds", []) if r["module"] == name]


def _name(i: int) -> str:
    return f"mod_{i:05d}"


# --- the scenarios: change(inputs, step), step 0 the change and step 1 its follow-up ---

def summary(s: Inputs, step: int) -> None:
    if step == 0:
        s.meta(_name(7))["summary"] = "Quite new words here about herbaria."
        s.rehash(_name(7))
    else:
        s.revert()


def unique_word(s: Inputs, step: int) -> None:
    # a new term in an existing shard and one in a shard no other term uses (non a-z)
    if step == 0:
        desc = s.meta(_name(12))["description"]
        desc[1] = desc[1] + " Qwxzyunique ŋarwhalish."
        s.rehash(_name(12))
    else:
        s.revert()


def keyword(s: Inputs, step: int) -> None:
    kws = s.meta(_name(30))["keywords"]
    if step == 0:
        kws.insert(0, "Zebrafish")  # only this module: a new keyword page
        shared = next(w for w in ("plant", "leaf", "ocean", "city") if w not in kws)
        kws.append(shared)  # a keyword others have: its listing grows
        s.rehash(_name(30))
    else:
        kws.remove("Zebrafish")  # the keyword page goes, the shared keyword stays
        s.rehash(_name(30))


def _case_word(s: Inputs) -> tuple[str, str]:
    """A keyword exactly two modules have, and the newer of the two."""
    users: dict[str, list[int]] = {}
    for i, m in enumerate(s.original[0]["modules"]):
        for k in m["branches"]["master"]["metadata"]["keywords"]:
            users.setdefault(k, []).append(i)
    word = min(w for w, ids in users.items() if len(ids) == 2 and w.isalpha())
    return word, _name(max(users[word]))


def keyword_case(s: Inputs, step: int) -> None:
    # When the newer module spells it "Word" the label is a tie, won by the spelling met
    # first (newest module first); then every keyword of that module in capitals (the
    # labels of its own keywords change, their slugs do not).
    word, name = _case_word(s)
    kws = s.meta(name)["keywords"]
    if step == 0:
        kws[kws.index(word)] = word.capitalize()
    else:
        kws[:] = [k.upper() for k in kws]
    s.rehash(name)


def keyword_slug_collision(s: Inputs, step: int) -> None:
    # "topic 7" sorts before "topic-7" and takes its slug: the module that has "topic-7"
    # now links to a keyword page with another name (and back on the follow-up)
    if step == 0:
        s.meta(_name(40))["keywords"].append("topic 7")
        s.rehash(_name(40))
    else:
        s.revert()


def _cpu_only(s: Inputs) -> str:
    """A module whose one image is a published CPU one (its run commands all go with it)."""
    assert s.original[1] is not None
    records = s.original[1]["builds"]
    return next(m["name"] for m in s.original[0]["modules"][9:]
                if [(r["variant"], r["status"] in ("pushed", "reused"))
                    for r in records if r["module"] == m["name"]] == [("cpu", True)])


def build_status(s: Inputs, step: int) -> None:
    assert s.builds is not None
    if step == 0:
        name = _cpu_only(s)
        s.records(name)[0].update(status="failed", tags=[],
                                  reason="docker build failed at step 9")
        have = {r["module"] for r in s.builds["builds"]}
        other = next(m["name"] for m in s.cat["modules"] if m["name"] not in have)
        commit = s.master(other)["commit"]
        s.builds["builds"].append({
            "module": other, "branch": "master", "git_tag": None, "variant": "cpu",
            "commit": commit, "build_number": "8", "image": f"localhost:5000/deephdc/{other}",
            "tags": ["latest", "cpu", commit[:7]], "digest": "sha256:" + "1" * 64,
            "build_key": "sha256:" + "2" * 64, "status": "pushed", "reason": None,
            "duration": 3.0, "log": f"logs/{other}-master-cpu.log",
            "time": "2026-11-21T09:00:00Z"})
    else:
        s.revert()


def added(s: Inputs, step: int) -> None:
    if step == 0:
        rng = random.Random(5)
        entry = synthetic.module_entry(N + 900, rng, datetime(2019, 1, 1, tzinfo=timezone.utc))
        assert entry["branches"]["master"]["created"] > max(
            m["branches"]["master"]["created"] for m in s.cat["modules"])  # goes first
        s.cat["modules"].append(entry)
        assert s.builds is not None
        s.builds["builds"].extend(synthetic.build_records(entry, rng))
    else:  # and its build records with it
        s.revert()


def removed(s: Inputs, step: int) -> None:
    if step == 0:  # from the middle; its build records stay in builds.json
        s.cat["modules"] = [m for m in s.cat["modules"] if m["name"] != _name(N // 2)]
    else:
        s.revert()


def created(s: Inputs, step: int) -> None:
    if step == 0:
        s.master(_name(20))["created"] = "2030-01-01T00:00:00Z"  # now the newest
    else:
        s.master(_name(20))["created"] = "2000-01-01T00:00:00Z"  # now the oldest


def license_(s: Inputs, step: int) -> None:
    s.meta(_name(5))["license"] = "GPL-3.0-or-later" if step == 0 else "MIT"
    s.rehash(_name(5))


def invalid(s: Inputs, step: int) -> None:
    if step == 0:  # as catalog sync records a metadata file that does not validate
        m = s.mod(_name(15))
        br = m["branches"]["master"]
        m.update(status="invalid",
                 reason="metadata.json on master does not validate (1 error)")
        br.update(status="invalid", valid=False, errors=[{
            "path": "$.summary", "line": 3, "column": 16, "message": "5 is not of type 'string'",
            "hint": "quote the summary"}])
        br["metadata"]["summary"] = 5
        s.rehash(_name(15))
    else:
        s.revert()


def two_modules(s: Inputs, step: int) -> None:
    if step == 0:
        s.meta(_name(3))["summary"] = "Another summary with words unheard of: plinthic."
        s.rehash(_name(3))
        s.meta(_name(50))["keywords"].append("Zebrafish")
        s.rehash(_name(50))
    else:
        s.cat["modules"][3] = copy.deepcopy(s.original[0]["modules"][3])  # back
        meta = s.meta(_name(61))  # and another module changes its license
        meta["license"] = "MIT" if meta["license"] != "MIT" else "BSD-3-Clause"
        s.rehash(_name(61))


def nothing(s: Inputs, step: int) -> None:
    pass


def no_builds(s: Inputs, step: int) -> None:
    if step == 0:
        s.builds = None
    else:
        s.revert()


def shuffled(s: Inputs, step: int) -> None:
    if step == 0:
        random.Random(3).shuffle(s.cat["modules"])
    else:
        s.cat["modules"].reverse()


SCENARIOS: dict[str, Callable[[Inputs, int], None]] = {
    "summary": summary, "unique-word": unique_word, "keyword": keyword,
    "keyword-case": keyword_case, "keyword-slug-collision": keyword_slug_collision,
    "build-status": build_status, "added": added, "removed": removed, "created": created,
    "license": license_, "invalid": invalid, "two-modules": two_modules, "nothing": nothing,
    "no-builds": no_builds, "shuffled": shuffled,
}


def _start(tmp: Path, layout: str) -> tuple[Inputs, Path, dict[str, dict[str, bytes]]]:
    """Inputs written, the site built once and rebuilt unchanged (the standby tree exists).

    Also returns fresh-build trees by input digest, holding the first build (made with no
    cache and no standby tree: a fresh build), so a change reverted to the original inputs
    is compared with it instead of a third fresh build (the file's run time)."""
    cat, builds = synthetic.catalog(N)
    s = Inputs(tmp, layout, cat, builds)
    s.write()
    site = tmp / "site"
    first = s.build(site)
    assert first.pages_rendered == first.files > N
    fresh = {s.digest(): _tree(site)}
    again = s.build(site)
    assert again.pages_rendered <= 2, again
    assert _tree(site) == fresh[s.digest()]
    assert (site / "pages/3.html").exists() and not (site / "pages/4.html").exists()
    return s, site, fresh


def _page(site: Path, rel: str) -> str:
    return (site / rel).read_text()


IN_PLACE = {"summary", "unique-word", "invalid", "nothing", "shuffled"}


def _check(scenario: str, s: Inputs, site: Path, step: int, before: dict[str, bytes],
           after: dict[str, bytes], report: BuildReport) -> None:
    """That the scenario changed what it means to change (so it keeps testing something),
    and took the delta build exactly when the change was in place (no module added, moved,
    or changing keywords, license or image/type flags)."""
    assert report.delta is (scenario in IN_PLACE), report
    if scenario in ("nothing", "shuffled"):  # the site is the same, catalog.json aside
        assert {k: v for k, v in after.items() if k != "catalog.json"} == \
            {k: v for k, v in before.items() if k != "catalog.json"}
        assert report.pages_rendered <= 2 + (scenario == "shuffled"), report
        return
    assert after != before, "the change did not change the site"
    if scenario == "summary" and step == 0:
        assert 0 < report.pages_rendered < report.files // 10, report
        assert "Quite new words here" in _page(site, f"modules/{_name(7)}.html")
    elif scenario == "unique-word":
        assert (site / "search/t/u14b.js").exists() is (step == 0)
        assert ('"qwxzyunique"' in _page(site, "search/t/q.js")) is (step == 0)
    elif scenario == "keyword":
        assert (site / "keywords/zebrafish.html").exists() is (step == 0)
    elif scenario == "keyword-case":
        word, _ = _case_word(s)
        label = word.capitalize() if step == 0 else word.upper()
        assert f">{label}</a>" in _page(site, "keywords/index.html")
    elif scenario == "keyword-slug-collision":
        collided = re.search(r'keywords/topic-7-[0-9a-f]{8}\.html',
                             _page(site, f"modules/{_name(7)}.html"))
        assert bool(collided) is (step == 0)
    elif scenario == "build-status" and step == 0:
        rel = f"modules/{_cpu_only(s)}.html"
        assert "docker run" in before[rel].decode() and "docker run" not in _page(site, rel)
    elif scenario == "added":
        rel = f"modules/{_name(N + 900)}.html"
        assert (site / rel).exists() is (step == 0)
        assert (f'href="{rel}"' in _page(site, "index.html")) is (step == 0)
    elif scenario == "removed":
        assert (site / f"modules/{_name(N // 2)}.html").exists() is (step == 1)
    elif scenario == "created":
        listing = "index.html" if step == 0 else "pages/3.html"
        assert f"{_name(20)}.html" in _page(site, listing)
    elif scenario == "license" and step == 0:
        assert "GPL-3.0-or-later (1)" in _page(site, "index.html")
    elif scenario == "invalid":
        assert ("is not of type" in _page(site, f"modules/{_name(15)}.html")) is (step == 0)
    elif scenario == "no-builds":
        assert (site / "builds.json").exists() is (step == 1)


def test_the_catalog_spans_three_home_pages():
    assert 2 * PAGE_SIZE < N <= 3 * PAGE_SIZE


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_incremental_equals_fresh(tmp_path: Path, scenario: str, layout: str):
    s, site, fresh = _start(tmp_path, layout)
    before = fresh[s.digest()]
    for step in (0, 1):
        SCENARIOS[scenario](s, step)
        s.write()
        report = s.build(site)
        if s.digest() not in fresh:
            fresh[s.digest()] = s.fresh(step)
        after = _tree(site)
        _assert_same(after, fresh[s.digest()], step)
        _check(scenario, s, site, step, before, after, report)
        before = after
    _clean(tmp_path)


def test_a_summary_edit_swaps_cards_instead_of_rendering_listings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The delta build puts a changed card into the live home and keyword pages as text;
    it renders none of them again (which would load every other card on them)."""
    from deepoc.site import layout

    s, site, _fresh = _start(tmp_path, "canonical")
    rendered: list[str] = []
    for name in ("home_page", "keyword_page"):
        real = getattr(layout, name)
        monkeypatch.setattr(layout, name, lambda *a, real=real, name=name, **k: (
            rendered.append(name), real(*a, **k))[1])
    summary(s, 0)
    s.write()
    report = s.build(site)
    assert report.delta and rendered == [], (report, rendered)
    new_card_on = [rel for rel, data in _tree(site).items()
                   if rel.endswith(".html") and not rel.startswith("modules/")
                   and b"Quite new words here about herbaria." in data]
    assert any(r.startswith("pages/") for r in new_card_on)  # a home page
    assert any(r.startswith("keywords/") for r in new_card_on)
    monkeypatch.undo()
    _assert_same(_tree(site), s.fresh(0), 0)
    _clean(tmp_path)


@pytest.mark.parametrize("layout,lost", [("canonical", "all"), ("compact", "all"),
                                         ("canonical", "cache"), ("canonical", "standby")])
def test_lost_cache_and_standby(tmp_path: Path, layout: str, lost: str):
    """The files beside the site are only caches: without them (or without the standby tree,
    or without the cache files) a build still equals a fresh one, and so does the next."""
    s, site, _ = _start(tmp_path, layout)
    s.meta(_name(7))["summary"] = "Quite new words here about herbaria."
    s.rehash(_name(7))
    s.meta(_name(44))["keywords"].append("Zebrafish")
    s.rehash(_name(44))
    s.write()
    beside = [p for p in tmp_path.glob(".site.*") if p.name != ".site.lock"]
    assert any(p.is_dir() for p in beside) and any(p.is_file() for p in beside), beside
    for p in beside:
        if p.is_dir() and lost in ("all", "standby"):
            shutil.rmtree(p)
        elif p.is_file() and lost in ("all", "cache"):
            p.unlink()
    s.build(site)
    _assert_same(_tree(site), s.fresh(0), 0)
    s.meta(_name(7))["summary"] = "Words again changed."
    s.rehash(_name(7))
    s.write()
    s.build(site)
    _assert_same(_tree(site), s.fresh(1), 1)
    _clean(tmp_path)


def _random_change(rng: random.Random, s: Inputs) -> None:
    """One random edit: mostly in place (the delta path), sometimes structural."""
    mods = s.cat["modules"]
    m = rng.choice(mods)
    branch = m["branches"]["master"]
    meta = branch["metadata"]
    kind = rng.choice(["summary", "summary", "title", "description", "updated", "record",
                       "records-time", "keyword", "created", "two"])
    if kind in ("summary", "two"):
        meta["summary"] = f"Edited {rng.random():.6f} with {rng.choice(['zq', 'alpha', 'x'])}"
    elif kind == "title":
        meta["title"] = f"Title {rng.randrange(100)} <b>&"
    elif kind == "description":
        meta["description"] = [f"Words {rng.random():.5f} unique{rng.randrange(10**6)}"]
    elif kind == "updated":
        branch["updated"] = f"2030-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:00Z"
    elif kind == "record" and s.builds and s.builds["builds"]:
        rec = rng.choice(s.builds["builds"])
        rec["duration"] = rng.random()  # a build record that changes nothing shown
        rec["time"] = f"2030-01-0{rng.randint(1, 9)}T00:00:00Z"
    elif kind == "records-time" and s.builds and s.builds["builds"]:
        rng.shuffle(s.builds["builds"])
    elif kind == "keyword":
        meta["keywords"] = sorted(set(meta["keywords"]) ^ {rng.choice(["plant", "zebra"])})
    elif kind == "created":
        branch["created"] = f"20{rng.randint(10, 29)}-01-01T00:00:00Z"
    if kind == "two":
        other = rng.choice(mods)["branches"]["master"]
        other["metadata"]["summary"] = f"Second {rng.random():.6f}"
        other["metadata_hash"] = f"sha256:{rng.random()}"
    branch["metadata_hash"] = f"sha256:{rng.random()}"


@pytest.mark.parametrize("seed", range(4))  # 40 seeds passed when this was written
def test_random_edit_sequences_equal_fresh_builds(tmp_path: Path, seed: int):
    """Eight random edits in a row, each rebuilt incrementally and compared with a fresh
    build: delta builds following delta builds and full ones, in any order."""
    rng = random.Random(seed)
    s, site, _fresh = _start(tmp_path, "canonical")
    deltas = 0
    for step in range(8):
        _random_change(rng, s)
        s.write()
        report = s.build(site)
        deltas += report.delta
        _assert_same(_tree(site), s.fresh(step), step)
    assert deltas >= 2, "the sequence never took the delta path"
    _clean(tmp_path)


def test_a_build_never_writes_into_the_site_it_replaces(tmp_path: Path):
    """Rebuilds rewrite the work tree's own files in place, and files shared (hard-linked)
    with the live site are replaced instead: so after each build, the previous site (now
    the standby tree) is byte for byte what was published before the build."""
    rng = random.Random(11)
    s, site, _fresh = _start(tmp_path, "canonical")
    in_place = 0
    for step in range(10):
        before = _tree(site)
        _random_change(rng, s)
        s.write()
        report = s.build(site)
        assert _tree(tmp_path / ".site.standby") == before, f"step {step}"
        in_place += report.delta
    assert in_place >= 3
    _assert_same(_tree(site), s.fresh(99), 99)
    _clean(tmp_path)


@pytest.mark.parametrize("damage", ["state-torn", "state-cut", "cache-cut", "cache-foreign"])
def test_damaged_state_or_cache_files(tmp_path: Path, damage: str):
    """A state file torn or cut short by a crash, or a cache file cut mid-batch or written
    by another renderer, is not trusted: the build still equals a fresh one."""
    s, site, _ = _start(tmp_path, "canonical")
    s.meta(_name(3))["summary"] = "A first edit, so the cache holds two batches."
    s.rehash(_name(3))
    s.write()
    s.build(site)
    state, cache = tmp_path / ".site.state", tmp_path / ".site.cache"
    if damage == "state-torn":  # one byte of the body flipped: the CRC no longer matches
        raw = bytearray(state.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        state.write_bytes(bytes(raw))
    elif damage == "state-cut":
        state.write_bytes(state.read_bytes()[:-100])
    elif damage == "cache-cut":  # the last batch loses its end
        cache.write_bytes(cache.read_bytes()[:-50])
    else:
        raw = cache.read_bytes()
        cache.write_bytes(raw[:9] + b"X" + raw[10:])
    s.meta(_name(5))["summary"] = "A second edit after the damage."
    s.rehash(_name(5))
    s.write()
    s.build(site)
    _assert_same(_tree(site), s.fresh(0), 0)
    s.meta(_name(9))["summary"] = "And a third one."
    s.rehash(_name(9))
    s.write()
    report = s.build(site)
    _assert_same(_tree(site), s.fresh(1), 1)
    if damage.startswith("cache"):
        assert report.delta  # the state still describes the live site
    _clean(tmp_path)


@pytest.mark.parametrize("touched", [2, 12])  # a scan of the names each, or one map
def test_the_modules_changed_in_place_are_found_by_name(touched: int):
    from types import SimpleNamespace

    from deepoc.site import delta
    from deepoc.site.inputs import Module

    names = [f"m{i}" for i in range(40)]
    order = [f"key{i}" for i in range(40)]
    mods = [Module(f"m{i}", f"key{i}" if i % 3 else f"new{i}", None, i)
            for i in range(0, 3 * touched, 3)]
    inp = SimpleNamespace(touched=mods, index={"keys": dict.fromkeys(names)})
    want = [(i, m) for i, m in zip(range(0, 3 * touched, 3), mods, strict=True)]
    assert delta._changed(names, order, inp) == want
    inp.touched = [*mods, Module("gone", "k", None, 0)]  # a state that does not match
    assert delta._changed(names, order, inp) is None
