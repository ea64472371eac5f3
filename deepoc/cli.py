"""The ``deep-oc`` console entry: parse arguments, call one function, map errors to exit codes.

Each area of the package registers its own sub-commands through a ``register(reg)``
function in its ``commands`` module (see :mod:`deepoc.cliparser`), so this file never grows
with the features. Only this module prints errors and picks exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from deepoc import cliparser
from deepoc.errors import DeepOCError

COMMAND_MODULES = cliparser.COMMAND_MODULES

_ENDS_AFTER_COMMAND = False


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The full parser; tests use it to check every command line in Jenkinsfiles parses."""
    return cliparser.build_parser(modules)


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
    return os.environ.get("DEEPOC_DEBUG", "") not in ("", "0")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the process's arguments), run the command, return its code."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    return run(args.func, args)


def process_ends_after_command() -> bool:
    """Whether this process ends when the command returns (the console script), so that a
    command may skip clean-ups nobody would profit from; False when called as a library
    (tests call :func:`main`)."""
    return _ENDS_AFTER_COMMAND


def entry() -> None:
    """The ``deep-oc`` console script: :func:`main`, then exit with its code."""
    global _ENDS_AFTER_COMMAND
    _ENDS_AFTER_COMMAND = True
    sys.exit(main())


if __name__ == "__main__":
    entry()
