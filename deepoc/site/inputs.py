"""Read catalog.json and builds.json for a site build, parsing only what changed.

Why: at 10,000 modules the two files hold 32 MB of JSON, and parsing them costs more than
everything else a one-module rebuild has to do. Both are written in deep-oc's one JSON
layout (:mod:`deepoc.jsondoc`), so each module entry and each build record can be cut out
as raw bytes and compared with the same bytes in the previous build's inputs (the copies
published in the live site). Only new or changed items are parsed; an unchanged module
keeps the content key the last build computed for it. Files in any other layout are
parsed whole, which gives the same modules and keys, only slower.
"""

from __future__ import annotations

import json
from pathlib import Path

from deepoc import jsondoc
from deepoc.errors import DeepOCError, UsageError
from deepoc.site import model

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Loaded = tuple[dict[str, Any], list[dict[str, Any]]]

CATALOG_VERSION = 1
BUILDS_VERSION = 1


class Module:
    """One catalog entry: its name, its content key, and its parsed inputs on demand."""

    __slots__ = ("name", "key", "load")

    def __init__(self, name: str, key: str, load: Callable[[], Loaded]) -> None:
        self.name, self.key, self.load = name, key, load


class Inputs:
    """The modules in catalog order, the raw files (published as they are), and ``index``:
    what the next build needs to diff its inputs against these."""

    def __init__(self, cat_raw: bytes, builds_raw: bytes | None) -> None:
        self.modules: list[Module] = []
        self.cat_raw, self.builds_raw = cat_raw, builds_raw
        self.index: dict[str, Any] = {}
        self.parsed = 0  # catalog entries parsed (the rest were unchanged bytes)
        self.problems: list[str] = []


def read_raw(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist: pass the file written by the "
                         f"previous stage") from None
    except OSError as exc:
        raise DeepOCError(f"cannot read {what} {path}: {exc.strerror}") from None


