"""Read catalog.json and builds.json for a site build, parsing only what changed.

Why: at 10,000 modules the two files hold 32 MB of JSON, and parsing them costs more than
everything else a one-module rebuild has to do. Both are written in deep-oc's one JSON
layout (:mod:`deepoc.jsondoc`), so each module entry and each build record can be cut out
as raw bytes and compared with the same bytes in the previous build's inputs (the copies
published in the live site). Only new or changed items are parsed; an unchanged module
keeps the content key the last build computed for it. Files in any other layout are
parsed whole, which gives the same modules and keys, only slower.

The inputs and their live copies are mapped, not read: a rebuild compares them and cuts
out a few records, and reading 3 MB into new memory cost it about 2 ms of page faults and
copying. A mapped file must not be cut short while the build reads it (the process would
get SIGBUS): replace inputs by renaming, as ``deep-oc catalog sync`` and ``deep-oc images
build`` do, not by rewriting them in place during a build.
"""

from __future__ import annotations

import mmap

from deepoc import cjson, jsondoc
from deepoc.errors import DeepOCError, UsageError
from deepoc.site import model

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from deepoc.jsondoc import Buffer

    Loaded = tuple[dict[str, Any], list[dict[str, Any]]]

CATALOG_VERSION = 1
BUILDS_VERSION = 1
NOT_AN_OBJECT = "catalog entry that is not an object skipped"


class Module:
    """One catalog entry: its name, its content key, and its parsed inputs on demand."""

    __slots__ = ("name", "key", "_source", "_i")

    def __init__(self, name: str, key: str, source: Callable[[int, str], Loaded],
                 i: int) -> None:
        self.name, self.key, self._source, self._i = name, key, source, i

    def load(self) -> Loaded:
        """The catalog entry and the module's build records, parsed."""
        return self._source(self._i, self.name)


class Inputs:
    """The modules in catalog order, the raw files (published as they are), and ``index``:
    what the next build needs to diff its inputs against these.

    When the inputs changed only in place (every module where it was, most of them the
    same bytes with the same build records), ``touched`` holds the modules whose key may
    have changed, and the full list is made only if asked for: a delta build needs a few
    modules, not a thousand objects."""

    def __init__(self, cat_raw: Buffer, builds_raw: Buffer | None) -> None:
        self._modules: list[Module] | None = []
        self.cat_raw, self.builds_raw = cat_raw, builds_raw
        self.index: dict[str, Any] = {}
        self.parsed = 0  # catalog entries parsed (the rest were unchanged bytes)
        self.problems: list[str] = []
        self.touched: list[Module] | None = None
        self._source: Callable[[int, str], Loaded] | None = None
        self._by_name: dict[str, Module] | None = None

    @property
    def modules(self) -> list[Module]:
        if self._modules is None:  # in place: every module's key is in the index
            keys, source = self.index["keys"], self._source
            self._modules = [Module(name, keys[name], source, i)
                             for i, name in enumerate(self.index["catalog"])
                             if name is not None]
        return self._modules

    def named(self, name: str) -> Module:
        """The module called ``name`` (KeyError: there is none)."""
        if self._modules is None:  # found where it is, without making the list
            try:
                i = self.index["catalog"].index(name)
            except ValueError:
                raise KeyError(name) from None
            return Module(name, self.index["keys"][name], self._source, i)
        if self._by_name is None:
            self._by_name = {m.name: m for m in self._modules}
        return self._by_name[name]

    def close(self) -> None:
        """Unmap the input files (their bytes are not used after this)."""
        for raw in (self.cat_raw, self.builds_raw):
            if isinstance(raw, mmap.mmap):
                raw.close()


def finder(names: list[Any], lookups: int) -> Callable[[Any], int | None]:
    """Where a name is in ``names`` (None: not there), for ``lookups`` lookups: a scan each
    for a few, one map for more (scans would grow with the product of the two counts)."""
    if lookups > 8:
        return {name: i for i, name in enumerate(names)}.get

    def scan(name: Any) -> int | None:
        try:
            return names.index(name)
        except ValueError:
            return None
    return scan


def map_file(path: str) -> Buffer:
    """The bytes of ``path``, mapped read-only; read when it cannot be mapped (an empty
    file, a pipe). Raises OSError."""
    with open(path, "rb") as fh:
        try:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):
            return fh.read()


def read_raw(path: str, what: str) -> Buffer:
    """Input ``path`` (``what`` names it in errors), mapped."""
    try:
        return map_file(path)
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist: pass the file written by the "
                         f"previous stage") from None
    except OSError as exc:
        raise DeepOCError(f"cannot read {what} {path}: {exc.strerror}") from None


def _parse(raw: Buffer, path: str, what: str) -> Any:
    try:
        return cjson.loads(raw if isinstance(raw, bytes) else bytes(raw))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeepOCError(f"{what} {path} is not valid JSON ({exc}): regenerate it") from None


