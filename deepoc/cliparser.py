"""The argparse side of the ``deep-oc`` CLI: the parser of every command, with help.

Kept apart from :mod:`deepoc.cli` so that a command line read without argparse (see
:mod:`deepoc.cliopts`) never imports it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from deepoc import __version__
from deepoc.cliopts import command_dest


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
            sub = parser.add_subparsers(dest=command_dest(name), metavar="COMMAND")
            sub.required = True
            self._groups[name] = sub
        return self._groups[name]

    def group_command(self, group: str, name: str, help: str, **kw) -> argparse.ArgumentParser:
        sub = self.group(group, help=f"{group} commands")
        return sub.add_parser(name, help=help, description=help, formatter_class=_Formatter,
                              **kw)


def build_parser(modules: Sequence[str]) -> argparse.ArgumentParser:
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


