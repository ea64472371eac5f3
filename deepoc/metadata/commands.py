"""``deep-oc validate`` and ``deep-oc metadata migrate``: thin wrappers over the validator."""

from __future__ import annotations

import argparse
from typing import Any

from deepoc.metadata import cli, migrate


def register(reg: Any) -> None:
    """Add this area's commands to the ``deep-oc`` parser."""
    p = reg.command("validate", help="Validate module metadata files (same as "
                    "deep-app-schema-validator); exit 0 valid, 1 invalid, 2 usage, 3 unreadable.")
    cli.add_arguments(p)
    p.set_defaults(func=_run_validate)
    m = reg.group_command("metadata", "migrate",
                          help="Turn v1 metadata (metadata.json) into v2 (ai4-metadata.yml) "
                          "and validate the result.")
    m.add_argument("file", metavar="FILE", help="the v1 metadata file (- for standard input)")
    m.add_argument("-o", "--output", metavar="OUT",
                   help="write here (.json: JSON, else YAML) instead of standard output")
    m.add_argument("--metadata-version", default=None, metavar="V",
                   help="target 2.x version (default: the latest, 2.3.0)")
    m.set_defaults(func=_run_migrate)


def _run_validate(args: argparse.Namespace) -> int:
    return cli.run(args)


def _run_migrate(args: argparse.Namespace) -> int:
    return migrate.run(args)
