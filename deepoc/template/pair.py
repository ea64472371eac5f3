"""A module is a pair of git repositories side by side: ``<repo>/`` and ``DEEP-OC-<repo>/``.
One rule for finding them, used by publish, update and adopt."""

from __future__ import annotations

from pathlib import Path

from deepoc.errors import UsageError

DOCKER_PREFIX = "DEEP-OC-"


def _is_repo(path: Path) -> bool:
    return path.is_dir() and (path / ".git").exists()


def find_pair(directory: Path) -> tuple[Path, Path]:
    """(code repo, Docker repo) from DIR holding both, or DIR being one of them."""
    d = directory.resolve()
    if not d.is_dir():
        raise UsageError(f"{directory} is not a directory: give the folder `deep-oc new` wrote")
    if d.name.startswith(DOCKER_PREFIX):
        code = d.parent / d.name[len(DOCKER_PREFIX):]
        if _is_repo(code) and _is_repo(d):
            return code, d
    sibling = d.parent / f"{DOCKER_PREFIX}{d.name}"
    if _is_repo(d) and _is_repo(sibling):
        return d, sibling
    pairs = sorted(
        (d / p.name[len(DOCKER_PREFIX):], p)
        for p in d.iterdir()
        if p.name.startswith(DOCKER_PREFIX) and _is_repo(p)
        and _is_repo(d / p.name[len(DOCKER_PREFIX):])
    )
    if not pairs:
        raise UsageError(
            f"no baked module in {directory}: expected <repo>/ and {DOCKER_PREFIX}<repo>/ git "
            "repositories (made by `deep-oc new`)"
        )
    if len(pairs) > 1:
        names = ", ".join(c.name for c, _ in pairs)
        raise UsageError(
            f"{directory} holds several modules ({names}): give the folder of one of them"
        )
    return pairs[0]
