"""The MODULES.yml ``image:`` key: an operator-approved image for one module (images/naming.py)."""

from __future__ import annotations

import pytest

from deepoc.catalog.modules_file import lint, parse
from deepoc.errors import DeepOCError

GH = "https://github.com/deephdc/DEEP-OC-dogs_breed_det"


def test_image_key_is_parsed_and_optional() -> None:
    entries = parse(f"- module: {GH}\n  image: ops/dogs\n- module: {GH}2\n")
    assert [e.image for e in entries] == ["ops/dogs", None]
    assert lint(f"- module: {GH}\n  image: ops/dogs\n") == []


@pytest.mark.parametrize("value", [
    "Ops/Dogs", "localhost:5000/x", "ops/dogs:latest", "ops/dogs@sha256:00", "ops//dogs",
    "../dogs", "ops/dogs/", "''", "[a, b]", "{a: 1}", "12", "ops/do gs",
])
def test_a_bad_image_is_a_located_lint_problem(value: str) -> None:
    text = f"- module: {GH}\n  image: {value}\n"
    problems = lint(text)
    assert [(p.line, p.code) for p in problems] == [(2, "bad-image")], problems
    assert "'image'" in problems[0].message
    with pytest.raises(DeepOCError, match=r"^MODULES.yml:2: 'image'"):
        parse(text)
