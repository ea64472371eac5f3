"""``deep-app-schema-validator`` (and ``deep-oc validate``): validate metadata files.

CI runs this once per module in a fresh process. Exit codes: 0 all valid, 1 some file
invalid, 2 usage error, 3 some file unreadable or unparseable (wins over 1).
See docs/reference/validator.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from deepoc.errors import DeepOCError, UsageError
from deepoc.metadata import schemas
from deepoc.metadata.parse import MAX_BYTES
from deepoc.metadata.report import FileReport, Issue
from deepoc.metadata.validate import validate_bytes, validate_path
from deepoc.textsafe import for_terminal

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3

JSON_FORMAT_VERSION = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The validator's flags, shared by both command names."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="metadata.json, ai4-metadata.yml/.json, or - for standard input")
    parser.add_argument("--schema-version", metavar="V",
                        help="validate against this schema version instead of the one the "
                        "file declares (1.0.0, 2.0.0, 2.1.0, 2.2.0, 2.3.0; 1 and 2 mean the "
                        "latest of each)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output: text lines (default) or one JSON document")
    parser.add_argument("--input-format", choices=("auto", "json", "yaml"), default="auto",
                        help="how to parse: auto (default) is by extension, .json strict "
                        "JSON, .yml/.yaml YAML, others and stdin sniffed ({ or [ first: JSON)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only the problems of failing files")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deep-app-schema-validator",
        description="Validate DEEP-OC / AI4OS module metadata against its JSON Schema, "
        "reporting every error with its line and column.",
        epilog="exit codes: 0 all valid, 1 some file invalid, 2 usage error, "
        "3 some file could not be read or parsed",
    )
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace, stdout: TextIO | None = None,
        stdin: Any = None) -> int:
    """Validate every file named in ``args``, print the report, return the exit code."""
    out = stdout or sys.stdout
    # an unknown version is a usage error (exit 2) before any file is read
    version = schemas.normalise_version(args.schema_version) if args.schema_version else None
    fmt = None if args.input_format == "auto" else args.input_format
    reports = []
    texts: dict[int, bytes] = {}
    stdin_used = False
    for name in args.files:
        if name == "-":
            if stdin_used:
                raise UsageError("standard input (-) can be given only once")
            stdin_used = True
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = read_limited(stream)
            if data is None:
                report = FileReport("<stdin>", False, None, [Issue(
                    "$", None, None,
                    f"more than {MAX_BYTES // 1048576} MiB on standard input (the limit files "
                    "have too)", "metadata files are a few KB; is this the right input?")],
                    readable=False)
                data = b""
            else:
                report = validate_bytes(data, "<stdin>", version, input_format=fmt)
            if not report.readable:
                texts[len(reports)] = data
        else:
            report = validate_path(name, version, input_format=fmt)
        reports.append(report)
    code = exit_code(reports)
    if args.format == "json":
        _print_json(reports, code, out)
    else:
        _print_text(reports, texts, args.quiet, out)
    return code


def read_limited(stream: Any, limit: int = MAX_BYTES) -> bytes | None:
    """At most ``limit`` bytes of ``stream``, or None when it holds more: standard input gets
    the files' size limit, and never more than one byte past it is held in memory."""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", "surrogateescape")
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


def exit_code(reports: list) -> int:
    """3 if any file is unreadable, else 1 if any is invalid, else 0."""
    if any(not r.readable for r in reports):
        return EXIT_UNREADABLE
    if any(not r.valid for r in reports):
        return EXIT_INVALID
    return EXIT_OK


def document(reports: list, code: int) -> dict[str, Any]:
    """The ``--format json`` document (stable; see docs/reference/validator.md)."""
    return {
        "format_version": JSON_FORMAT_VERSION,
        "exit_code": code,
        "valid": code == EXIT_OK,
        "summary": _summary(reports),
        "files": [r.to_dict() for r in reports],
    }


def _summary(reports: list) -> dict[str, int]:
    return {
        "files": len(reports),
        "valid": sum(1 for r in reports if r.readable and r.valid),
        "invalid": sum(1 for r in reports if r.readable and not r.valid),
        "unreadable": sum(1 for r in reports if not r.readable),
        "errors": sum(len(r.errors) for r in reports),
        "warnings": sum(len(r.warnings) for r in reports),
    }


