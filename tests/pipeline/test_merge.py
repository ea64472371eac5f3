"""Fan-in of per-agent builds.json files: the newest record per module/branch/variant wins."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepoc.errors import DeepOCError
from deepoc.pipeline.merge import merge_files, merge_records


def _rec(module, variant="cpu", time="2026-11-21T10:00:00Z", status="pushed", branch="master"):
    return {"module": module, "branch": branch, "git_tag": None, "variant": variant,
            "status": status, "time": time}


def _doc(*records, updated="2026-11-21T10:00:00Z"):
    return {"builds_version": 1, "updated": updated, "builds": list(records)}


def test_records_from_every_part_are_kept_and_newest_wins():
    old = _doc(_rec("a", time="2026-11-20T00:00:00Z", status="failed"), _rec("b"))
    part_a = _doc(_rec("a", time="2026-11-21T11:00:00Z"), _rec("a", "gpu"))
    merged = merge_records([old, part_a])
    by_key = {(r["module"], r["variant"]): r for r in merged["builds"]}
    assert set(by_key) == {("a", "cpu"), ("a", "gpu"), ("b", "cpu")}
    assert by_key[("a", "cpu")]["status"] == "pushed"
    assert merged["builds_version"] == 1


@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["cpu", "gpu"]),
                          st.integers(0, 59)), max_size=20))
def test_merge_is_order_independent(items):
    docs = [_doc(_rec(m, v, time=f"2026-11-21T10:{t:02d}:00Z", status=f"s{t}"))
            for m, v, t in items]
    forward = merge_records(docs)["builds"]
    backward = merge_records(list(reversed(docs)))["builds"]
    newest = {}
    for m, v, t in items:
        newest[(m, v)] = max(newest.get((m, v), -1), t)
    assert {(r["module"], r["variant"]): r["time"] for r in forward} == {
        k: f"2026-11-21T10:{t:02d}:00Z" for k, t in newest.items()
    }
    assert [r["time"] for r in forward] == [r["time"] for r in backward]


def test_merge_files_writes_one_file(tmp_path):
    out = tmp_path / "builds.json"
    parts = []
    for name in ("a", "b"):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(_doc(_rec(name))))
        parts.append(p)
    assert merge_files(out, parts) == 2
    assert [r["module"] for r in json.loads(out.read_text())["builds"]] == ["a", "b"]


def test_merge_files_rejects_what_is_not_a_builds_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"catalog_version": 1}')
    with pytest.raises(DeepOCError, match="bad.json: not a builds.json"):
        merge_files(tmp_path / "out.json", [bad])
    with pytest.raises(DeepOCError, match="missing.json: no such builds file"):
        merge_files(tmp_path / "out.json", [tmp_path / "missing.json"])
    assert not (tmp_path / "out.json").exists()


@given(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from(["pushed", "failed", "reused"]),
                          st.integers(0, 2)), max_size=12))
def test_records_of_the_same_time_merge_to_one_winner_whatever_the_order(items):
    """Two agents may write a record for the same key and second: the winner is fixed by
    content (deepoc.images.newest), the same rule the site follows."""
    from deepoc.site import modules as model

    docs = [_doc(_rec(m, time=f"2026-11-21T10:00:0{t}Z", status=s)) for m, s, t in items]
    forward = merge_records(docs)["builds"]
    assert merge_records(list(reversed(docs)))["builds"] == forward
    site = model.builds_index({"builds": [r for d in docs for r in d["builds"]]})
    assert {r["module"]: [r] for r in forward} == site
