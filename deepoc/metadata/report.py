"""Report objects: one ``FileReport`` per input, one ``Issue`` per located problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Issue:
    """One problem: where it is (JSON path, 1-based line and column) and what to do."""

    path: str
    line: int | None
    column: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see docs/reference/validator.md)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class FileReport:
    """The verdict on one file.

    ``readable`` is False when the file could not be read or parsed (exit code 3 in the CLI);
    then ``errors`` holds the one read/parse problem and ``data`` is None.
    """

    filename: str
    valid: bool
    schema_version: str | None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    data: Any = field(default=None, repr=False)
    readable: bool = True

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
