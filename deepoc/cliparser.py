"""The argparse side of the ``deep-oc`` CLI: the parser of every command, with help.

Each area adds its commands through ``register(reg)`` in its ``commands`` module; ``reg``
is a :class:`Registry`, which hands out the sub-parsers.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

from deepoc import __version__

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
    out, a dependency missing inside an area is an error)."""
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
