"""The JSON layout deep-oc writes, and splitting one of its lists without parsing it."""

from __future__ import annotations

import json
import random

import pytest

from deepoc import jsondoc


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
    head, items = jsondoc.split_items(raw, "modules")
    assert [jsondoc.load_item(b) for b in items] == doc["modules"]
    assert head == {k: v for k, v in doc.items() if k != "modules"}


def test_items_are_compared_as_bytes():
    a = {"modules": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]}
    b = {"modules": [{"name": "a", "v": 1}, {"name": "b", "v": 3}]}
    _, ia = jsondoc.split_items(jsondoc.dumps(a, "modules").encode(), "modules")
    _, ib = jsondoc.split_items(jsondoc.dumps(b, "modules").encode(), "modules")
    assert ia[0] == ib[0] and ia[1] != ib[1]


def test_empty_list():
    raw = jsondoc.dumps({"modules": [], "v": 1}, "modules").encode()
    assert jsondoc.split_items(raw, "modules") == ({"v": 1}, [])


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
    assert jsondoc.split_items(raw.encode(), "modules") is None


def test_a_list_mixing_objects_and_values_is_not_split():
    raw = jsondoc.dumps({"modules": [{"a": 1}, 2, {"b": 1}]}, "modules").encode()
    assert jsondoc.split_items(raw, "modules") is None


def test_the_layout_is_one_record_per_line():
    text = jsondoc.dumps({"v": 1, "modules": [{"b": 2, "a": "x\ny"}, {"c": []}]}, "modules")
    assert text == ('{\n  "modules": [\n    {"a": "x\\ny", "b": 2},\n    {"c": []}\n  ],\n'
                    '  "v": 1\n}\n')
    assert json.loads(text) == {"v": 1, "modules": [{"b": 2, "a": "x\ny"}, {"c": []}]}
