"""The JSON layout deep-oc writes: stable, and one record per line for the big lists."""

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
def test_the_listing_round_trips_one_record_per_line(seed: int):
    rng = random.Random(seed)
    doc = _doc(rng, rng.randrange(6))
    text = jsondoc.dumps(doc, "modules")
    assert json.loads(text) == doc
    if doc["modules"]:
        lines = text.split("\n")
        start = lines.index('  "modules": [')
        records = lines[start + 1:start + 1 + len(doc["modules"])]
        assert [json.loads(r.strip().rstrip(",")) for r in records] == doc["modules"]


def test_the_layout_is_one_record_per_line():
    text = jsondoc.dumps({"v": 1, "modules": [{"b": 2, "a": "x\ny"}, {"c": []}]}, "modules")
    assert text == ('{\n  "modules": [\n    {"a": "x\\ny", "b": 2},\n    {"c": []}\n  ],\n'
                    '  "v": 1\n}\n')
    assert json.loads(text) == {"v": 1, "modules": [{"b": 2, "a": "x\ny"}, {"c": []}]}
