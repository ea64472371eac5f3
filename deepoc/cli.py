"""The ``deep-oc`` console entry: parse arguments, call one function, map errors to exit codes.

Each area of the package registers its own sub-commands through a ``register(reg)``
function in its ``commands`` module (``reg`` is a :class:`Registry`), so this file never
grows with the features. Only this module prints errors and picks exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from deepoc import __version__
from deepoc.errors import DeepOCError
from deepoc.textsafe import for_terminal

COMMAND_MODULES = (
    "deepoc.template.commands",
    "deepoc.metadata.commands",
    "deepoc.catalog.commands",
    "deepoc.images.commands",
    "deepoc.site.commands",
    "deepoc.publish.commands",
    "deepoc.pipeline.commands",
)


def command_dest(group: str) -> str:
    """Where argparse keeps the sub-command chosen under ``group`` (``site_command``)."""
    return f"{group}_command"


class Registry:
    """Hands out sub-parsers; ``group("catalog")`` returns the shared ``deep-oc catalog`` level."""

    def __init__(self, subparsers: argparse._SubParsersAction) -> None:
        self._top = subparsers
        self._groups: dict[str, argparse._SubParsersAction] = {}

    def command(self, name: str, help: str, **kw: Any) -> argparse.ArgumentParser:
        """A top-level command, ``deep-oc NAME``."""
        return self._top.add_parser(name, help=help, description=help, **kw)

    def group(self, name: str, help: str) -> argparse._SubParsersAction:
        """The sub-commands of ``deep-oc NAME`` (made on first use)."""
        if name not in self._groups:
            parser = self._top.add_parser(name, help=help, description=help)
            sub = parser.add_subparsers(dest=command_dest(name), metavar="COMMAND")
            sub.required = True
            self._groups[name] = sub
        return self._groups[name]

    def group_command(self, group: str, name: str, help: str,
                      **kw: Any) -> argparse.ArgumentParser:
        """A command under a group, ``deep-oc GROUP NAME``."""
        sub = self.group(group, help=f"{group} commands")
        return sub.add_parser(name, help=help, description=help, **kw)


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The parser of every command the given areas register (an area not installed is left
    out, a dependency missing inside an area is an error); tests use it to check that every
    command line in the Jenkinsfiles parses."""
    parser = argparse.ArgumentParser(
        prog="deep-oc",
        description="Make, validate, catalog and publish DEEP-OC marketplace modules.",
    )
    parser.add_argument("--version", action="version", version=f"deep-oc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    registry = Registry(sub)
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise  # a real missing dependency, not an area that is not there
            continue
        module.register(registry)
    return parser


def run(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Call a command function; a ``DeepOCError`` becomes one line on stderr and its exit code."""
    try:
        return int(func(args) or 0)
    except DeepOCError as exc:
        print(f"deep-oc: error: {for_terminal(str(exc), keep_newlines=False)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("deep-oc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # never a traceback for users; say how to see one
        if getattr(args, "debug", False) or _debug_env():
            raise
        print(
            f"deep-oc: internal error: {type(exc).__name__}: "
            f"{for_terminal(str(exc), keep_newlines=False)} "
            "(set DEEPOC_DEBUG=1 to see the traceback, and please report it)",
            file=sys.stderr,
        )
        return 70


def _debug_env() -> bool:
    return os.environ.get("DEEPOC_DEBUG", "") not in ("", "0")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the process's arguments), run the command, return its code."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    return run(args.func, args)


def entry() -> None:
    """The ``deep-oc`` console script: :func:`main`, then exit with its code."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
