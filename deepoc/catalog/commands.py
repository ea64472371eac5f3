"""``deep-oc catalog lint|sync|list|import``: argument parsing and printing only.

Exit codes: lint 0 clean / 1 problems left; sync 0 all good / 3 catalog written but some
modules failed / 1 fatal (``--strict`` failure, unreadable MODULES.yml); list 0; import 0
written / 1 nothing written (a submodule that cannot be carried over, an existing -o file).
"""

from __future__ import annotations

import argparse
import sys

from deepoc.catalog import gitmodules, modules_file
from deepoc.catalog.listing import list_modules_file, list_names
from deepoc.catalog.sync import sync
from deepoc.fsutil import atomic_write_text
from deepoc.textsafe import for_terminal

EXIT_PARTIAL = 3


def register(reg) -> None:
    p = reg.group_command(
        "catalog",
        "lint",
        help="Check a MODULES.yml; --fix rewrites it normalised, keeping comments and order.",
    )
    p.add_argument("modules_file", metavar="MODULES.yml")
    p.add_argument("--fix", action="store_true", help="rewrite fixable problems in place")
    _allow_local(p)
    p.set_defaults(func=_run_lint)

    p = reg.group_command(
        "catalog",
        "sync",
        help="Mirror every module, validate its "
        "metadata, write DIR/modules.lock and DIR/catalog.json.",
    )
    p.add_argument("modules_file", metavar="MODULES.yml")
    p.add_argument(
        "--workdir",
        required=True,
        metavar="DIR",
        help="where mirrors/, modules.lock and catalog.json live",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="J",
        help="parallel git jobs (default: twice the CPU count, at most 16)",
    )
    p.add_argument(
        "--strict", action="store_true", help="any module failure is fatal and nothing is written"
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        default=None,
        help="sync only these modules; the others keep their previous entries",
    )
    _allow_local(p)
    p.set_defaults(func=_run_sync)

    p = reg.group_command(
        "catalog",
        "import",
        help="Write the MODULES.yml equivalent to an existing catalog's .gitmodules "
        "(one entry per submodule); nothing is written if any submodule cannot be carried over.",
    )
    p.add_argument("gitmodules", metavar="PATH/.gitmodules")
    p.add_argument("-o", "--output", metavar="MODULES.yml", default=None,
                   help="write the catalog file here (default: print it on stdout)")
    p.add_argument("--force", action="store_true",
                   help="replace the -o file if it exists (by default an existing file is kept "
                   "and nothing is written)")
    _allow_local(p)
    p.set_defaults(func=_run_import)

    p = reg.group_command(
        "catalog",
        "list",
        help="Print the module names of a catalog.json or a MODULES.yml, one per line.",
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--catalog", metavar="DIR/catalog.json", help="a synced catalog")
    source.add_argument(
        "--modules", metavar="MODULES.yml", help="the catalog file itself (no sync needed)"
    )
    p.add_argument(
        "--changed-since",
        metavar="OLD_MODULES.yml",
        default=None,
        help="only modules added or changed versus this older MODULES.yml",
    )
    p.set_defaults(func=_run_list)


    p = reg.group_command(
        "catalog",
        "outdated",
        help="List the modules and branches made by an older template than the installed "
        "one (and those with no record), from a synced catalog.json.",
    )
    p.add_argument("--catalog", metavar="DIR/catalog.json", default="catalog.json",
                   help="a synced catalog (default: ./catalog.json)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one object for bots, with every behind or unknown branch")
    p.set_defaults(func=_run_outdated)


ALLOW_LOCAL_HELP = (
    "operator only: allow entries naming repositories on this machine (local paths, "
    "file:// URLs, localhost/127.0.0.1/::1 hosts); by default only https://, ssh:// "
    "(git@host:org/repo) and git:// URLs of other hosts are accepted"
)


def _allow_local(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-local", action="store_true", help=ALLOW_LOCAL_HELP)


def _read(path: str) -> str:
    return modules_file.read_text(path)


def _run_lint(args: argparse.Namespace) -> int:
    text = _read(args.modules_file)
    if args.fix:
        fixed = modules_file.fix(text, args.modules_file)
        if fixed != text:
            atomic_write_text(args.modules_file, fixed)
            print(f"{args.modules_file}: fixed", file=sys.stderr)
        text = fixed
    problems = modules_file.lint(text, args.modules_file, allow_local=args.allow_local)
    for p in problems:
        col = f":{p.column}" if p.column else ""
        hint = f" (fix: {p.fix})" if p.fix else ""
        print(for_terminal(f"{args.modules_file}:{p.line}{col}: {p.message}{hint}", False))
    if problems:
        fixable = sum(1 for p in problems if p.code in _FIXABLE)
        more = f"; {fixable} fixable with --fix" if fixable and not args.fix else ""
        print(f"{args.modules_file}: {len(problems)} problem(s){more}", file=sys.stderr)
        return 1
    return 0


_FIXABLE = {
    "whitespace",
    "trailing-slash",
    "dot-git",
    "web-suffix",
    "deep-oc-case",
    "spelling",
    "duplicate",
}


class _Progress:
    """A bar on a terminal, one plain line per module otherwise (CI logs)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def __call__(self, done: int, total: int, outcome) -> None:
        what = outcome.status
        if outcome.changed:
            what += f", read {','.join(outcome.read_branches)}"
        elif not outcome.failed:
            what += ", unchanged"
        if outcome.notes:
            what += f" ({'; '.join(outcome.notes)})"
        if self.tty:
            width = 30
            filled = int(width * done / max(total, 1))
            bar = "#" * filled + "-" * (width - filled)
            line = f"\r[{bar}] {done}/{total} {outcome.name}: {what}"
            self.stream.write(line[:120].ljust(120))
            if done == total:
                self.stream.write("\n")
            if outcome.failed:
                self.stream.write(f"\n  {outcome.name}: {outcome.reason}\n")
        else:
            reason = f" - {outcome.reason}" if outcome.failed else ""
            line = f"catalog sync [{done}/{total}] {outcome.name}: {what}{reason}"
            self.stream.write(for_terminal(line, keep_newlines=False) + "\n")
        self.stream.flush()


def _run_sync(args: argparse.Namespace) -> int:
    result = sync(
        args.modules_file,
        args.workdir,
        jobs=args.jobs,
        strict=args.strict,
        only=args.only,
        progress=_Progress(),
        allow_local=args.allow_local,
    )
    s = result.stats
    for name in result.removed:
        print(for_terminal(f"removed: {name} (no longer in {args.modules_file})", False))
    for m in result.failed:
        print(for_terminal(f"failed: {m.name}: {m.reason}", False))
    print(
        f"catalog sync: {len(result.modules)} module(s), {len(result.failed)} failed, "
        f"{len(result.removed)} removed; {s.ls_remote} ls-remote, {s.fetches} fetch(es), "
        f"{s.parses} metadata read(s), {s.reused_branches} branch(es) unchanged; "
        f"{result.duration:.1f} s -> {result.catalog_path}"
    )
    return EXIT_PARTIAL if result.failed else 0


def _run_import(args: argparse.Namespace) -> int:
    """Every problem on stderr as ``PATH:LINE: ...``, then one error line; nothing written."""
    from deepoc.errors import DeepOCError

    text = gitmodules.read_gitmodules(args.gitmodules)
    try:
        out, count = gitmodules.to_modules_yml(text, allow_local=args.allow_local)
    except gitmodules.GitmodulesError as exc:
        for prob in exc.problems:
            print(for_terminal(f"{args.gitmodules}:{prob.line}: {prob.text}", False),
                  file=sys.stderr)
        raise DeepOCError(
            f"{args.gitmodules}: {len(exc.problems)} problem(s); nothing was written"
        ) from None
    if args.output is None:
        sys.stdout.write(out)
        return 0
    try:
        atomic_write_text(args.output, out, overwrite=args.force)
    except FileExistsError:
        raise DeepOCError(f"{args.output} exists; pass --force to replace it, or choose "
                          "another -o; nothing was written") from None
    except OSError as exc:
        raise DeepOCError(f"{args.output}: cannot write: {exc.strerror}") from None
    print(for_terminal(f"{args.gitmodules}: {count} submodule(s) -> {args.output}", False),
          file=sys.stderr)
    return 0


def _run_list(args: argparse.Namespace) -> int:
    if args.modules:
        names = list_modules_file(args.modules, args.changed_since)
    else:
        names = list_names(args.catalog, args.changed_since)
    for name in names:
        print(for_terminal(name, False))
    return 0


def _run_outdated(args: argparse.Namespace) -> int:
    """Exit 0 when every branch is on the installed template, 1 when some are behind or
    unknown (so a bot can act on it)."""
    import json

    from deepoc import __version__
    from deepoc.catalog.sync import read_catalog
    from deepoc.template.record import behind

    rows = []
    for module in read_catalog(args.catalog).get("modules", []):
        for branch, rec in sorted((module.get("branches") or {}).items()):
            recorded = rec.get("template_version") if isinstance(rec, dict) else None
            gap = behind(recorded, __version__)
            if gap:
                rows.append({"module": module.get("name"), "branch": branch,
                             "template_version": recorded, "behind": gap})
    if args.format == "json":
        print(json.dumps({"current": __version__, "outdated": rows}, indent=2))
    else:
        for r in rows:
            made = r["template_version"] or "no template record"
            print(f"{r['module']} {r['branch']}: {made} ({r['behind']} behind {__version__})"
                  if r["behind"] != "unknown" else f"{r['module']} {r['branch']}: {made}")
        known = sum(1 for r in rows if r["behind"] != "unknown")
        print(f"{known} branch(es) behind the template {__version__}, "
              f"{len(rows) - known} unknown", file=sys.stderr)
    return 1 if rows else 0
