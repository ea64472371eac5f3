"""Facets, licenses, templates and the shown branch: the pure rules of the view data."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from deepoc.limits import MAX_FACET_VALUE_CHARS, MAX_FACET_VALUES
from deepoc.site import facets, pages
from deepoc.site.modules import file_href, listed_module, pick_branch

V2 = {"metadata_version": "2.0.0", "title": "t"}


def _entry(meta: dict, url: str = "https://github.com/ai4os-hub/m", **branch) -> dict:
    return {"name": "m", "url": url, "status": "ok", "branches": {"main": {
        "commit": "1" * 40, "status": "ok", "valid": True, "metadata": meta, **branch}}}


def test_v2_lists_are_separate_facets_and_categories_are_not_tags():
    values, can = facets.taxonomy({**V2, "libraries": ["PyTorch"], "tasks": ["Computer Vision"],
                                   "categories": ["AI4 trainable", "AI4 Pre Trained", "Other"],
                                   "data-type": ["Image", "Video"], "tags": ["deep learning"],
                                   "keywords": ["v1 word"]})
    assert values == {"library": ["PyTorch"], "task": ["Computer Vision"],
                      "category": ["AI4 trainable", "AI4 Pre Trained", "Other"],
                      "data-type": ["Image", "Video"], "tag": ["deep learning"]}
    assert can == {"trainable", "pretrained"}  # from the categories, any case
    assert facets.taxonomy({**V2, "tags": ["trainable"]})[1] == set()  # v2 tags say nothing


def test_v1_keywords_are_tags_and_say_the_abilities():
    values, can = facets.taxonomy({"title": "t", "keywords": ["tensorflow", "Trainable",
                                                             "pre-trained", "inference"]})
    assert values["tag"] == ["tensorflow", "Trainable", "pre-trained", "inference"]
    assert [values[k] for k in ("library", "task", "category", "data-type")] == [[]] * 4
    assert can == {"trainable", "pretrained", "inference"}
    assert facets.taxonomy({"keywords": ["pretrained"]})[1] == {"pretrained"}


@pytest.mark.parametrize("raw,want", [
    ("one", ["one"]), (None, []), ({"a": 1}, []), (["a", "A", " a ", "b"], ["a", "b"]),
    (["  two   words "], ["two words"]), ([1, 2.5, True, None, {"x": 1}, ["y"]], ["1", "2.5"]),
    (["x" * MAX_FACET_VALUE_CHARS, "y" * (MAX_FACET_VALUE_CHARS + 1)],
     ["x" * MAX_FACET_VALUE_CHARS]),
    ([f"v{i}" for i in range(MAX_FACET_VALUES + 50)], [f"v{i}" for i in range(MAX_FACET_VALUES)]),
    (["", "  "], []),
])
def test_values_are_bounded(raw, want):
    assert facets.taxonomy({**V2, "libraries": raw})[0]["library"] == want


def _mod(slug: str, **values: list[str]) -> SimpleNamespace:
    return SimpleNamespace(slug=slug, facets=values)


def test_grouping_merges_case_and_makes_safe_unique_slugs():
    mods = [_mod("a", tag=["Deep Learning", "index"]), _mod("b", tag=["deep learning"]),
            _mod("c", tag=["deep-learning", "深度学习", "<b>"]), _mod("d", tag=["DEEP LEARNING"]),
            _mod("e", tag=["😀"])]
    got = {v.label: (v.slug, [m.slug for m in v.modules]) for v in facets.group(mods, "tag")}
    assert got["Deep Learning"] == ("deep-learning", ["a", "b", "d"])  # first of the most used
    assert re.fullmatch(r"deep-learning-[0-9a-f]{8}", got["deep-learning"][0])
    assert got["index"][0] != "index"  # index.html is the index page
    assert got["<b>"][0] == "b"
    slugs = [s for s, _ in got.values()]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    # the same slug in two kinds is fine: they are different folders
    both = [_mod("a", library=["Keras"], tag=["keras"])]
    assert facets.group(both, "library")[0].slug == facets.group(both, "tag")[0].slug == "keras"


def test_top_values_are_the_most_used():
    mods = [_mod(str(i), tag=["common", f"t{i % 3}"]) for i in range(9)]
    values = facets.group(mods, "tag")
    assert [v.label for v in facets.top(values, 2)] == ["common", "t0"]
    assert [v.count for v in facets.top(values, 10)] == [9, 3, 3, 3]


def test_fieldsets_stay_the_same_size_whatever_the_catalog():
    def filters(n_modules: int, n_tags: int) -> list[pages.Fieldset]:
        mods = [listed_module(_entry({**V2, "tags": [f"t{i % n_tags}", f"t{(i * 7) % n_tags}"],
                                      "libraries": ["PyTorch"]}), []) for i in range(n_modules)]
        for i, m in enumerate(mods):
            m.slug = f"m{i}"
        values = pages.site_values(mods)
        return pages.fieldsets(mods, values, pages.license_values(mods))

    small, big = filters(30, 300), filters(3000, 300)
    assert [f.key for f in small] == ["library", "tag", "type", "image", "license"]
    tag = next(f for f in big if f.key == "tag")
    assert len(tag.options) == pages.TOP_VALUES and tag.total == 300
    assert tag.index == "tag/index.html" and tag.many == "tags"
    assert [len(f.options) for f in small] == [len(f.options) for f in big]
    library = next(f for f in big if f.key == "library")
    assert library.index is None and library.options == [("pytorch", "PyTorch", 3000)]


def test_cards_show_libraries_tasks_then_tags_but_not_other():
    m = listed_module(_entry({**V2, "libraries": ["PyTorch", "Other"], "tasks": ["Other", "NLP"],
                              "categories": ["AI4 inference"], "data-type": ["Text"],
                              "tags": [f"t{i}" for i in range(10)]}), [])
    assert m.card_values == [("library", "PyTorch"), ("task", "NLP")] + [
        ("tag", f"t{i}") for i in range(6)]
    assert m.inference and not m.trainable


def test_the_default_branch_is_shown_first():
    content = {"commit": "1" * 40}
    missing = {"commit": None, "status": "missing"}
    assert pick_branch({"master": content, "main": content}) == "master"
    assert pick_branch({"master": content, "main": content}, "main") == "main"
    assert pick_branch({"master": content, "trunk": content}, "trunk") == "trunk"
    assert pick_branch({"master": content, "main": missing}, "main") == "master"
    assert pick_branch({"test": content}, "main") == "test"  # the default is not followed
    entry = _entry({**V2, "title": "on main"})
    entry["branches"]["master"] = {"commit": "2" * 40, "metadata": {"title": "on master"}}
    assert listed_module(entry, []).title == "on master"  # no default_branch: as before
    entry["default_branch"] = "main"
    shown = listed_module(entry, [])
    assert (shown.title, shown.branch, shown.extra_branches) == ("on main", "main", ["master"])


@pytest.mark.parametrize("url,branch,path,want", [
    ("https://github.com/ai4os-hub/m", "main", "LICENSE",
     "https://github.com/ai4os-hub/m/blob/main/LICENSE"),
    ("https://github.com/a/m/", "feature/x", "LICENSE.md",
     "https://github.com/a/m/blob/feature/x/LICENSE.md"),
    ("https://gitlab.com/a/m", "main", "COPYING", "https://gitlab.com/a/m/-/blob/main/COPYING"),
    ("https://gitlab.example.org/g/m", "a b", "LICENSE.txt",
     "https://gitlab.example.org/g/m/-/blob/a%20b/LICENSE.txt"),
    ("https://codeberg.org/a/m", "main", "LICENSE", None),  # file URLs not known there
    ("git://127.0.0.1/m", "main", "LICENSE", None), ("/srv/git/m", "main", "LICENSE", None),
    ("javascript:alert(1)//github.com/a", "main", "LICENSE", None),
    ("https://github.com/a/m", "main", "../../x", None),
    ("https://github.com/a/m", "main", "a/./LICENSE", None),
    ("https://github.com/a/m", "main", "LICENSE\"><script>", None),
    ("https://github.com/a/m", None, "LICENSE", None), (None, "main", "LICENSE", None),
])
def test_license_file_links(url, branch, path, want):
    assert file_href(url, branch, path) == want


def test_license_from_metadata_then_license_file():
    found = {"path": "LICENSE", "spdx_id": "MIT"}
    named = listed_module(_entry({**V2, "license": "Apache-2.0"}, license_file=found), [])
    assert (named.license, named.license_file, named.license_href) == ("Apache-2.0", None, None)
    m = listed_module(_entry(dict(V2), license_file=found), [])
    assert (m.license, m.license_file, m.license_identified) == ("MIT", "LICENSE", True)
    assert m.license_href == "https://github.com/ai4os-hub/m/blob/main/LICENSE"
    odd = listed_module(_entry(dict(V2), license_file={"path": "COPYING", "spdx_id": None}), [])
    assert (odd.license, odd.license_file, odd.license_identified) == (
        "see LICENSE", "COPYING", False)
    for bad in (None, "LICENSE", {"spdx_id": "MIT"}, {"path": 5}, []):
        m = listed_module(_entry(dict(V2), license_file=bad), [])
        assert (m.license, m.license_file) == ("unspecified", None)
    old = listed_module(_entry(dict(V2)), [])  # a catalog.json made before license_file
    assert (old.license, old.license_file) == ("unspecified", None)


def test_template_of_record():
    assert listed_module(_entry(dict(V2), template="ai4-template/1.9.9"), []).template == \
        "ai4-template/1.9.9"
    for bad in (None, 5, "", "   "):
        assert listed_module(_entry(dict(V2), template=bad), []).template is None
    assert len(listed_module(_entry(dict(V2), template="x" * 5000), []).template) == 100
    assert listed_module(_entry(dict(V2)), []).template is None
