"""Start-up stays light: validating a JSON file imports none of the heavy modules.

Not a timing test: it checks which modules a fresh process loads beyond bare start-up.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import FILES

HEAVY = {"jsonschema", "referencing", "rpds", "attrs", "rfc3987", "yaml", "typing",
         "dataclasses", "inspect", "difflib", "shutil", "datetime", "importlib.resources",
         "pathlib"}

CODE = """
import sys
before = set(sys.modules)
from deepoc.metadata.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
import json
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _new_modules(*args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_json_validation_imports_nothing_heavy():
    loaded = _new_modules("-q", str(FILES / "deephdc+DEEP-OC-posenet-tf__fcf6b62__metadata.json"))
    assert not (loaded & HEAVY), sorted(loaded & HEAVY)
    assert "deepoc.metadata.validate" in loaded


def test_yaml_validation_adds_only_pyyaml():
    yml = FILES / "deephdc+DEEP-OC-posenet-tf__731e391__ai4-metadata.yml"
    loaded = _new_modules("-q", str(yml))
    assert "yaml" in loaded
    assert not (loaded & (HEAVY - {"yaml", "datetime"})), sorted(loaded & HEAVY)
