"""``deep-oc catalog list``: module names for a Jenkins fan-out, optionally only the changed.

Names come from a synced catalog.json (``--catalog``) or straight from a MODULES.yml
(``--modules``: what a pull request build uses, so it syncs only what the request touches).
``--changed-since OLD`` compares entries with an older MODULES.yml (for a pull request: the
target branch's file): an entry is listed when its repository is not in the old file or its
followed branches differ (an old entry with no ``branches:`` follows the default branch
catalog.json records, and test). URLs are compared by identity, so fixing the spelling of a URL does
not trigger a rebuild.
"""

from __future__ import annotations

import os

from deepoc.catalog import modules_file, urls
from deepoc.catalog.modules_file import assign_names
from deepoc.catalog.sync import read_catalog
from deepoc.errors import DeepOCError

__all__ = ["list_names"]


def list_modules_file(
    modules: str | os.PathLike[str], changed_since: str | os.PathLike[str] | None = None
) -> list[str]:
    """Names of the entries of a MODULES.yml (file order, named as sync names them)."""
    path = str(modules)
    text = modules_file.read_text(path)
    entries = modules_file.parse(text, path)
    names = assign_names(entries)
    found = [
        {"name": name, "url": e.url, "branches": dict.fromkeys(e.branches)}
        for name, e in zip(names, entries, strict=True)
    ]
    return _filter(found, changed_since)


def list_names(
    catalog: str | os.PathLike[str], changed_since: str | os.PathLike[str] | None = None
) -> list[str]:
    """Names of the modules in ``catalog`` (file order), filtered by ``changed_since``."""
    data = read_catalog(catalog)
    modules = [m for m in data.get("modules", []) if isinstance(m, dict) and m.get("name")]
    return _filter(modules, changed_since)


def _filter(modules: list[dict], changed_since: str | os.PathLike[str] | None) -> list[str]:
    if changed_since is None:
        return [m["name"] for m in modules]
    try:
        text = modules_file.read_text(changed_since, "the old MODULES.yml")
    except DeepOCError as exc:
        raise DeepOCError(f"{exc}; pass the file as it was on the target branch") from None
    try:
        old_entries = modules_file.parse(text, str(changed_since))
    except DeepOCError:
        # An old file that no longer parses cannot vouch for anything: everything changed.
        return [m["name"] for m in modules]
    old = {e.identity: e for e in old_entries}
    out = []
    for m in modules:
        key = urls.identity(m.get("url", ""))
        branches = set((m.get("branches") or {}).keys())
        if key not in old:
            out.append(m["name"])
            continue
        # an old entry with no branches: followed the default branch the catalog found
        expected = set(modules_file.followed_branches(old[key], m.get("default_branch")))
        if branches and branches != expected:
            out.append(m["name"])
    return out
