"""The shipped schemas: which versions exist, where their files are, which one a file wants."""

from __future__ import annotations

import json
import os
from typing import Any

from deepoc.errors import UsageError

#: version -> schema file name (files live in the top-level schema/ folder of the source tree,
#: shipped in the wheel as deepoc/data/schema/: see deepoc.resources)
FILES = {
    "1.0.0": "metadata-1.0.0.json",
    "2.0.0": "ai4-metadata-2.0.0.json",
    "2.1.0": "ai4-metadata-2.1.0.json",
    "2.2.0": "ai4-metadata-2.2.0.json",
    "2.3.0": "ai4-metadata-2.3.0.json",
}
KNOWN = tuple(FILES)
LATEST_V2 = "2.3.0"
ALIASES = {"1": "1.0.0", "v1": "1.0.0", "2": LATEST_V2, "v2": LATEST_V2}

_cache: dict[str, Any] = {}


def schema_dir() -> str:
    """The folder holding the schema files: inside the installed package, else the source tree."""
    from deepoc.resources import data_dir

    found = data_dir("schema")
    if found is None:
        raise UsageError("the schema files are missing from this deep-oc installation; "
                         "reinstall deep-oc")
    return str(found)


def normalise_version(version: str) -> str:
    """``1``/``v1``/``1.0.0`` -> ``1.0.0``; unknown: a usage error listing the known ones."""
    v = ALIASES.get(version.strip().lower(), version.strip())
    if v not in FILES:
        raise UsageError(
            f"unknown schema version {version!r}; known versions: {', '.join(KNOWN)} "
            "(or 1, 2 for the latest of each)"
        )
    return v


def load(version: str) -> Any:
    """The schema document of a known version, loaded once per process."""
    schema = _cache.get(version)
    if schema is None:
        with open(os.path.join(schema_dir(), FILES[version]), encoding="utf-8") as fh:
            schema = _cache[version] = json.load(fh)
    return schema