def _check_catalog(doc: Any, path: str) -> None:
    if not isinstance(doc, dict):
        raise DeepOCError(f"catalog {path} has no 'modules' list: is it a catalog.json "
                          f"written by 'deep-oc catalog sync'?")
    if doc.get("catalog_version") != CATALOG_VERSION:
        raise DeepOCError(f"catalog {path} has catalog_version "
                          f"{doc.get('catalog_version')!r}, this deep-oc reads "
                          f"{CATALOG_VERSION}: re-run 'deep-oc catalog sync' with this deep-oc")


def _check_builds(doc: Any, path: str) -> None:
    if not isinstance(doc, dict):
        raise DeepOCError(f"build records {path} are not a builds.json object: "
                          f"regenerate them with 'deep-oc images build'")
    if doc.get("builds_version") != BUILDS_VERSION:
        raise DeepOCError(f"build records {path} have builds_version "
                          f"{doc.get('builds_version')!r}, this deep-oc reads "
                          f"{BUILDS_VERSION}: rebuild them with this deep-oc's "
                          f"'deep-oc images build'")


class _List:
    """One top-level list of an input file: its records, each parsed at most once, on
    demand. In deep-oc's layout a record is a line (``starts`` says where each begins),
    compared as bytes; in any other layout the file was parsed whole (``starts`` is None)."""

    def __init__(self, raw: Buffer, starts: list[int] | None, values: list[Any] | None = None,
                 where: str = "") -> None:
        self.raw, self.starts, self.where = raw, starts, where  # where: "catalog PATH"
        self.values: list[Any] = values if values is not None else [None] * len(starts or ())

    def __len__(self) -> int:
        return len(self.values)

    def text(self, i: int) -> bytes:
        return jsondoc.item_at(self.raw, self.starts[i])

    def get(self, i: int) -> Any:
        value = self.values[i]
        if value is None and self.starts is not None:
            try:
                value = jsondoc.load_item(self.text(i))
            except (ValueError, UnicodeDecodeError) as exc:
                line = self.raw[:self.starts[i]].count(b"\n") + 1  # mapped: no count
                raise DeepOCError(f"{self.where}, line {line}: record {i + 1} is not valid "
                                  f"JSON ({exc}): regenerate the file") from None
            self.values[i] = value
        return value


def _cut(raw: Buffer, key: str, path: str, what: str, check: Callable[[Any, str], None],
         old: Buffer | None, old_starts: Any
         ) -> tuple[_List, list[int | None] | None, range | None]:
    """The list ``key`` of ``raw``; for each record the index of the same bytes in the
    previous build's file ``old`` (None: new or changed), or None when nothing is known;
    and when the records were changed in place (as many as before, every other one the
    same bytes at the same index), the indexes of those that may differ, else None.

    A file that differs from the previous one only in some records is compared from both
    ends and never cut up; one in the same layout is cut into lines; anything else is
    parsed whole."""
    where = f"{what} {path}"
    known = old is not None and isinstance(old_starts, list)
    if known and jsondoc.same_bytes(raw, old):
        return _List(raw, old_starts, where=where), list(range(len(old_starts))), range(0)
    if known and old_starts:
        change = jsondoc.changed_items(raw, old, old_starts)
        if change is not None:
            first, count, starts = change
            shift = len(raw) - len(old)
            after = old_starts[first + count:]
            new_starts = old_starts[:first] + starts + [s + shift for s in after]
            moved = {jsondoc.item_at(old, old_starts[j]): j for j in range(first, first + count)}
            same = list(range(first)) + [moved.get(jsondoc.item_at(raw, st)) for st in starts] \
                + list(range(first + count, len(old_starts)))
            span = range(first, first + count) if len(starts) == count else None
            return _List(raw, new_starts, where=where), same, span
    cut = jsondoc.item_starts(raw, key)
    if cut is None:
        doc = _parse(raw, path, what)
        check(doc, path)
        items = doc.get(key, [] if key == "builds" else None)
        if not isinstance(items, list):
            check(None, path)  # raises with the file's own message
        return _List(raw, None, list(items)), None, None
    check(cut[0], path)
    records = _List(raw, cut[1], where=where)
    if not known:
        return records, None, None
    old_cut = jsondoc.item_starts(old, key) if old_starts else None
    if old_cut is None or len(old_cut[1]) != len(old_starts):
        return records, [None] * len(records) if not old_starts else None, None
    where = {jsondoc.item_at(old, st): j for j, st in enumerate(old_cut[1])}
    return records, [where.get(records.text(i)) for i in range(len(records))], None


def _record_module(rec: Any) -> str | None:
    return rec["module"] if isinstance(rec, dict) and isinstance(rec.get("module"), str) \
        else None


