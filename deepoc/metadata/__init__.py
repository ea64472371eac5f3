"""Metadata schemas and validation with located errors.

Other areas call ``validate_bytes`` / ``validate_path`` in-process; both return a
``FileReport`` and never raise for bad content (only ``UsageError`` for an unknown
``schema_version``).
"""

from deepoc.metadata.report import FileReport, Issue
from deepoc.metadata.validate import validate_bytes, validate_data, validate_path

__all__ = ["FileReport", "Issue", "validate_bytes", "validate_data", "validate_path"]