def _parse(raw: bytes, path: Path, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeepOCError(f"{what} {path} is not valid JSON ({exc}): regenerate it") from None


def _check_catalog(doc: Any, path: Path) -> None:
    if not isinstance(doc, dict):
        raise DeepOCError(f"catalog {path} has no 'modules' list: is it a catalog.json "
                          f"written by 'deep-oc catalog sync'?")
    if doc.get("catalog_version") != CATALOG_VERSION:
        raise DeepOCError(f"catalog {path} has catalog_version "
                          f"{doc.get('catalog_version')!r}, this deep-oc reads "
                          f"{CATALOG_VERSION}: re-run 'deep-oc catalog sync' with this deep-oc")


def _check_builds(doc: Any, path: Path) -> None:
    if not isinstance(doc, dict):
        raise DeepOCError(f"build records {path} are not a builds.json object: "
                          f"regenerate them with 'deep-oc images build'")
    if doc.get("builds_version") != BUILDS_VERSION:
        raise DeepOCError(f"build records {path} have builds_version "
                          f"{doc.get('builds_version')!r}, this deep-oc reads "
                          f"{BUILDS_VERSION}: rebuild them with this deep-oc's "
                          f"'deep-oc images build'")


class _Items:
    """A top-level list of one input file: each item's raw bytes (when the file is in
    deep-oc's layout) or parsed value, loaded at most once. The file is cut up only when
    an item is first asked for."""

    def __init__(self, raw: bytes | None, key: str, path: Path, what: str,
                 check: Callable[[Any, Path], None]) -> None:
        self._args = (raw, key, path, what, check)
        self._texts: list[bytes] | None = None
        self._values: list[Any | None] | None = None

    @property
    def texts(self) -> list[bytes] | None:
        """Each item's raw text, or None when the file is in another layout."""
        if self._values is None:
            self._load()
        return self._texts

    @property
    def values(self) -> list[Any | None]:
        if self._values is None:
            self._load()
        return self._values

    def _load(self) -> None:
        raw, key, path, what, check = self._args
        self._values = []
        if raw is None:
            return
        split = jsondoc.split_items(raw, key)
        if split is not None:
            check(split[0], path)
            self._texts = split[1]
            self._values = [None] * len(self._texts)
            return
        doc = _parse(raw, path, what)
        check(doc, path)
        items = doc.get(key, [] if key == "builds" else None)
        if not isinstance(items, list):
            check(None, path)  # raises with the file's own message
        self._values = list(items)

    def __len__(self) -> int:
        return len(self.values)

    def get(self, i: int) -> Any:
        value = self.values[i]
        if value is None and self.texts is not None:
            try:
                value = jsondoc.load_item(self.texts[i])
            except (ValueError, UnicodeDecodeError) as exc:
                raise DeepOCError(f"item {i + 1} of a list in the inputs is not valid JSON "
                                  f"({exc}): regenerate the file") from None
            self.values[i] = value
        return value


def _old_positions(old_raw: bytes | None, key: str, names: Any) -> dict[bytes, int] | None:
    """Raw item -> its index in the previous build's file, or None when that is unknown
    (no such file, another layout, or stored names that do not match it item for item)."""
    if old_raw is None or not isinstance(names, list):
        return None
    split = jsondoc.split_items(old_raw, key)
    if split is None or len(split[1]) != len(names):
        return None
    return {text: i for i, text in enumerate(split[1])}


def _record_module(rec: Any) -> str | None:
    return rec["module"] if isinstance(rec, dict) and isinstance(rec.get("module"), str) \
        else None


def read_inputs(catalog: Path, builds: Path | None, previous: dict[str, Any] | None,
                old_cat: bytes | None, old_builds: bytes | None) -> Inputs:
    """The modules of ``catalog`` with their content keys, diffed against the previous
    build (``previous`` is the index it returned, ``old_*`` the raw files it read)."""
    prev = previous or {}
    cat_raw = read_raw(catalog, "catalog")
    builds_raw = read_raw(builds, "build records") if builds is not None else None
    cat = _Items(cat_raw, "modules", catalog, "catalog", _check_catalog)
    cat.values  # noqa: B018 - a bad catalog fails here, before anything else is done
    recs = _Items(builds_raw, "builds", builds or Path(), "build records", _check_builds)
    keys: dict[str, str] = prev.get("keys") if isinstance(prev.get("keys"), dict) else {}

    # Build records: which module each one belongs to, and which modules' records changed
    # (None: not known, so every module's key is recomputed).
    old_rec_names = prev.get("builds")  # None: the previous build had no build records
    rec_names: list[str | None] = []
    changed: set[str | None] | None
    if builds_raw is None:
        changed = set(old_rec_names or ())
    elif builds_raw == old_builds and isinstance(old_rec_names, list) and keys:
        rec_names, changed = list(old_rec_names), set()  # the very same records
    else:
        old_pos: dict[bytes, int] | None = None
        if recs.texts is not None:
            old_pos = {} if old_rec_names is None else _old_positions(
                old_builds, "builds", old_rec_names)
        changed = set()
        matched: set[int] = set()
        for i in range(len(recs)):
            j = old_pos.get(recs.texts[i]) if old_pos else None
            if j is None:
                name = _record_module(recs.get(i))
                changed.add(name)
            else:
                name = old_rec_names[j]
                matched.add(j)
            rec_names.append(name)
        if old_pos is None:
            changed = None
        elif old_rec_names is not None:
            changed.update(n for j, n in enumerate(old_rec_names) if j not in matched)
    by_module: dict[str, list[int]] = {}
    for i, name in enumerate(rec_names):
        if name is not None:
            by_module.setdefault(name, []).append(i)

    def records_of(name: str) -> list[dict[str, Any]]:
        picked = [recs.get(i) for i in by_module.get(name, ())]
        return model.builds_index({"builds": picked}).get(name, [])

    # Catalog entries: unchanged bytes and unchanged records keep the previous key.
    old_cat_names = prev.get("catalog")
    old_cat_pos = (_old_positions(old_cat, "modules", old_cat_names)
                   if cat.texts is not None and changed is not None else None) or {}
    out = Inputs(cat_raw, builds_raw)
    names: list[str | None] = []
    for i in range(len(cat)):
        j = old_cat_pos.get(cat.texts[i]) if cat.texts is not None else None
        if j is not None:
            name = old_cat_names[j]
            key = keys.get(name)
            if key is not None and name not in changed:
                names.append(name)
                out.modules.append(Module(name, key, _loader(cat, i, name, records_of)))
                continue
        entry = cat.get(i)
        if not isinstance(entry, dict):
            out.problems.append("catalog entry that is not an object skipped")
            names.append(None)
            continue
        out.parsed += 1
        name = str(entry.get("name"))
        records = records_of(name)
        names.append(name)
        out.modules.append(Module(name, model.entry_key(entry, records),
                                  lambda e=entry, r=records: (e, r)))
    out.index = {"catalog": names, "builds": rec_names if builds_raw is not None else None,
                 "keys": {m.name: m.key for m in out.modules}}
    return out


def _loader(cat: _Items, i: int, name: str,
            records_of: Callable[[str], list[dict[str, Any]]]) -> Callable[[], Loaded]:
    def load() -> Loaded:
        return cat.get(i), records_of(name)
    return load
