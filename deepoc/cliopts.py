"""Option rows for argparse: one declaration of an option, added to a parser with ``add_to``.

Only ``deepoc/site/commands.py`` still declares its options this way (that area is being
rewritten on its own branch); new commands call ``parser.add_argument`` directly. Once the
site stops importing :class:`Option`, this module can go.
"""

from __future__ import annotations

import argparse


class Option:
    """One option: its spellings (``"-o", "--output"``), and whether it is an on/off flag or
    required."""

    def __init__(self, *names: str, help: str, metavar: str | None = None,  # noqa: A002
                 flag: bool = False, required: bool = False) -> None:
        self.names, self.help, self.metavar = names, help, metavar
        self.flag, self.required = flag, required

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Add this option to an argparse parser."""
        if self.flag:
            parser.add_argument(*self.names, action="store_true", help=self.help)
        else:
            parser.add_argument(*self.names, required=self.required, metavar=self.metavar,
                                help=self.help)