def _print_json(reports: list, code: int, out: TextIO) -> None:
    out.write(json.dumps(document(reports, code), indent=2) + "\n")


def _where(filename: str, issue: Any) -> str:
    if issue.line is None:
        return f"{filename}:"
    if issue.column is None:
        return f"{filename}:{issue.line}:"
    return f"{filename}:{issue.line}:{issue.column}:"


def _print_text(reports: list, texts: dict[int, bytes], quiet: bool, out: TextIO) -> None:
    lines: list[str] = []
    for index, r in enumerate(reports):
        if r.readable and r.valid:
            if not quiet:
                for w in r.warnings:
                    lines.append(f"{_where(r.filename, w)} warning: {w}")
                extra = f", {len(r.warnings)} warning(s)" if r.warnings else ""
                lines.append(f"{r.filename}: valid (schema {r.schema_version}{extra})")
            continue
        issues = [(e, "") for e in r.errors]
        if not quiet:
            issues += [(w, "warning: ") for w in r.warnings]
            issues.sort(key=lambda p: (p[0].line or 0, p[0].column or 0))
        for issue, tag in issues:
            lines.append(f"{_where(r.filename, issue)} {tag}{issue}")
        if not r.readable:
            shown = _source_line(r, texts.get(index))
            if shown:
                lines.extend(shown)
        if not quiet:
            if r.readable:
                schema = f"schema {r.schema_version}" if r.schema_version else "no schema"
                lines.append(f"{r.filename}: invalid ({schema}, {len(r.errors)} error(s))")
            else:
                lines.append(f"{r.filename}: could not be read or parsed")
    if not quiet:
        s = _summary(reports)
        lines.append(
            f"{s['files']} file(s): {s['valid']} valid, {s['invalid']} invalid, "
            f"{s['unreadable']} unreadable; {s['errors']} error(s), {s['warnings']} warning(s)"
        )
    if lines:
        # file names, messages and excerpts quote the files: no control character gets out
        out.write("\n".join(for_terminal(line, keep_newlines=False) for line in lines) + "\n")


def _source_line(report: Any, data: bytes | None) -> list[str]:
    """The offending line and a caret under the column, for parse errors."""
    issue = report.errors[0]
    if issue.line is None:
        return []
    if data is None:
        try:
            with open(report.filename, "rb") as fh:
                data = fh.read(8 * 1024 * 1024)
        except OSError:
            return []
    text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    all_lines = text.split("\n")
    if issue.line > len(all_lines):
        return []
    line = all_lines[issue.line - 1].rstrip("\r").replace("\t", " ")
    col = issue.column or 1
    # the line is shown escaped (for_terminal): the caret goes under the escaped column
    col = len(for_terminal(line[:col - 1], keep_newlines=False)) + 1
    line = for_terminal(line, keep_newlines=False)
    if len(line) > 160:  # keep the caret in view on long lines
        start = max(0, col - 80)
        line = ("..." if start else "") + line[start:start + 160]
        col = col - start + (3 if start else 0)
    return ["    " + line, "    " + " " * (col - 1) + "^"]


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry of ``deep-app-schema-validator``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return guarded(run, args, parser.prog)


def guarded(func: Any, args: argparse.Namespace, prog: str) -> int:
    """Run and map errors to exit codes; never a traceback (DEEPOC_DEBUG=1 shows one)."""
    try:
        _safe_streams()
        return int(func(args) or 0)
    except DeepOCError as exc:
        print(f"{prog}: error: {for_terminal(str(exc), keep_newlines=False)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_INVALID
    except Exception as exc:
        if os.environ.get("DEEPOC_DEBUG", "") not in ("", "0"):
            raise
        print(f"{prog}: internal error: {type(exc).__name__}: "
              f"{for_terminal(str(exc), keep_newlines=False)} (set DEEPOC_DEBUG=1 to "
              "see the traceback, and please report it)", file=sys.stderr)
        return 70


def _safe_streams() -> None:
    # Values in messages may hold characters the terminal cannot show (or lone surrogates).
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


if __name__ == "__main__":
    sys.exit(main())