def read_inputs(catalog: str, builds: str | None, previous: dict[str, Any] | None,
                old_cat: Buffer | None, old_builds: Buffer | None) -> Inputs:
    """The modules of ``catalog`` with their content keys, diffed against the previous
    build (``previous`` is the index it returned, ``old_*`` the raw files it read)."""
    prev = previous or {}
    keys: dict[str, str] = prev.get("keys") if isinstance(prev.get("keys"), dict) else {}
    cat_raw = read_raw(catalog, "catalog")
    builds_raw = read_raw(builds, "build records") if builds is not None else None
    cat, cat_same, cat_span = _cut(cat_raw, "modules", catalog, "catalog", _check_catalog,
                                   old_cat if keys else None, prev.get("cat_starts"))

    # Build records: which module each one belongs to, and which modules' records changed
    # (None: not known, so every module's key is recomputed).
    old_rec_names = prev.get("builds")  # None: the previous build had no build records
    rec_names: list[str | None] = []
    changed: set[str | None] | None
    recs = _List(b"", [])
    if builds_raw is None:
        changed = set(old_rec_names or ())
    else:
        recs, rec_same, rec_span = _cut(
            builds_raw, "builds", builds, "build records", _check_builds,
            old_builds if keys and old_rec_names is not None else None,
            prev.get("rec_starts"))
        if rec_same is None and old_rec_names is None and keys:
            rec_same = [None] * len(recs)  # no records before: all of them are new
        changed = set()
        matched: set[int] = set()
        # in place: every record outside the span is the previous one, at the same index
        in_place = rec_span is not None and old_rec_names is not None \
            and len(old_rec_names) == len(recs)
        look = rec_span if in_place else range(len(recs))
        rec_names = list(old_rec_names) if in_place else [None] * len(recs)
        for i in look:
            j = rec_same[i] if rec_same is not None else None
            if j is None:
                rec_names[i] = _record_module(recs.get(i))
                changed.add(rec_names[i])
            else:
                rec_names[i] = old_rec_names[j]
                matched.add(j)
        if rec_same is None:
            changed = None
        elif old_rec_names is not None:  # records gone: their modules changed too
            was = look if in_place else range(len(old_rec_names))
            changed.update(old_rec_names[j] for j in was if j not in matched)
    by_module: dict[str, list[int]] = {}
    asked = 0

    def records_of(name: str) -> list[dict[str, Any]]:
        # a delta build asks for one module or two: a scan each is cheaper than the map
        nonlocal asked
        asked += 1
        if asked <= 2:
            mine = [i for i, rec_name in enumerate(rec_names) if rec_name == name]
        else:
            if not by_module:
                for i, rec_name in enumerate(rec_names):
                    if rec_name is not None:
                        by_module.setdefault(rec_name, []).append(i)
            mine = by_module.get(name, [])
        picked = [recs.get(i) for i in mine]
        return model.builds_index({"builds": picked}).get(name, [])

    def source(i: int, name: str) -> Loaded:
        return cat.get(i), records_of(name)

    # Catalog entries: unchanged bytes and unchanged records keep the previous key.
    old_cat_names = prev.get("catalog")
    if changed is None or not isinstance(old_cat_names, list):
        cat_same = None
    out = Inputs(cat_raw, builds_raw)
    out._source = source
    index = {"builds": rec_names if builds_raw is not None else None, "cat_starts": cat.starts,
             "rec_starts": recs.starts if builds_raw is not None else None}
    if cat_same is not None and cat_span is not None and len(old_cat_names) == len(cat):
        touched = _in_place(cat, cat_same, cat_span, old_cat_names, keys, changed, records_of,
                            source)
        if touched is not None:
            for m in touched:
                keys[m.name] = m.key  # the previous build's index, updated in place
            out.touched, out._modules = touched, None
            out.parsed = len(touched)
            out.problems.extend([NOT_AN_OBJECT] * old_cat_names.count(None))
            out.index = {"catalog": old_cat_names, "keys": keys, **index}
            return out
    names: list[str | None] = []
    for i, j in enumerate(cat_same if cat_same is not None else [None] * len(cat)):
        if j is not None:
            name = old_cat_names[j]
            key = keys.get(name)
            if key is not None and name not in changed:
                names.append(name)
                out.modules.append(Module(name, key, source, i))
                continue
        entry = cat.get(i)
        if not isinstance(entry, dict):
            out.problems.append(NOT_AN_OBJECT)
            names.append(None)
            continue
        out.parsed += 1
        name = str(entry.get("name"))
        names.append(name)
        out.modules.append(Module(name, model.entry_key(entry, records_of(name)), source, i))
    out.index = {"catalog": names, "keys": {m.name: m.key for m in out.modules}, **index}
    return out


def _in_place(cat: _List, same: list[int | None], span: range, old_names: list[str | None],
              keys: dict[str, str], changed: set[str | None], records_of: Callable[..., Any],
              source: Callable[[int, str], Loaded]) -> list[Module] | None:
    """The modules whose key may have changed, when the catalog changed in place: records
    in ``span`` (the only ones whose bytes changed) and modules whose build records changed.
    None when a module there is not the one that was (added, renamed, moved)."""
    spots = set(span)
    wanted = [name for name in changed if name is not None and name in keys]
    at = finder(old_names, len(wanted))
    spots.update(i for i in map(at, wanted) if i is not None)
    touched = []
    for i in sorted(spots):
        name, j = old_names[i], same[i]
        if j == i and name is not None and name in keys and name not in changed:
            continue  # the same bytes, the same records: the same key
        entry = cat.get(i)
        if not isinstance(entry, dict) or name is None or str(entry.get("name")) != name:
            return None
        touched.append(Module(name, model.entry_key(entry, records_of(name)), source, i))
    return touched
