"""Report objects: one ``FileReport`` per input, one ``Issue`` per located problem.

Plain classes with ``__slots__`` rather than dataclasses: the validator runs in a fresh
process once per module in CI, and ``dataclasses`` pulls in ``inspect`` at import time.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~4 ms of start-up; annotations are strings
if TYPE_CHECKING:
    from typing import Any




class Issue:
    """One problem: where it is (JSON path, 1-based line and column) and what to do."""

    __slots__ = ("path", "line", "column", "message", "hint")

    def __init__(
        self,
        path: str,
        line: int | None,
        column: int | None,
        message: str,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def __repr__(self) -> str:
        return f"Issue({self.path!r}, {self.line}, {self.column}, {self.message!r}, {self.hint!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Issue) and self.to_dict() == other.to_dict()

    __hash__ = None  # mutable value object

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see docs/reference/validator.md)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class FileReport:
    """The verdict on one file.

    ``readable`` is False when the file could not be read or parsed (exit code 3 in the CLI);
    then ``errors`` holds the one read/parse problem and ``data`` is None.
    """

    __slots__ = ("filename", "valid", "schema_version", "errors", "warnings", "data", "readable")

    def __init__(
        self,
        filename: str,
        valid: bool,
        schema_version: str | None,
        errors: list[Issue],
        warnings: list[Issue],
        data: Any = None,
        readable: bool = True,
    ) -> None:
        self.filename = filename
        self.valid = valid
        self.schema_version = schema_version
        self.errors = errors
        self.warnings = warnings
        self.data = data
        self.readable = readable

    def __repr__(self) -> str:
        return (
            f"FileReport({self.filename!r}, valid={self.valid}, "
            f"schema_version={self.schema_version!r}, errors={len(self.errors)}, "
            f"warnings={len(self.warnings)}, readable={self.readable})"
        )

    @property
    def status(self) -> str:
        """``valid``, ``invalid`` or ``unreadable``: the one word the text output starts with."""
        if not self.readable:
            return "unreadable"
        return "valid" if self.valid else "invalid"

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form, without the parsed data (see docs/reference/validator.md)."""
        return {
            "file": self.filename,
            "status": self.status,
            "valid": self.valid,
            "readable": self.readable,
            "schema_version": self.schema_version,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
        }
