"""Where a catalog module's images go: decided by the catalog, never by the module.

Why: build.json is written by the module's author. If its ``image`` were the push target,
one module could push over another module's tags (``"image": "deephdc/other_module"``) with
the catalog's registry credentials. So the catalog derives each module's repository from
its own module name (unique within the catalog), ``<namespace>/<module name>``, unless the
catalog operator approved another one with an ``image:`` key in MODULES.yml. build.json's
``image`` may only repeat that name. Pure functions; the builder calls them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from deepoc.errors import DeepOCError

DEFAULT_NAMESPACE = "deephdc"
# One path component of an OCI repository name (distribution spec), lower case only.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_RE = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
MAX_REPOSITORY = 255


class ImageNameError(DeepOCError):
    """An image name that is not a plain repository path, or not this module's."""


def repository_problem(name: object) -> str | None:
    """Why ``name`` is not a plain repository path (``owner/name``: no registry host, tag,
    digest, upper case, ``..`` or empty component), or None when it is one."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if len(name) > MAX_REPOSITORY:
        return f"is longer than {MAX_REPOSITORY} characters"
    if "@" in name:
        return "must not carry a digest (@sha256:...)"
    if ":" in name:
        return "must not carry a tag or a registry port (the catalog adds the registry)"
    if not _REPOSITORY_RE.fullmatch(name):
        return ("must be lower-case path components of letters, digits and single . _ - "
                "separators, joined by '/' (e.g. deephdc/plant_classifier)")
    return None


def check_repository(name: object, what: str) -> str:
    """``name`` if it is a plain repository path, else an ImageNameError naming ``what``."""
    problem = repository_problem(name)
    if problem:
        raise ImageNameError(f"{what} {name!r} {problem}")
    assert isinstance(name, str)
    return name


def derived_repository(module: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """The repository a catalog module gets without an override: ``<namespace>/<module>``
    (module names are already lower case and unique within a catalog)."""
    ns = check_repository(namespace, "--namespace")
    return check_repository(f"{ns}/{module.lower()}", f"module {module}: image")


def catalog_repositories(
    modules: Iterable[tuple[str, str | None]], namespace: str = DEFAULT_NAMESPACE
) -> dict[str, str | ImageNameError]:
    """The repository of every catalog module (``(name, MODULES.yml image or None)``), or
    the error that keeps it from building. Two modules never share one: when an override
    names a repository another module also gets, both are refused (neither may write the
    other's images)."""
    out: dict[str, str | ImageNameError] = {}
    for name, override in modules:
        try:
            if override is not None:
                out[name] = check_repository(override, f"MODULES.yml image of {name}:")
            else:
                out[name] = derived_repository(name, namespace)
        except ImageNameError as exc:
            out[name] = exc
    owners: dict[str, list[str]] = {}
    for name, repo in out.items():
        if isinstance(repo, str):
            owners.setdefault(repo, []).append(name)
    for repo, names in owners.items():
        if len(names) > 1:
            for name in names:
                others = ", ".join(n for n in names if n != name)
                out[name] = ImageNameError(
                    f"image {repo} is claimed by more than one module ({name}, {others}): "
                    "give each an image of its own in MODULES.yml"
                )
    return out


def check_build_file_image(declared: object, expected: str, module: str) -> None:
    """A catalog build refuses a build.json ``image`` other than the catalog's (absent is
    fine: the catalog's name is used)."""
    if declared is None or declared == "":
        return
    if declared != expected:
        raise ImageNameError(
            f"build.json names image {declared!r}, but the catalog builds module {module} as "
            f"{expected!r}: set \"image\": \"{expected}\" in build.json, or ask the catalog "
            "operator for an 'image:' entry in MODULES.yml"
        )
