"""The image tag scheme: one pure function, used by ``images build`` and the Jenkinsfiles.

Inputs are a branch *or* a git tag, the Docker repo commit, the build number and the
variant (``cpu``/``gpu``). The table lives in ``docs/reference/tags.md``.
"""

from __future__ import annotations

import hashlib
import re

from deepoc.errors import UsageError

VARIANTS = ("cpu", "gpu")
MAX_TAG = 128  # Docker's limit for a tag
# Longest decoration added around a name is 4 characters ("cpu-", "gpu-", "-gpu").
MAX_NAME = MAX_TAG - 4
MAIN_BRANCHES = ("master", "main")
TEST_BRANCH = "test"
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_INVALID = re.compile(r"[^a-z0-9_.-]+")
_BUILD_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_COMMIT_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")
# Names that would steal a tag another branch, git tag or commit owns.
_RESERVED = {"latest", "cpu", "gpu", "test", "master", "main"}
_LOOKS_LIKE_COMMIT = re.compile(r"^[0-9a-f]{7}(_[a-z0-9_.-]+)?$")


def is_valid_tag(tag: str) -> bool:
    """True for a string Docker accepts as a tag."""
    return bool(_TAG_RE.match(tag))


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def safe_name(name: str, kind: str = "branch") -> str:
    """Turn a branch or git tag name into a tag fragment that cannot collide with scheme tags.

    Lower-cased; every run of characters outside ``[a-z0-9_.-]`` (``/`` included) becomes
    ``-``; leading dots and dashes go; names the scheme itself uses (``latest``, ``cpu``,
    ``gpu-*``, ``*-gpu``, commit-like names...) get a ``branch-``/``tag-`` prefix; names
    too long are cut and suffixed with a hash of the original so two long names stay apart.
    """
    if not name:
        raise UsageError(f"empty {kind} name: give a non-empty --branch or --git-tag")
    out = _INVALID.sub("-", name.lower()).lstrip(".-")
    out = out.rstrip(".")
    prefix = "branch-" if kind == "branch" else "tag-"
    if not out:
        return f"{prefix}{_short_hash(name)}"
    if (
        out in _RESERVED
        or out.startswith(("cpu-", "gpu-", "branch-", "tag-"))
        or out.endswith("-gpu")
        or _LOOKS_LIKE_COMMIT.match(out)
    ):
        out = prefix + out
    if len(out) > MAX_NAME:
        out = out[: MAX_NAME - 9].rstrip(".-") + "-" + _short_hash(name)
    return out


def image_tags(
    *,
    commit: str,
    variant: str,
    build_number: str | int | None = None,
    branch: str | None = None,
    git_tag: str | None = None,
) -> list[str]:
    """All tags one image gets, moving tags first, then the commit tags.

    - ``master``/``main``: CPU ``latest``, ``cpu``; GPU ``gpu``.
    - ``test``: CPU ``test``, ``cpu-test``; GPU ``gpu-test``.
    - other branch ``B``: CPU ``B``, ``cpu-B``; GPU ``gpu-B`` (``B`` made safe).
    - git tag ``T``: CPU ``T``; GPU ``T-gpu``.
    - always: ``<sha7>_<build>`` (if a build number is known) and ``<sha7>``, GPU with ``-gpu``.
    """
    if (branch is None) == (git_tag is None):
        raise UsageError("give exactly one of --branch or --git-tag")
    if variant not in VARIANTS:
        raise UsageError(f"variant {variant!r} is not one of cpu, gpu: use --variant cpu|gpu")
    if not _COMMIT_RE.match(commit or ""):
        raise UsageError(f"commit {commit!r} is not a hex SHA of 7+ characters: pass --commit SHA")
    build = None if build_number is None or build_number == "" else str(build_number)
    if build is not None and not _BUILD_RE.match(build):
        raise UsageError(
            f"build number {build!r} has characters a tag cannot hold: use digits, e.g. 42"
        )
    gpu = variant == "gpu"
    tags: list[str] = []
    if branch is not None:
        if branch in MAIN_BRANCHES:
            tags += ["gpu"] if gpu else ["latest", "cpu"]
        elif branch == TEST_BRANCH:
            tags += ["gpu-test"] if gpu else ["test", "cpu-test"]
        else:
            name = safe_name(branch, "branch")
            tags += [f"gpu-{name}"] if gpu else [name, f"cpu-{name}"]
    else:
        name = safe_name(git_tag or "", "tag")
        tags += [f"{name}-gpu"] if gpu else [name]
    sha7 = commit[:7].lower()
    suffix = "-gpu" if gpu else ""
    if build is not None:
        tags.append(f"{sha7}_{build}{suffix}")
    tags.append(f"{sha7}{suffix}")
    # Never a duplicate, never an invalid tag: both would be bugs in this function.
    assert len(set(tags)) == len(tags) and all(is_valid_tag(t) for t in tags), tags
    return tags


def code_ref(branch: str | None, git_tag: str | None, code_has_tag: bool = False) -> str:
    """The code repo ref a Docker repo build installs: the branch of the same name; for a git
    tag ``T``, the code repo's own tag ``T`` when it has one, else its ``master``."""
    if branch is not None:
        return branch
    return git_tag if git_tag and code_has_tag else "master"
