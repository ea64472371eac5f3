"""Where a catalog module's images go (deepoc/images/naming.py): pure rules, every case."""

from __future__ import annotations

import pytest

from deepoc.images import naming
from deepoc.images.naming import ImageNameError


@pytest.mark.parametrize("name", [
    "deephdc/plant", "a", "a/b/c", "x.y/z_z", "a__b", "a--b-c", "0/9",
])
def test_plain_repositories_pass(name: str) -> None:
    assert naming.repository_problem(name) is None
    assert naming.check_repository(name, "x") == name


@pytest.mark.parametrize(("name", "why"), [
    ("", "non-empty"), (None, "non-empty"), (3, "non-empty"), (["a"], "non-empty"),
    ("a" * 256, "longer"), ("a/b@sha256:00", "digest"), ("a/b:latest", "tag"),
    ("localhost:5000/a", "tag or a registry port"), ("Deephdc/a", "lower-case"),
    ("a//b", "lower-case"), ("/a", "lower-case"), ("a/", "lower-case"), ("../a", "lower-case"),
    ("a/../b", "lower-case"), ("a/.b", "lower-case"), ("a b", "lower-case"),
    ("a\x1bb", "lower-case"), ("a\nb", "lower-case"), ("a._b", "lower-case"),
])
def test_anything_else_is_refused_with_a_reason(name: object, why: str) -> None:
    problem = naming.repository_problem(name)
    assert problem and why in problem
    with pytest.raises(ImageNameError, match="^what "):
        naming.check_repository(name, "what")


def test_derived_names_come_from_the_module_name() -> None:
    assert naming.derived_repository("plant") == "deephdc/plant"
    assert naming.derived_repository("plant", "ops/ai") == "ops/ai/plant"
    with pytest.raises(ImageNameError, match="--namespace"):
        naming.derived_repository("plant", "Bad NS")


def test_catalog_repositories_override_and_collisions() -> None:
    got = naming.catalog_repositories([
        ("a", None), ("b", "ops/b"), ("c", "deephdc/a"), ("d", "Bad"), ("e", "ops/f"),
        ("f", "ops/f"),
    ])
    assert got["b"] == "ops/b"
    for name in ("a", "c"):  # an override onto another module's name: neither builds
        assert isinstance(got[name], ImageNameError)
        assert "claimed by more than one module" in str(got[name])
    assert isinstance(got["d"], ImageNameError) and "MODULES.yml image of d:" in str(got["d"])
    assert isinstance(got["e"], ImageNameError) and isinstance(got["f"], ImageNameError)


@pytest.mark.parametrize("declared", [None, "", "deephdc/plant"])
def test_build_json_may_repeat_or_omit_the_catalog_name(declared: object) -> None:
    naming.check_build_file_image(declared, "deephdc/plant", "plant")


@pytest.mark.parametrize("declared", ["deephdc/other", "deephdc/plant/x", "DEEPHDC/plant",
                                      "evil/plant", 7])
def test_build_json_naming_another_image_is_refused(declared: object) -> None:
    with pytest.raises(ImageNameError) as info:
        naming.check_build_file_image(declared, "deephdc/plant", "plant")
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("build.json names image") and "'deephdc/plant'" in msg


def test_repository_for_catalog_and_repo_jobs() -> None:
    from pathlib import Path

    from deepoc.images.builder import Job, JobFailure, repository_for

    repo_job = Job(module="plant", repo=Path("."), commit="0" * 40)
    assert repository_for(repo_job, {"image": "alice/plant"}) == "alice/plant"
    with pytest.raises(ImageNameError, match="^build.json image 'localhost:5000/x' must not"):
        repository_for(repo_job, {"image": "localhost:5000/x"})
    with pytest.raises(JobFailure, match="'image' must be a non-empty string"):
        repository_for(repo_job, {})
    cat_job = Job(module="plant", repo=Path("."), commit="0" * 40, image="deephdc/plant")
    assert repository_for(cat_job, {}) == "deephdc/plant"
    assert repository_for(cat_job, {"image": "deephdc/plant"}) == "deephdc/plant"
    with pytest.raises(ImageNameError, match="^build.json names image 'deephdc/other'"):
        repository_for(cat_job, {"image": "deephdc/other"})
    refused = Job(module="plant", repo=Path("."), commit="0" * 40,
                  image=ImageNameError("image x is claimed by more than one module"))
    with pytest.raises(ImageNameError, match="claimed by more than one"):
        repository_for(refused, {"image": "x"})
