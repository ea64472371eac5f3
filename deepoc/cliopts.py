"""Options declared once, for argparse and for a quick parse that needs no argparse.

Why: importing argparse and building its parsers costs a ``deep-oc`` process about 10 ms,
a fifth of a one-module site rebuild. A command whose options are all plain (``--name
VALUE``, ``--name=VALUE``, ``-n VALUE`` and on/off flags) declares them as :class:`Option`
rows; the same rows are added to its argparse parser (help, usage and errors come from
argparse as always), and :func:`quick_parse` reads a command line made only of them.
Anything else (``-h``, an unknown or abbreviated option, a missing value or a missing
required option, a value that looks like an option) is not read quickly: the caller then
hands the line to argparse, which parses it or says what is wrong. A test checks that both
give the same namespace wherever the quick parse answers.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


class Option:
    """One option: its spellings (``"-o", "--output"``), where its value goes (``dest``),
    and whether it is an on/off flag or required."""

    __slots__ = ("names", "dest", "flag", "required", "metavar", "help")

    def __init__(self, *names: str, help: str, metavar: str | None = None,  # noqa: A002
                 flag: bool = False, required: bool = False) -> None:
        self.names, self.help, self.metavar = names, help, metavar
        self.flag, self.required = flag, required
        longs = [n for n in names if n.startswith("--")]  # argparse's rule for ``dest``
        self.dest = (longs[0] if longs else names[0]).lstrip("-").replace("-", "_")

    def add_to(self, parser: Any) -> None:
        """Add this option to an argparse parser."""
        if self.flag:
            parser.add_argument(*self.names, action="store_true", help=self.help)
        else:
            parser.add_argument(*self.names, required=self.required, metavar=self.metavar,
                                help=self.help)


def command_dest(group: str) -> str:
    """Where argparse keeps the sub-command chosen under ``group`` (``site_command``)."""
    return f"{group}_command"


class Namespace:
    """What argparse's Namespace is to a command function: attributes."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def quick_parse(words: Sequence[str], options: Sequence[Option]) -> dict[str, Any] | None:
    """The values of ``options`` given by ``words``, or None when argparse must read them."""
    by_name = {name: o for o in options for name in o.names}
    values: dict[str, Any] = {o.dest: False if o.flag else None for o in options}
    given: set[str] = set()
    i = 0
    while i < len(words):
        name, eq, value = words[i].partition("=") if words[i].startswith("--") \
            else (words[i], "", "")
        o = by_name.get(name)
        if o is None:
            return None
        if o.flag:
            if eq:
                return None
            values[o.dest] = True
            i += 1
            continue
        if not eq:
            if i + 1 == len(words) or words[i + 1].startswith("-"):
                return None  # argparse decides what a value that looks like an option is
            value = words[i + 1]
            i += 1
        values[o.dest] = value
        given.add(o.dest)
        i += 1
    if any(o.required and o.dest not in given for o in options):
        return None
    return values
