"""The ``deep-oc`` console entry: parse arguments, call one function, map errors to exit codes.

Each area of the package registers its own sub-commands through a ``register(add)``
function in its ``commands`` module, so this file never grows with the features.
Heavy imports stay inside the command functions: ``deep-oc --help`` must be fast.
"""

from __future__ import annotations

import sys

from deepoc.cliopts import Namespace, command_dest, quick_parse
from deepoc.errors import DeepOCError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

COMMAND_MODULES = (
    "deepoc.template.commands",
    "deepoc.metadata.commands",
    "deepoc.catalog.commands",
    "deepoc.images.commands",
    "deepoc.site.commands",
    "deepoc.publish.commands",
    "deepoc.pipeline.commands",
)


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
    from deepoc.cliparser import build_parser as build

    return build(modules)


def _quick(argv: Sequence[str], modules: Sequence[str]) -> tuple[Callable, object] | None:
    """The function and arguments of a command line read without argparse, if it can be."""
    if not argv or argv[0] not in COMMAND_AREAS:
        return None
    for name in modules:
        try:
            __import__(name)  # importlib.import_module would import importlib and warnings
        except ModuleNotFoundError:
            return None  # build_parser knows which missing modules are missing areas
        table = getattr(sys.modules[name], "quick_commands", None)
        if table is None:
            continue
        for path, (options, func) in table().items():
            n = len(path)
            if tuple(argv[:n]) == path:
                values = quick_parse(argv[n:], options)
                if values is None:
                    return None
                dests = {"command": path[0], **{command_dest(p): c
                                                for p, c in zip(path, path[1:], strict=False)}}
                return func, Namespace(**dests, **values, func=func)
    return None


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
    areas = _areas_for(argv)
    quick = _quick(argv, areas)
    if quick is not None:
        return run(*quick)
    args = build_parser(areas).parse_args(argv)
    return run(args.func, args)


_ENDS_AFTER_COMMAND = False


def process_ends_after_command() -> bool:
    """Whether this process ends when the command returns (the console script), so that
    a command may skip clean-ups nobody would profit from; False when called as a library
    (tests call :func:`main`)."""
    return _ENDS_AFTER_COMMAND


def entry() -> None:
    """The ``deep-oc`` console script: :func:`main`, then a hard exit (as mypy does).

    Interpreter shutdown tears down every module and object one by one, about 3-4 ms of
    every command (a twentieth of a one-module site rebuild). When no other thread is
    running, deep-oc does what shutdown must do (atexit handlers, flushing stdout and
    stderr) and leaves with ``os._exit``; otherwise it exits as usual."""
    global _ENDS_AFTER_COMMAND
    _ENDS_AFTER_COMMAND = True
    code = main()
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        sys.exit(code)
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()
