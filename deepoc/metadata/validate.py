"""Validate metadata bytes or files into ``FileReport`` objects (no printing, no exit codes)."""

from __future__ import annotations

import os
from typing import Any

from deepoc.jsonsafe import find_unrepresentable
from deepoc.limits import MAX_ISSUES_PER_FILE
from deepoc.metadata import schemas
from deepoc.metadata.evaluate import Evaluator, closest, format_path, hint_text
from deepoc.metadata.parse import (
    MAX_BYTES,
    ParseFailure,
    Source,
    decode,
    parse_json,
    parse_yaml,
    printable_path,
)
from deepoc.metadata.report import FileReport, Issue

_evaluators: dict[str, Evaluator] = {}

JSON_EXT = (".json",)
YAML_EXT = (".yml", ".yaml")


def input_format_for(filename: str) -> str | None:
    """``json`` or ``yaml`` by extension; None when the name says nothing (then sniffed)."""
    low = filename.lower()
    if low.endswith(JSON_EXT):
        return "json"
    if low.endswith(YAML_EXT):
        return "yaml"
    return None


def _sniff(text: str) -> str:
    stripped = text.lstrip()
    return "json" if stripped[:1] in ("{", "[") else "yaml"


def _evaluator(version: str) -> Evaluator:
    ev = _evaluators.get(version)
    if ev is None:
        ev = _evaluators[version] = Evaluator(schemas.load(version), schemas.FILES[version])
    return ev


def _unreadable(filename: str, message: str, hint: str | None = None,
                line: int | None = None, column: int | None = None,
                path: tuple = ()) -> FileReport:
    issue = Issue(format_path(path), line, column, message, hint)
    return FileReport(filename, False, None, [issue], [], None, readable=False)


def _unrepresentable(filename: str, message: str, hint: str | None, line: int | None,
                     column: int | None, path: tuple) -> FileReport:
    """An invalid file whose data is withheld: it holds a value (a lone surrogate, an
    infinite or huge number) that no file deep-oc writes could carry."""
    issue = Issue(format_path(path), line, column, message, hint)
    return FileReport(filename, False, None, [issue], [], None)


def validate_bytes(
    data: bytes,
    filename: str,
    schema_version: str | None = None,
    *,
    input_format: str | None = None,
) -> FileReport:
    """Parse and validate one metadata file's content.

    ``filename`` picks the parser (``.json`` strict JSON, ``.yml``/``.yaml`` YAML, anything
    else sniffed: JSON if the text starts with ``{`` or ``[``) unless ``input_format`` says
    ``json``/``yaml``. ``schema_version`` overrides ``metadata_version`` (raises
    ``UsageError`` when unknown). Never raises for bad content: that is in the report.
    """
    forced = schemas.normalise_version(schema_version) if schema_version else None
    filename = os.fspath(filename)
    if not isinstance(data, bytes):
        data = bytes(data)  # bytearray / memoryview from callers
    if len(data) > MAX_BYTES:
        return _unreadable(
            filename,
            f"file too large: {len(data) / 1048576:.1f} MiB (limit {MAX_BYTES // 1048576} MiB)",
            "metadata files are a few KB; is this the right file?", None, None)
    if not data or data.isspace():
        return _unreadable(filename, "empty file: no metadata", "write the metadata object",
                           1, 1)
    warnings: list[Issue] = []
    try:
        text, notes = decode(data)
        fmt = input_format or input_format_for(filename) or _sniff(text)
        value, src = parse_json(text) if fmt == "json" else parse_yaml(text)
    except ParseFailure as exc:
        line, col = exc.line, exc.column
        if line is None and exc.offset is not None:
            line, col = Source(text).line_col(exc.offset)
        if exc.value_error:
            return _unrepresentable(filename, exc.message, exc.hint, line, col, exc.path)
        return _unreadable(filename, exc.message, exc.hint, line, col, exc.path)
    if "bom" in notes:
        warnings.append(Issue("$", 1, 1, "file starts with a UTF-8 byte order mark",
                              "save it as UTF-8 without BOM; some tools reject it"))
    return _validate_value(value, src, filename, forced, warnings)


def validate_data(value: Any, filename: str = "<data>",
                  schema_version: str | None = None) -> FileReport:
    """Validate an already parsed value (no positions: line and column are None).

    A value strict UTF-8 JSON cannot carry (a lone surrogate, NaN, a huge integer) is an
    error of the file, as it is when parsing text."""
    forced = schemas.normalise_version(schema_version) if schema_version else None
    bad = find_unrepresentable(value)
    if bad is not None:
        return _unrepresentable(filename, bad.message, bad.hint, None, None,
                                printable_path(bad.path))
    return _validate_value(value, None, filename, forced, [])


