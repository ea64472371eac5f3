"""MODULES.yml parse, lint (one test per defect, each with its line) and fix."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from deepoc.catalog.modules_file import DEFAULT_BRANCHES, Entry, fix, lint, parse
from deepoc.errors import DeepOCError

GH = "https://github.com/deephdc/DEEP-OC-dogs_breed_det"


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def codes(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in lint(text)]


def test_real_catalog_shape_parses() -> None:
    text = doc(f"""
        ---
        - module: {GH}
        - module: https://github.com/deephdc/UC-someone-DEEP-OC-unet
        - module: git@github.com:me/DEEP-OC-x
          branches: [main, test]
        """)
    entries = parse(text)
    assert entries == [
        Entry(GH, DEFAULT_BRANCHES, 2),
        Entry("https://github.com/deephdc/UC-someone-DEEP-OC-unet", DEFAULT_BRANCHES, 3),
        Entry("git@github.com:me/DEEP-OC-x", ("main", "test"), 4, True),
    ]
    assert lint(text) == []
    assert fix(text) == text


def test_empty_list_is_a_clean_catalog() -> None:
    assert parse("--- []\n") == []
    assert lint("--- []\n") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "not-a-list")]),
        ("# only a comment\n", [(1, "not-a-list")]),
        ("module: x\n", [(1, "not-a-list")]),
        ("---\nfoo\n", [(2, "not-a-list")]),
        ("- " + GH + "\n", [(1, "not-a-mapping")]),
        ("- module: " + GH + "\n- [a, b]\n", [(2, "not-a-mapping")]),
        ("- {}\n", [(1, "missing-module")]),
        ("- module: [a]\n", [(1, "not-a-url")]),
        ("- module: 42\n", [(1, "not-a-url")]),
        ("- module:\n", [(1, "not-a-url")]),
    ],
)
def test_not_a_list_of_mappings(text: str, expected: list[tuple[int, str]]) -> None:
    assert codes(text) == expected
    with pytest.raises(DeepOCError, match=rf"MODULES.yml:{expected[0][0]}: "):
        parse(text)


def test_unknown_key_with_suggestion() -> None:
    text = doc(f"""
        - module: {GH}
        - module: {GH}2
          branch: [main]
          registry: x
        """)
    problems = lint(text)
    assert [(p.line, p.code) for p in problems] == [(3, "unknown-key"), (4, "unknown-key")]
    assert problems[0].fix == "did you mean 'branches'?"
    assert "'registry'" in problems[1].message


def test_not_a_url() -> None:
    text = doc(f"""
        - module: {GH}
        - module: DEEP-OC-dogs_breed_det
        - module: https://
        - module: "has space/x"
        """)
    assert codes(text) == [(2, "not-a-url"), (3, "not-a-url"), (4, "not-a-url")]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        (GH + "/", "trailing-slash"),
        (GH + ".git", "dot-git"),
        (GH + "/tree/master", "web-suffix"),
        ("https://github.com/deephdc/deep-oc-dogs_breed_det", "deep-oc-case"),
        ("https://github.com/deephdc/UC-emvollmer-deep-oc-tbbrdet_api", "deep-oc-case"),
    ],
)
def test_url_defects_located_and_fixed(url: str, code: str) -> None:
    text = f"---\n# comment\n- module: {GH}2\n- module: {url}  # keep me\n"
    problems = lint(text)
    assert [(p.line, p.code) for p in problems] == [(4, code)]
    assert problems[0].column == 11
    fixed = fix(text)
    assert lint(fixed) == []
    assert fixed.splitlines()[:3] == text.splitlines()[:3]
    assert fixed.splitlines()[3].endswith("  # keep me")
    assert parse(fixed)[1].url == parse(text)[1].normalised_url


def test_trailing_whitespace_on_any_line() -> None:
    text = f"--- \n- module: {GH} \n# note\t\n- module: {GH}2\n"
    problems = lint(text)
    assert [(p.line, p.code) for p in problems] == [(1, "whitespace"), (2, "whitespace"),
                                                   (3, "whitespace")]
    assert problems[1].column == len(f"- module: {GH}") + 1
    assert fix(text) == f"---\n- module: {GH}\n# note\n- module: {GH}2\n"


def test_whitespace_inside_quotes() -> None:
    text = f'- module: "{GH} "\n'
    assert codes(text) == [(1, "whitespace")]
    assert fix(text) == f'- module: "{GH}"\n'


@pytest.mark.parametrize(
    "dup",
    [
        GH,
        GH + ".git",
        GH + "/",
        "https://github.com/DeepHDC/deep-oc-dogs_breed_det/tree/master",
        "git@github.com:deephdc/DEEP-OC-dogs_breed_det.git",
    ],
)
def test_duplicates_after_normalisation(dup: str) -> None:
    text = doc(f"""
        ---
        - module: {GH}
        # the same again
        - module: {dup}
        - module: {GH}2
        """)
    dups = [p for p in lint(text) if p.code == "duplicate"]
    assert [(p.line, p.message) for p in dups] == [
        (4, f"duplicate of the entry on line 2 ({GH})")]
    with pytest.raises(DeepOCError, match="MODULES.yml:4: duplicate"):
        parse(text)
    fixed = fix(text)
    assert fixed == f"---\n- module: {GH}\n# the same again\n- module: {GH}2\n"


def test_duplicate_with_other_branches_is_not_auto_removed() -> None:
    text = f"- module: {GH}\n- module: {GH}\n  branches: [main]\n"
    problems = lint(text)
    assert [(p.line, p.code, p.fix) for p in problems] == [(2, "duplicate", None)]
    assert fix(text) == text


def test_duplicate_block_entry_removed_whole() -> None:
    text = doc(f"""
        - module: {GH}
          branches:
            - main
        - module: {GH}.git
          branches:
            - main
        # tail comment
        """)
    assert fix(text) == f"- module: {GH}\n  branches:\n    - main\n# tail comment\n"


@pytest.mark.parametrize(
    ("branches", "line"),
    [
        ("[]", 2),
        ("main", 2),
        ("[main, main]", 2),
        ("[main, 'a b']", 2),
        ("[main, 'x..y']", 2),
        ("[{a: b}]", 2),
    ],
)
def test_bad_branches(branches: str, line: int) -> None:
    text = f"- module: {GH}\n  branches: {branches}\n"
    assert codes(text) == [(line, "bad-branches")]


def test_yaml_syntax_error_located() -> None:
    text = f"- module: {GH}\n- module: [unclosed\n- module: x\n"
    problems = lint(text)
    assert len(problems) == 1 and problems[0].code == "yaml"
    assert problems[0].line in (2, 3, 4)
    assert fix(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "- module: !!python/object/apply:os.system ['true']\n",
        "- !!python/name:os.system {module: x}\n",
    ],
)
def test_unsafe_yaml_is_refused(text: str) -> None:
    problems = lint(text)
    assert "yaml-tag" in [p.code for p in problems]
    with pytest.raises(DeepOCError, match="YAML tag"):
        parse(text)


def test_many_documents_refused() -> None:
    assert codes(f"- module: {GH}\n---\n- module: {GH}2\n")[0][1] == "yaml"


def test_fix_keeps_comments_order_and_quote_style() -> None:
    text = doc(f"""
        ---
        # The DEEP-OC catalog: one Docker repo per line.
        - module: {GH}.git   # first
        - module: 'https://github.com/deephdc/deep-oc-mods/'
        # a commented-out module:
        # - module: https://github.com/deephdc/DEEP-OC-old
        - module: "https://github.com/MicroStep-MIS/DEEP-OC-thunder/tree/master"
        - module: git@github.com:me/deep-oc-x.git
          branches: [main, test]   # default branch is main
        """)
    fixed = fix(text)
    assert fixed == doc(f"""
        ---
        # The DEEP-OC catalog: one Docker repo per line.
        - module: {GH}   # first
        - module: 'https://github.com/deephdc/DEEP-OC-mods'
        # a commented-out module:
        # - module: https://github.com/deephdc/DEEP-OC-old
        - module: "https://github.com/MicroStep-MIS/DEEP-OC-thunder"
        - module: git@github.com:me/DEEP-OC-x
          branches: [main, test]   # default branch is main
        """)
    assert lint(fixed) == []
    assert yaml.safe_load(fixed) == [
        {"module": GH},
        {"module": "https://github.com/deephdc/DEEP-OC-mods"},
        {"module": "https://github.com/MicroStep-MIS/DEEP-OC-thunder"},
        {"module": "git@github.com:me/DEEP-OC-x", "branches": ["main", "test"]},
    ]
    assert fix(fixed) == fixed


def test_fix_keeps_crlf_line_endings() -> None:
    text = f"---\r\n- module: {GH}/ \r\n- module: {GH}2\r\n"
    assert fix(text) == f"---\r\n- module: {GH}\r\n- module: {GH}2\r\n"


def test_fix_leaves_unfixable_problems_for_lint() -> None:
    text = f"- module: {GH}/\n- modul: x\n"
    fixed = fix(text)
    assert fixed == f"- module: {GH}\n- modul: x\n"
    assert [p.code for p in lint(fixed)] == ["unknown-key", "missing-module"]


def test_real_deep_oc_history_defects() -> None:
    """The defects the real catalog merged (deephdc/deep-oc MODULES.yml history)."""
    text = doc("""
        ---
        - module: https://github.com/deephdc/DEEP-OC-dogs_breed_det
        - module: https://github.com/deephdc/UC-emvollmer-deep-oc-tbbrdet_api/
        - module: https://github.com/MicroStep-MIS/DEEP-OC-ai4eosc_thunder_nowcast_ml/tree/master
        - module: https://github.com/deephdc/UC-adnaneds-DEEP-OC-unet 
        - module: https://github.com/deephdc/DEEP-OC-satsr 
        """)  # noqa: W291 - the trailing blanks are the defect under test
    assert codes(text) == [
        (3, "trailing-slash"), (3, "deep-oc-case"), (4, "web-suffix"),
        (5, "whitespace"), (6, "whitespace"),
    ]
    assert lint(fix(text)) == []


# -- name: and the branches an entry follows ----------------------------------------------
def test_a_name_key_names_the_module() -> None:
    from deepoc.catalog.modules_file import assign_names

    text = doc(f"""
        - module: {GH}
          name: dogs
        - module: https://github.com/ai4os-hub/ai4os-yolov8-torch
        """)
    assert lint(text) == []
    assert assign_names(parse(text)) == ["dogs", "ai4os-yolov8-torch"]


@pytest.mark.parametrize("value", ["Dogs", "a..b", "-x", "x-", "", "[x]", "a b", "é",
                                   "x" * 101, "1.5e3x_"])
def test_a_bad_name_is_a_problem(value: str) -> None:
    text = f"- module: {GH}\n  name: {yaml.safe_dump(value).splitlines()[0]}\n"
    assert codes(text) == [(2, "bad-name")]
    with pytest.raises(DeepOCError, match="'name'"):
        parse(text)


def test_a_name_given_twice_is_an_error_and_a_taken_name_qualifies_the_other() -> None:
    from deepoc.catalog.modules_file import assign_names

    twice = doc("""
        - module: https://github.com/o/a
          name: same
        - module: https://github.com/o/b
          name: same
        """)
    assert codes(twice) == [(3, "duplicate-name")]
    with pytest.raises(DeepOCError, match="already given to the entry on line 1"):
        parse(twice)
    taken = doc("""
        - module: https://github.com/o/unet
          name: x
        - module: https://github.com/p/x
        """)
    assert codes(taken) == [(1, "name-collision"), (3, "name-collision")]
    assert assign_names(parse(taken)) == ["x", "x-p"]


def test_followed_branches() -> None:
    from deepoc.catalog.modules_file import followed_branches

    implicit = Entry(GH)
    assert followed_branches(implicit, "main") == ("main", "test")
    assert followed_branches(implicit, "master") == ("master", "test") == DEFAULT_BRANCHES
    assert followed_branches(implicit, "test") == ("test",)
    assert followed_branches(implicit, None) == DEFAULT_BRANCHES
    explicit = Entry(GH, ("dev",), explicit_branches=True)
    assert followed_branches(explicit, "main") == ("dev",)
