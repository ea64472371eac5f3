"""Typed errors: library code raises these, only the CLI prints them and picks exit codes."""

from __future__ import annotations


class DeepOCError(Exception):
    """A user-facing failure: one line saying what, where and how to fix it."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(DeepOCError):
    """A bad flag or argument value."""

    exit_code = 2
