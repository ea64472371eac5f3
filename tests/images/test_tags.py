"""The tag scheme, exhaustively: every branch kind, git tags, odd names, both variants."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepoc.errors import UsageError
from deepoc.images.tags import code_ref, image_tags, is_valid_tag, safe_name

SHA = "ABCDEF1234567890abcdef1234567890abcdef12"


def tags(variant="cpu", build="7", **kw):
    return image_tags(commit=SHA, variant=variant, build_number=build, **kw)


@pytest.mark.parametrize("branch", ["master", "main"])
def test_main_branches(branch):
    assert tags(branch=branch) == ["latest", "cpu", "abcdef1_7", "abcdef1"]
    assert tags("gpu", branch=branch) == ["gpu", "abcdef1_7-gpu", "abcdef1-gpu"]


def test_test_branch():
    assert tags(branch="test") == ["test", "cpu-test", "abcdef1_7", "abcdef1"]
    assert tags("gpu", branch="test") == ["gpu-test", "abcdef1_7-gpu", "abcdef1-gpu"]


def test_other_branch():
    assert tags(branch="dev") == ["dev", "cpu-dev", "abcdef1_7", "abcdef1"]
    assert tags("gpu", branch="dev") == ["gpu-dev", "abcdef1_7-gpu", "abcdef1-gpu"]


def test_git_tag():
    assert tags(git_tag="v1.2.0") == ["v1.2.0", "abcdef1_7", "abcdef1"]
    assert tags("gpu", git_tag="v1.2.0") == ["v1.2.0-gpu", "abcdef1_7-gpu", "abcdef1-gpu"]


def test_without_build_number_only_commit_tag():
    assert tags(build=None, branch="master") == ["latest", "cpu", "abcdef1"]
    assert tags("gpu", build="", branch="master") == ["gpu", "abcdef1-gpu"]


def test_integer_build_number():
    assert tags(build=42, branch="master")[2] == "abcdef1_42"


@pytest.mark.parametrize(
    ("branch", "name"),
    [
        ("feature/new-model", "feature-new-model"),
        ("Feature/UPPER", "feature-upper"),
        ("release/1.0.x", "release-1.0.x"),
        ("a//b", "a-b"),
        ("..hidden", "hidden"),
        ("--dash", "dash"),
        ("-.-x", "x"),
        ("trailing.", "trailing"),
        ("with space", "with-space"),
        ("ünïcode", "n-code"),
        ("under_score", "under_score"),
        ("_lead", "_lead"),
        ("Master", "branch-master"),
        ("MAIN", "branch-main"),
        ("TEST", "branch-test"),
        ("latest", "branch-latest"),
        ("cpu", "branch-cpu"),
        ("gpu", "branch-gpu"),
        ("gpu-dev", "branch-gpu-dev"),
        ("cpu-test", "branch-cpu-test"),
        ("x-gpu", "branch-x-gpu"),
        ("branch-x", "branch-branch-x"),
        ("abcdef1", "branch-abcdef1"),
        ("abcdef1_7", "branch-abcdef1_7"),
        ("abcdef12", "abcdef12"),
    ],
)
def test_odd_branch_names(branch, name):
    assert safe_name(branch) == name
    cpu = tags(branch=branch)
    assert cpu[:2] == [name, f"cpu-{name}"]
    assert tags("gpu", branch=branch)[0] == f"gpu-{name}"


def test_odd_git_tags():
    assert safe_name("V2.0", "tag") == "v2.0"
    assert safe_name("latest", "tag") == "tag-latest"
    assert safe_name("1.0-gpu", "tag") == "tag-1.0-gpu"
    assert safe_name("releases/2024", "tag") == "releases-2024"
    assert tags(git_tag="gpu")[0] == "tag-gpu"


def test_names_with_nothing_left_get_a_hash():
    for odd in ["...", "---", "/", "☃"]:
        name = safe_name(odd)
        assert name.startswith("branch-") and len(name) == len("branch-") + 8
        assert is_valid_tag(f"cpu-{name}")
    assert safe_name("...") != safe_name("---")


def test_130_character_branch():
    long_a = "a" * 130
    long_b = "a" * 129 + "b"
    a, b = safe_name(long_a), safe_name(long_b)
    assert a != b, "two long names must stay apart"
    for t in tags(branch=long_a) + tags("gpu", branch=long_a):
        assert is_valid_tag(t) and len(t) <= 128
    for t in tags(git_tag=long_a) + tags("gpu", git_tag=long_a):
        assert is_valid_tag(t) and len(t) <= 128


def test_exactly_at_the_limit_is_kept():
    name = "b" * 124
    assert safe_name(name) == name
    assert safe_name(name + "b") != name + "b"


def test_branch_and_gpu_tags_never_clash_across_branches():
    """A branch's tags never equal another kind's reserved tags."""
    main = set(tags(branch="master")) | set(tags("gpu", branch="master"))
    test = set(tags(branch="test")) | set(tags("gpu", branch="test"))
    for odd in ["latest", "cpu", "gpu", "TEST", "cpu-test", "gpu-test", "gpu-dev", "dev-gpu"]:
        moving = set(tags(branch=odd)[:2]) | {tags("gpu", branch=odd)[0]}
        assert not moving & main and not moving & test, odd


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"branch": "master", "git_tag": "v1"},
        {"branch": ""},
        {"git_tag": ""},
    ],
)
def test_bad_branch_tag_combinations(kw):
    with pytest.raises(UsageError):
        tags(**kw)


@pytest.mark.parametrize("commit", ["", "abc", "xyz1234", "abc 1234"])
def test_bad_commit(commit):
    with pytest.raises(UsageError):
        image_tags(commit=commit, variant="cpu", build_number="1", branch="master")


@pytest.mark.parametrize("build", ["1 2", "a/b", "x" * 41])
def test_bad_build_number(build):
    with pytest.raises(UsageError):
        tags(build=build, branch="master")


def test_bad_variant():
    with pytest.raises(UsageError):
        tags("tpu", branch="master")


def test_code_ref():
    assert code_ref("dev", None) == "dev"
    assert code_ref("dev", None, code_has_tag=True) == "dev"
    # a git tag build installs the code repo's tag of the same name, else its master
    assert code_ref(None, "v1.0", code_has_tag=True) == "v1.0"
    assert code_ref(None, "v1.0") == "master"


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(min_size=1, max_size=200),
    variant=st.sampled_from(["cpu", "gpu"]),
    is_tag=st.booleans(),
    build=st.one_of(st.none(), st.integers(0, 10**9).map(str)),
    commit=st.text(alphabet=string.hexdigits, min_size=7, max_size=40),
)
def test_any_name_gives_valid_distinct_tags(name, variant, is_tag, build, commit):
    kw = {"git_tag": name} if is_tag else {"branch": name}
    out = image_tags(commit=commit, variant=variant, build_number=build, **kw)
    assert len(out) == len(set(out))
    assert all(is_valid_tag(t) and len(t) <= 128 for t in out)
    sha7 = commit[:7].lower()
    assert out[-1] == (sha7 if variant == "cpu" else f"{sha7}-gpu")
    reserved = {"latest", "cpu", "gpu", "test", "cpu-test", "gpu-test"}
    assert not set(out) & reserved or (not is_tag and name in ("master", "main", "test"))
    if variant == "cpu" and not is_tag:
        assert not out[0].startswith("gpu-")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_safe_name_is_idempotent_on_its_output_shape(name):
    out = safe_name(name)
    assert out == out.lower() and is_valid_tag(out) and len(out) <= 124
    assert not out.startswith((".", "-"))
