"""The ``deep-oc`` console entry: parse arguments, call one function, map errors to exit codes.

Each area of the package registers its own sub-commands through a ``register(add)``
function in its ``commands`` module, so this file never grows with the features.
Heavy imports stay inside the command functions: ``deep-oc --help`` must be fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from deepoc import __version__
from deepoc.errors import DeepOCError

COMMAND_MODULES = (
    "deepoc.template.commands",
    "deepoc.metadata.commands",
    "deepoc.catalog.commands",
    "deepoc.images.commands",
    "deepoc.site.commands",
    "deepoc.publish.commands",
    "deepoc.pipeline.commands",
)


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size() finds it, without importing shutil."""
    import os

    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, measuring the terminal without importing shutil: argparse
    makes one for every argument added, which cost every command about 2 ms of start-up."""

    def __init__(self, prog: str, **kw) -> None:  # noqa: ANN003 - HelpFormatter's options
        kw.setdefault("width", _columns() - 2)
        super().__init__(prog, **kw)


class _Registry:
    """Hands out sub-parsers; ``group("catalog")`` returns the shared ``deep-oc catalog`` level."""

    def __init__(self, subparsers: argparse._SubParsersAction) -> None:
        self._top = subparsers
        self._groups: dict[str, argparse._SubParsersAction] = {}

    def command(self, name: str, help: str, **kw) -> argparse.ArgumentParser:
        return self._top.add_parser(name, help=help, description=help,
                                    formatter_class=_Formatter, **kw)

    def group(self, name: str, help: str) -> argparse._SubParsersAction:
        if name not in self._groups:
            parser = self._top.add_parser(name, help=help, description=help,
                                          formatter_class=_Formatter)
            sub = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
            sub.required = True
            self._groups[name] = sub
        return self._groups[name]

    def group_command(self, group: str, name: str, help: str, **kw) -> argparse.ArgumentParser:
        sub = self.group(group, help=f"{group} commands")
        return sub.add_parser(name, help=help, description=help, formatter_class=_Formatter,
                              **kw)


# Which areas register each top-level command, so one command imports only its own areas
# (``deep-oc validate`` then starts as fast as ``deep-app-schema-validator``).
COMMAND_AREAS = {
    "new": ("deepoc.template.commands",),
    "validate": ("deepoc.metadata.commands",),
    "metadata": ("deepoc.metadata.commands",),
    "catalog": ("deepoc.catalog.commands", "deepoc.publish.commands"),
    "images": ("deepoc.images.commands",),
    "site": ("deepoc.site.commands",),
    "publish": ("deepoc.publish.commands",),
    "pipeline": ("deepoc.pipeline.commands",),
    "demo": ("deepoc.pipeline.commands",),
}


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The full parser; tests use it to check every command line in Jenkinsfiles parses."""
    parser = argparse.ArgumentParser(
        prog="deep-oc",
        description="Make, validate, catalog and publish DEEP-OC marketplace modules.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"deep-oc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    registry = _Registry(sub)
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
        print(f"deep-oc: error: {exc}", file=sys.stderr)
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
            f"deep-oc: internal error: {type(exc).__name__}: {exc} "
            "(set DEEPOC_DEBUG=1 to see the traceback, and please report it)",
            file=sys.stderr,
        )
        return 70


def _debug_env() -> bool:
    import os

    return os.environ.get("DEEPOC_DEBUG", "") not in ("", "0")


def _areas_for(argv: Sequence[str]) -> Sequence[str]:
    """The command modules needed to parse ``argv``: all of them unless the command is known."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return COMMAND_AREAS.get(first or "", COMMAND_MODULES)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_areas_for(argv))
    args = parser.parse_args(argv)
    return run(args.func, args)


def entry() -> None:
    """The ``deep-oc`` console script: :func:`main`, then the usual exit minus the garbage
    collection that interpreter shutdown runs over every object (about 3 ms of every
    command). ``gc.freeze()`` moves them out of its reach; atexit handlers, flushing and
    closing still happen as usual."""
    code = main()
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
