"""The pure rules of publishing: topics, descriptions, per-repository plans, PR text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepoc.publish.plan import (
    RemoteState,
    append_entry,
    branch_name,
    github_topic,
    github_topics,
    plan_repo,
    pr_body,
    pr_title,
    repo_description,
    valid_repo_name,
)

TOPIC = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
LOCAL = {"master": "a" * 40, "test": "b" * 40}


@pytest.mark.parametrize("keyword, topic", [
    ("docker", "docker"),
    ("Image Classification", "image-classification"),
    ("TensorFlow 2.x", "tensorflow-2-x"),
    ("api_v2", "api-v2"),
    ("  --weird--  ", "weird"),
    ("Ñandú", "nandu"),
    ("日本", None),
    ("!!!", None),
    ("", None),
    ("x" * 60, "x" * 50),
    ("a" * 49 + "-b", "a" * 49),
])
def test_github_topic(keyword, topic):
    assert github_topic(keyword) == topic


@given(st.text())
def test_topics_are_always_valid(keyword):
    topic = github_topic(keyword)
    assert topic is None or TOPIC.match(topic)


def test_topics_dedupe_cap_and_ignore_junk():
    assert github_topics(["Docker", "docker", "DOCKER!", None, 3, {"a": 1}]) == ["docker", "3"]
    assert len(github_topics([f"t{i}" for i in range(40)])) == 20
    assert github_topics("single") == ["single"] and github_topics(None) == []


def test_description():
    meta = {"title": "T", "summary": "  A   short\nsummary ", "description": ["long"]}
    assert repo_description(meta, docker=False) == "A short summary"
    assert repo_description(meta, docker=True) == "DEEP-OC Docker image: A short summary"
    assert repo_description({"description": ["one", "two"]}, docker=False) == "one two"
    assert repo_description({}, docker=False) == ""
    assert len(repo_description({"summary": "x" * 1000}, docker=False)) == 350


def test_repo_names():
    assert valid_repo_name("DEEP-OC-plant_classifier") and valid_repo_name("a.b")
    assert not valid_repo_name("a b") and not valid_repo_name("..") and not valid_repo_name("")


def test_plan_missing_repo_is_created_and_filled():
    plan = plan_repo("o/r", LOCAL, RemoteState(exists=False), {}, "d", ["t"])
    assert plan.create and plan.push == ("master", "test") and plan.set_default
    assert plan.set_description == "d" and plan.set_topics == ("t",)
    assert plan.describe()[0] == "o/r: create repository"


def test_plan_empty_repo_is_filled_keeping_its_description_and_topics():
    remote = RemoteState(exists=True, default_branch="main", description="theirs",
                         topics=("x",))
    plan = plan_repo("o/r", LOCAL, remote, {}, "d", ["t"])
    assert not plan.create and plan.push == ("master", "test") and plan.set_default
    assert plan.set_description is None and plan.set_topics is None and not plan.conflict


def test_plan_partial_rerun_pushes_only_what_is_missing():
    remote = RemoteState(exists=True, heads={"master": "a" * 40}, default_branch="main")
    plan = plan_repo("o/r", LOCAL, remote, {"master": True}, "", [])
    assert plan.push == ("test",) and plan.set_default


def test_plan_up_to_date():
    remote = RemoteState(exists=True, heads=dict(LOCAL), default_branch="master",
                         description="d", topics=("t",))
    plan = plan_repo("o/r", LOCAL, remote, {"master": True, "test": True}, "d", ["t"])
    assert plan.nothing_to_do and plan.describe() == ["o/r: up to date"]


def test_plan_fast_forward_of_our_own_history():
    remote = RemoteState(exists=True, heads={"master": "c" * 40, "test": "b" * 40},
                         default_branch="master", description="d", topics=("t",))
    plan = plan_repo("o/r", LOCAL, remote, {"master": True, "test": True}, "d", ["t"])
    assert plan.push == ("master",) and not plan.set_default


@pytest.mark.parametrize("heads, ours, local", [
    ({"master": "f" * 40}, {"master": False}, LOCAL),            # unrelated history
    ({"main": "f" * 40}, {"main": False}, LOCAL),                # a branch we do not know
    ({"test": "b" * 40}, {"test": True}, {"master": "a" * 40}),  # test exists only there
])
def test_plan_foreign_history_is_left_alone(heads, ours, local):
    remote = RemoteState(exists=True, heads=heads, default_branch="main")
    plan = plan_repo("o/r", local, remote, ours, "d", ["t"])
    assert plan.conflict and not plan.push and not plan.set_default and not plan.create
    assert plan.describe()[0].startswith("o/r: left alone: it already has history")


@pytest.mark.parametrize("text", ["", "- module: a\n", "- module: a", "# c\n\n- module: a\n\n"])
def test_append_entry_keeps_everything_and_adds_one_line(text):
    new, line = append_entry(text, "https://x/o/DEEP-OC-r")
    assert new.startswith(text) and new.endswith("- module: https://x/o/DEEP-OC-r\n")
    assert new.splitlines()[line - 1] == "- module: https://x/o/DEEP-OC-r"
    assert new.count("\n") == line


@pytest.mark.parametrize("url", ["https://x/o/r #frag", "a: b", "-x", "'q'", "[x]", "x\\y"])
def test_append_entry_quotes_what_yaml_would_misread(url):
    import yaml

    new, _line = append_entry("- module: https://x/o/a\n", url)
    assert yaml.safe_load(new)[-1] == {"module": url}


@given(st.text(min_size=1).filter(lambda s: "\n" not in s and "\r" not in s))
def test_append_entry_reads_back_exactly(url):
    import yaml

    new, _line = append_entry("", url)
    assert yaml.safe_load(new) == [{"module": url}]


def test_pr_text():
    assert branch_name("plant_classifier") == "add-plant_classifier"
    assert branch_name("a b/c") == "add-a-b-c"
    assert pr_title("m") == "Add m to the marketplace"
    ok = pr_body("https://x/o/DEEP-OC-m", "m", {"file": "metadata.json", "ref": "master",
                                                  "valid": True, "schema_version": "1.0.0"})
    assert "- module: https://x/o/DEEP-OC-m" in ok
    assert "`metadata.json` on `master`: **valid** (schema 1.0.0)" in ok
    bad = pr_body("u", "m", {"file": "metadata.json", "valid": False,
                             "errors": ["$.title: missing"], "warnings": ["$.x: odd"]})
    assert "**invalid**, 1 error(s):" in bad and "  - $.title: missing" in bad
    assert "1 warning(s):" in bad
    missing = pr_body("u", "m", {"valid": None, "note": "no metadata.json on master"})
    assert "not checked: no metadata.json on master" in missing