def validate_path(path: str | os.PathLike[str], schema_version: str | None = None,
                  *, input_format: str | None = None) -> FileReport:
    """Read a file and validate it; a missing, unreadable or non-regular file gives an
    unreadable report rather than an exception."""
    name = os.fspath(path)
    try:
        if os.path.isdir(name):
            return _unreadable(name, "is a directory, not a metadata file",
                               "give the metadata.json or ai4-metadata.yml inside it")
        size = os.path.getsize(name)
        if size > MAX_BYTES:
            return _unreadable(
                name,
                f"file too large: {size / 1048576:.1f} MiB (limit {MAX_BYTES // 1048576} MiB)",
                "metadata files are a few KB; is this the right file?")
        with open(name, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return _unreadable(name, "no such file", "check the path")
    except PermissionError:
        return _unreadable(name, "permission denied", "check the file's permissions")
    except OSError as exc:
        return _unreadable(name, f"cannot read: {exc.strerror or exc}")
    except ValueError as exc:  # e.g. a NUL byte in the name
        return _unreadable(name, f"cannot read: {exc}", "check the file name")
    return validate_bytes(data, name, schema_version, input_format=input_format)


def _validate_value(value: Any, src: Source | None, filename: str, forced: str | None,
                    warnings: list[Issue]) -> FileReport:
    def locate(path: tuple, key: bool = False) -> tuple[int | None, int | None]:
        if src is None:
            return None, None
        off = src.key_offset(path) if key else src.value_offset(path)
        return src.line_col(off)

    version = forced
    if version is None:
        declared = value.get("metadata_version") if isinstance(value, dict) else None
        if declared is None:
            version = "1.0.0"
            if isinstance(value, dict) and "links" in value and "sources" not in value:
                warnings.append(Issue("$", *locate(()), "no metadata_version: checked as v1 "
                                      "(metadata.json)",
                                      "add metadata_version: 2.0.0 if this is AI4OS metadata"))
        elif isinstance(declared, str) and declared in schemas.FILES:
            version = declared
        else:
            line, col = locate(("metadata_version",))
            if isinstance(declared, str):
                msg = f"unknown metadata_version {declared!r}"
                hint = f"known versions: {', '.join(schemas.KNOWN)}"
            else:
                msg = f"metadata_version must be a string, got {declared!r}"
                hint = f"write the whole version in quotes, e.g. \"{schemas.LATEST_V2}\""
            err = Issue("$.metadata_version", line, col, msg, hint)
            return FileReport(filename, False, None, [err], warnings, value)
    ev = _evaluator(version)
    failures = ev.errors(value)
    typed = {f.path for f in failures if f.keyword == "type"}
    errors: list[tuple[Issue, Any]] = []
    for f in failures:
        if f.keyword != "type" and f.path in typed and f.keyword != "required":
            continue  # the type error says it all
        line, col = locate(f.at, f.at_key)
        hint: Any = f.hint
        if f.keyword == "false" and version.startswith("2.") and len(f.at) == 1:
            hint = ("a v1 (metadata.json) key with no place in v2; remove it, or convert a v1 "
                    "file with deep-oc metadata migrate")
        errors.append((Issue(format_path(f.at), line, col, f.message, None), hint))
    found: list[tuple[Issue, Any]] = [(w, w.hint) for w in warnings]
    for path, key, known in ev.unknown_keys(value):
        line, col = locate(path, True)
        found.append((Issue(format_path(path), line, col, f"unknown key {key!r}", None),
                      _UnknownKeyHint(version, path, key, known)))
    return FileReport(filename, not errors, version, _capped(errors, "error"),
                      _capped(found, "warning"), value)


class _UnknownKeyHint:
    """The hint of an unknown-key warning, worked out only for the warnings shown."""

    __slots__ = ("version", "path", "key", "known")

    def __init__(self, version: str, path: tuple, key: Any, known: list[str]) -> None:
        self.version, self.path, self.key, self.known = version, path, key, known

    def text(self) -> str:
        later = _declared_later(self.version, self.path)
        if later:
            return f"declared from metadata_version {later}; raise metadata_version to check it"
        best = closest(self.key, self.known) if isinstance(self.key, str) else None
        return f"did you mean {best!r}?" if best else "not in the schema: kept, not checked"


def _capped(found: list[tuple[Issue, Any]], what: str) -> list[Issue]:
    """The first ``MAX_ISSUES_PER_FILE`` issues in file order, their hints worked out, and
    one final "... and N more" issue counting the rest.

    Why: a file with 300,000 unknown keys must not cost 300,000 suggestions, nor a catalog
    record of 300,000 warnings; the count says how much is left to fix.
    """
    found.sort(key=lambda pair: _order(pair[0]))
    kept = found[:MAX_ISSUES_PER_FILE]
    out: list[Issue] = []
    for issue, hint in kept:
        issue.hint = hint.text() if isinstance(hint, _UnknownKeyHint) else hint_text(hint)
        out.append(issue)
    rest = len(found) - len(kept)
    if rest:
        out.append(Issue("$", None, None, f"... and {rest} more {what}{'s' if rest != 1 else ''}",
                         f"only the first {MAX_ISSUES_PER_FILE} {what}s of a file are listed"))
    return out


def _declared_later(version: str, path: tuple) -> str | None:
    """The first later version of the same major whose schema declares this key path."""
    major = version.split(".")[0] + "."
    for later in schemas.KNOWN:
        if not later.startswith(major) or later <= version:
            continue
        node = schemas.load(later)
        for part in path:
            props = node.get("properties") if isinstance(node, dict) else None
            if isinstance(props, dict) and "$ref" not in node and part in props:
                node = props[part]
                if isinstance(node, dict) and "$ref" in node:
                    node = _evaluator(later).resolve(node["$ref"])
            else:
                node = None
                break
        if node is not None and node is not False:
            return later
    return None


def _order(issue: Issue) -> tuple[int, int]:
    return (issue.line or 0, issue.column or 0)
