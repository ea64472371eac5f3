"""The JSON layout deep-oc writes, and splitting one of its lists without parsing it."""

from __future__ import annotations

import json
import os
import random

import pytest

from deepoc import jsondoc


def split_items(raw: bytes, key: str):
    """The document without ``key`` and each record's text, as an incremental reader sees
    them (item_starts, then item_at)."""
    cut = jsondoc.item_starts(raw, key)
    if cut is None:
        return None
    return cut[0], [jsondoc.item_at(raw, start) for start in cut[1]]


def _doc(rng: random.Random, n: int) -> dict:
    """A catalog-like document whose strings hold the characters that could fool a splitter."""
    tricky = ["}", "{", "]", "[", "\n    },\n    {\n", "\n  ]", '"modules": [', "\\", '"', "é",
              "\u2028", "    }"]

    def value(depth: int):
        kind = rng.randrange(6 if depth < 3 else 3)
        if kind == 0:
            return rng.choice(tricky) + str(rng.random())
        if kind == 1:
            return rng.randint(-5, 5)
        if kind == 2:
            return rng.choice([None, True, False, 1.5])
        if kind == 3:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {rng.choice(tricky) + str(i): value(depth + 1) for i in range(rng.randrange(4))}

    items = [{"name": f"m{i}", "x": value(0), "nested": {"modules": [value(1)]}}
             for i in range(n)]
    return {"catalog_version": 1, "modules": items, "zz": [{"a": value(0)}], "aa": value(0)}


@pytest.mark.parametrize("seed", range(40))
def test_split_items_round_trips(seed: int):
    rng = random.Random(seed)
    doc = _doc(rng, rng.randrange(0, 6))
    raw = jsondoc.dumps(doc, "modules").encode()
    head, items = split_items(raw, "modules")
    assert [jsondoc.load_item(b) for b in items] == doc["modules"]
    assert head == {k: v for k, v in doc.items() if k != "modules"}


def test_items_are_compared_as_bytes():
    a = {"modules": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]}
    b = {"modules": [{"name": "a", "v": 1}, {"name": "b", "v": 3}]}
    _, ia = split_items(jsondoc.dumps(a, "modules").encode(), "modules")
    _, ib = split_items(jsondoc.dumps(b, "modules").encode(), "modules")
    assert ia[0] == ib[0] and ia[1] != ib[1]


def test_empty_list():
    raw = jsondoc.dumps({"modules": [], "v": 1}, "modules").encode()
    assert split_items(raw, "modules") == ({"v": 1}, [])


@pytest.mark.parametrize("raw", [
    json.dumps({"modules": [{"a": 1}]}),  # compact: not our layout
    json.dumps({"modules": [{"a": 1}]}, indent=4),
    jsondoc.dumps({"modules": [{"a": 1}]}),  # indented, not one item per line
    jsondoc.dumps({"other": [{"a": 1}]}, "other"),  # no such list
    jsondoc.dumps({"modules": [1, 2]}, "modules"),  # not objects
    jsondoc.dumps({"modules": {"a": [{"b": 1}]}}, "modules"),  # not a list
    jsondoc.dumps({"x": {"modules": [{"a": 1}]}}, "modules"),  # only nested
    '{\n  "modules": [\n    {"a": 1}\n  ]\n',  # truncated
    '{\n  "modules": [\n    {"a": 1},\n    {"a":\n 2}\n  ]\n}\n',  # an item over two lines
    "",
])
def test_other_layouts_are_not_split(raw: str):
    assert split_items(raw.encode(), "modules") is None


def test_a_list_mixing_objects_and_values_is_not_split():
    raw = jsondoc.dumps({"modules": [{"a": 1}, 2, {"b": 1}]}, "modules").encode()
    assert split_items(raw, "modules") is None


def test_the_layout_is_one_record_per_line():
    text = jsondoc.dumps({"v": 1, "modules": [{"b": 2, "a": "x\ny"}, {"c": []}]}, "modules")
    assert text == ('{\n  "modules": [\n    {"a": "x\\ny", "b": 2},\n    {"c": []}\n  ],\n'
                    '  "v": 1\n}\n')
    assert json.loads(text) == {"v": 1, "modules": [{"b": 2, "a": "x\ny"}, {"c": []}]}


def _edit(rng: random.Random, items: list[dict]) -> list[dict]:
    items = list(items)
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(4)
        at = rng.randrange(len(items) + 1)
        if kind == 0 or not items:
            items.insert(at, {"name": f"new{rng.random()}", "x": rng.random()})
        elif kind == 1:
            items.pop(min(at, len(items) - 1))
        elif kind == 2:
            i = min(at, len(items) - 1)
            items[i] = {**items[i], "x": rng.choice(["}", "\n    {", str(rng.random())])}
        else:
            items.append(dict(items[0]))
    return items


