"""Where the files deep-oc ships beside its code are: the template, the catalogs, the schemas.

The repository root is the cookiecutter template itself, so these folders live outside
``deepoc/`` in a checkout. The wheel maps them into ``deepoc/data/`` at build time (see
``[tool.hatch.build.targets.wheel.force-include]`` in pyproject.toml); an editable install
or a checkout on ``sys.path`` reads them where they are in git.
"""

from __future__ import annotations

import json
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent

#: name -> (where the wheel has it, where a checkout has it)
_PLACES = {
    "template": (_PACKAGE / "data" / "template", _CHECKOUT),
    "catalog": (_PACKAGE / "data" / "catalog", _CHECKOUT / "catalog"),
    "schema": (_PACKAGE / "data" / "schema", _CHECKOUT / "schema"),
}

#: a file each folder must hold, so a stray folder of the same name is not taken for it
_PROOF = {"template": "cookiecutter.json", "catalog": "demo.yml", "schema": "metadata-1.0.0.json"}


def data_dir(name: str) -> Path | None:
    """The shipped folder ``name`` (template, catalog or schema), or None when missing."""
    for place in _PLACES[name]:
        if (place / _PROOF[name]).is_file():
            return place
    return None


def shipped_version() -> str:
    """deep-oc's version: the shipped template's ``_template_version`` (pyproject reads the same
    field at build time), so the package and every bake it makes carry one version."""
    folder = data_dir("template")
    try:
        spec = json.loads((folder / "cookiecutter.json").read_text(encoding="utf-8"))
        return str(spec["_template_version"])
    except (TypeError, OSError, ValueError, KeyError):
        return "unknown (the shipped template is missing: reinstall deep-oc)"
