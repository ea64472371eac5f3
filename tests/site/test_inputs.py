"""Reading the site's inputs per module: unchanged items are not parsed, and the modules
and keys always equal those of reading everything afresh."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from deepoc import jsondoc
from deepoc.errors import DeepOCError
from deepoc.site import model, synthetic
from deepoc.site.inputs import read_inputs


def _write(tmp: Path, cat: dict, builds: dict | None, compact: bool = False) -> tuple[Path, Path]:
    def dump(d: dict, listing: str) -> str:
        return json.dumps(d, separators=(",", ":")) if compact else jsondoc.dumps(d, listing)

    c, b = tmp / "catalog.json", tmp / "builds.json"
    c.write_text(dump(cat, "modules"))
    if builds is None:
        b.unlink(missing_ok=True)
    else:
        b.write_text(dump(builds, "builds"))
    return c, b if builds is not None else None


def _expected(c: Path, b: Path | None) -> list[tuple[str, str]]:
    """Names and keys from the files parsed whole (keys follow the files' key order)."""
    cat = json.loads(c.read_bytes())
    index = model.builds_index(json.loads(b.read_bytes()) if b else None)
    return [(m["name"], model.entry_key(m, index.get(m["name"], []))) for m in cat["modules"]]


class Reader:
    """Reads the inputs the way consecutive site builds do (index + previous raw files)."""

    def __init__(self) -> None:
        self.index = None
        self.old_cat = self.old_builds = None

    def read(self, c: Path, b: Path | None):
        inp = read_inputs(c, b, self.index, self.old_cat, self.old_builds)
        # the inputs are mapped, and the tests rewrite them in place: keep their bytes
        self.index = inp.index
        self.old_cat, self.old_builds = (None if raw is None else bytes(raw)
                                         for raw in (inp.cat_raw, inp.builds_raw))
        return inp


def _changes(rng: random.Random, cat: dict, builds: dict) -> str:
    mods, recs = cat["modules"], builds["builds"]
    kind = rng.choice(["summary", "record", "add_record", "drop_record", "add_module",
                       "drop_module", "shuffle", "record_module", "nothing"])
    if kind == "summary" and mods:
        m = rng.choice(mods)["branches"]["master"]
        m["metadata"]["summary"] = f"changed {rng.random()}"
        m["metadata_hash"] = f"sha256:{rng.random()}"
    elif kind == "record" and recs:
        rng.choice(recs)["status"] = rng.choice(["pushed", "failed", "reused"])
    elif kind == "add_record" and recs:
        rec = copy.deepcopy(rng.choice(recs))
        rec["time"] = "2030-01-01T00:00:00Z"
        recs.insert(rng.randrange(len(recs) + 1), rec)
    elif kind == "drop_record" and recs:
        recs.pop(rng.randrange(len(recs)))
    elif kind == "add_module":
        new, _ = synthetic.catalog(1)
        entry = new["modules"][0]
        entry["name"] = f"added_{rng.randrange(10**6)}"
        mods.insert(rng.randrange(len(mods) + 1), entry)
    elif kind == "drop_module" and mods:
        mods.pop(rng.randrange(len(mods)))
    elif kind == "shuffle":
        rng.shuffle(mods)
        rng.shuffle(recs)
    elif kind == "record_module" and recs and mods:
        rng.choice(recs)["module"] = rng.choice(mods)["name"]  # a record moves module
    return kind


@pytest.mark.parametrize("seed", range(12))
def test_incremental_reads_equal_fresh_reads(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    cat, builds = synthetic.catalog(30)
    reader = Reader()
    for step in range(8):
        compact = rng.random() < 0.15
        no_builds = rng.random() < 0.15
        c, b = _write(tmp_path, cat, None if no_builds else builds, compact)
        inp = reader.read(c, b)
        want = _expected(c, b)
        assert [(m.name, m.key) for m in inp.modules] == want, (seed, step)
        for m, entry in zip(inp.modules, cat["modules"], strict=True):
            loaded, records = m.load()
            assert loaded == entry
            assert records == model.builds_index(None if no_builds else builds).get(
                entry["name"], [])
        _changes(rng, cat, builds)


def test_unchanged_items_are_not_parsed(tmp_path: Path):
    cat, builds = synthetic.catalog(40)
    reader = Reader()
    c, b = _write(tmp_path, cat, builds)
    assert reader.read(c, b).parsed == 40
    assert reader.read(c, b).parsed == 0
    cat["modules"][5]["branches"]["master"]["metadata"]["summary"] = "new"
    c, b = _write(tmp_path, cat, builds)
    assert reader.read(c, b).parsed == 1
    name = builds["builds"][0]["module"]
    builds["builds"][0]["status"] = "failed"
    c, b = _write(tmp_path, cat, builds)
    inp = reader.read(c, b)
    assert inp.parsed == 1  # only the module whose record changed
    assert [m.name for m in inp.modules if m.key != dict(_expected(c, None))[m.name]] != []
    assert name in {m.name for m in inp.modules}
    rng = random.Random(1)
    rng.shuffle(cat["modules"])
    c, b = _write(tmp_path, cat, builds)
    assert reader.read(c, b).parsed == 0  # the same items in another order


def test_changes_in_place_name_only_the_touched_modules(tmp_path: Path):
    """A delta build needs the modules whose key may have changed, not a list of all."""
    cat, builds = synthetic.catalog(40)
    reader = Reader()
    c, b = _write(tmp_path, cat, builds)
    reader.read(c, b)
    assert reader.read(c, b).touched == []  # the very same bytes
    cat["modules"][5]["branches"]["master"]["metadata"]["summary"] = "new"
    c, b = _write(tmp_path, cat, builds)
    inp = reader.read(c, b)
    assert [m.name for m in inp.touched] == [cat["modules"][5]["name"]]
    assert inp._modules is None  # the full list was not made
    name = builds["builds"][0]["module"]
    builds["builds"][0]["status"] = "failed"
    c, b = _write(tmp_path, cat, builds)
    inp = reader.read(c, b)
    assert [m.name for m in inp.touched] == [name]
    other = cat["modules"][7]["name"]
    assert (inp.named(other).name, inp.named(other).key) == (other, dict(_expected(c, b))[other])
    assert inp.named(other).load()[0] == cat["modules"][7]
    with pytest.raises(KeyError):
        inp.named("no-such-module")
    assert [(m.name, m.key) for m in inp.modules] == _expected(c, b)
    assert inp.named(other).key == dict(_expected(c, b))[other]  # from the list, once made
    cat["modules"][3]["name"] = "renamed"  # not in place: every module is looked at
    c, b = _write(tmp_path, cat, builds)
    inp = reader.read(c, b)
    assert inp.touched is None
    assert [(m.name, m.key) for m in inp.modules] == _expected(c, b)


def test_dropping_every_build_record_changes_the_modules_that_had_some(tmp_path: Path):
    cat, builds = synthetic.catalog(10)
    reader = Reader()
    c, b = _write(tmp_path, cat, builds)
    reader.read(c, b)
    c, b = _write(tmp_path, cat, {**builds, "builds": []})
    assert [(m.name, m.key) for m in reader.read(c, b).modules] == _expected(c, b)


def test_a_compact_file_is_parsed_whole(tmp_path: Path):
    cat, builds = synthetic.catalog(10)
    reader = Reader()
    c, b = _write(tmp_path, cat, builds, compact=True)
    reader.read(c, b)
    assert reader.read(c, b).parsed == 10


def test_previous_files_that_do_not_match_the_index_are_ignored(tmp_path: Path):
    cat, builds = synthetic.catalog(10)
    reader = Reader()
    c, b = _write(tmp_path, cat, builds)
    reader.read(c, b)
    reader.old_cat = jsondoc.dumps({"catalog_version": 1, "modules": [{"name": "x"}]},
                                   "modules").encode()
    inp = reader.read(c, b)
    assert inp.parsed == 10
    assert [(m.name, m.key) for m in inp.modules] == _expected(c, b)


@pytest.mark.parametrize("text,fix", [
    ('{"catalog_version": 2, "modules": []}', "catalog_version 2"),
    ('{\n  "catalog_version": 2,\n  "modules": []\n}\n', "catalog_version 2"),
    ("[1, 2]", "no 'modules' list"),
    ('{"catalog_version": 1}', "no 'modules' list"),
    ("{not json", "not valid JSON"),
])
def test_bad_catalogs_are_one_line_errors(tmp_path: Path, text: str, fix: str):
    c = tmp_path / "catalog.json"
    c.write_text(text)
    with pytest.raises(DeepOCError, match=fix):
        read_inputs(c, None, None, None, None)


def test_a_broken_record_is_a_one_line_error_naming_file_and_line(tmp_path: Path):
    cat, builds = synthetic.catalog(5)
    c, b = _write(tmp_path, cat, builds)
    reader = Reader()
    reader.read(c, b)
    lines = c.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if '"name": "mod_00002"' in line)
    lines[at] = lines[at].replace('"name": "mod_00002"', '"name": mod_00002')
    c.write_text("\n".join(lines))
    with pytest.raises(DeepOCError, match=rf"catalog {c}, line {at + 1}: record \d+ is not "
                                          r"valid JSON .*: regenerate the file"):
        reader.read(c, b)
    with pytest.raises(DeepOCError, match=f"line {at + 1}"):
        read_inputs(c, b, None, None, None)  # the same error without a previous build