@pytest.mark.parametrize("seed", range(60))
def test_changed_items_names_exactly_the_replaced_records(seed: int):
    rng = random.Random(seed)
    doc = _doc(rng, rng.randrange(1, 8))
    new = {**doc, "modules": _edit(rng, doc["modules"])}
    old_raw, new_raw = (jsondoc.dumps(d, "modules").encode() for d in (doc, new))
    _, old_starts = jsondoc.item_starts(old_raw, "modules")
    _, new_texts = split_items(new_raw, "modules")
    old_texts = [jsondoc.item_at(old_raw, s) for s in old_starts]
    change = jsondoc.changed_items(new_raw, old_raw, old_starts) if new_raw != old_raw else None
    if new_raw == old_raw:
        return
    if not new["modules"]:
        assert change is None
        return
    assert change is not None
    first, count, starts = change
    patched = old_texts[:first] + [jsondoc.item_at(new_raw, s) for s in starts] \
        + old_texts[first + count:]
    assert patched == new_texts
    assert [jsondoc.load_item(t) for t in patched] == new["modules"]


def test_a_changed_head_is_not_a_record_change():
    old = jsondoc.dumps({"v": 1, "modules": [{"a": 1}, {"a": 2}]}, "modules").encode()
    new = jsondoc.dumps({"v": 2, "modules": [{"a": 1}, {"a": 2}]}, "modules").encode()
    tail = jsondoc.dumps({"modules": [{"a": 1}, {"a": 2}], "z": 1}, "modules").encode()
    _, starts = jsondoc.item_starts(old, "modules")
    assert jsondoc.changed_items(new, old, starts) is None
    base = jsondoc.dumps({"modules": [{"a": 1}, {"a": 2}]}, "modules").encode()
    assert jsondoc.changed_items(tail, base, jsondoc.item_starts(base, "modules")[1]) is None


@pytest.mark.parametrize("seed", range(20))
def test_mapped_files_give_the_same_answers(seed: int, tmp_path):
    """The site build maps its inputs and their live copies instead of reading them: every
    reader answers the same for mapped files as for their bytes."""
    import mmap

    rng = random.Random(seed)
    doc = _doc(rng, rng.randrange(1, 8))
    new = {**doc, "modules": _edit(rng, doc["modules"])}
    old_raw, new_raw = (jsondoc.dumps(d, "modules").encode() for d in (doc, new))
    path, new_path = tmp_path / "old.json", tmp_path / "new.json"
    path.write_bytes(old_raw)
    new_path.write_bytes(new_raw)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as old, \
            open(new_path, "rb") as nh, \
            mmap.mmap(nh.fileno(), 0, access=mmap.ACCESS_READ) as new_map:
        _, starts = jsondoc.item_starts(old_raw, "modules")
        assert jsondoc.item_starts(old, "modules") == jsondoc.item_starts(old_raw, "modules")
        assert [jsondoc.item_at(old, s) for s in starts] == \
            [jsondoc.item_at(old_raw, s) for s in starts]
        assert jsondoc.changed_items(new_raw, old, starts) == \
            jsondoc.changed_items(new_raw, old_raw, starts)
        assert jsondoc.same_bytes(old_raw, old) and jsondoc.same_bytes(new_raw, old) == \
            (new_raw == old_raw)
        assert not jsondoc.same_bytes(old_raw + b" ", old)
        assert jsondoc.changed_items(new_map, old, starts) == \
            jsondoc.changed_items(new_raw, old_raw, starts)
        assert jsondoc.same_bytes(new_map, old) == (new_raw == old_raw)
        assert jsondoc.same_bytes(new_map, new_raw) and jsondoc.same_bytes(old, old_raw)


def test_first_at_least_is_bisect_left():
    import bisect

    rng = random.Random(3)
    for _ in range(2000):
        items = sorted(rng.choices(range(40), k=rng.randrange(0, 12)))
        x = rng.randrange(-2, 42)
        assert jsondoc._first_at_least(items, x) == bisect.bisect_left(items, x), (items, x)


def test_common_prefix_and_suffix_are_exact_at_every_step_size():
    rng = random.Random(8)
    for _ in range(300):
        n = rng.choice([0, 1, 15, 16, 17, 255, 4097, 65535, 65536, 65537, 70_000, 131_073])
        a = bytes(rng.getrandbits(8) for _ in range(min(n, 64))) * (n // 64 + 1)
        a = a[:n]
        cut = rng.randrange(n + 1)
        b = bytearray(a)
        if cut < n:
            b[cut] ^= 0x01
        b = bytes(b) + (b"x" if rng.random() < 0.3 else b"")
        limit = min(len(a), len(b))
        want = len(os.path.commonprefix([a[:limit], b[:limit]]))
        want_tail = len(os.path.commonprefix([a[::-1][:limit], b[::-1][:limit]]))
        # bytes, and any other buffer (a mapped file is copied through in chunks)
        for first in (a, bytearray(a), memoryview(a)):
            assert jsondoc._common_prefix(first, b, limit) == want
            assert jsondoc._common_suffix(first, b, limit) == want_tail
