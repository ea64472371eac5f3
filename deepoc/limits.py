"""Every size and count limit deep-oc applies to what module authors control, in one place.

A module author controls the content of their repositories: how big each file is, how
many keys a metadata file has, how its YAML is written. One hostile or broken module must
cost only itself, so every input from a module repository is bounded *before* it is read
into memory or worked on, and the limit is named in the error. The operator's own inputs
(MODULES.yml, flags) are bounded where a pull request could make them hostile.
docs/operator/security.md lists these limits for operators.
"""

from __future__ import annotations

MIB = 1024 * 1024

# -- blobs read from a module repository (checked with git cat-file --batch-check first)
#: metadata.json / ai4-metadata.yml read from a module repo (real ones are a few KB)
MAX_METADATA_BYTES = 1 * MIB
#: build.json read from a module repo (real ones are a few hundred bytes)
MAX_BUILD_JSON_BYTES = 1 * MIB
#: a license file (LICENSE, COPYING...) read when the metadata names no license; the
#: longest text identify knows (GPL-3.0, AGPL-3.0) is about 35 KB
MAX_LICENSE_BYTES = 256 * 1024
#: any other file read from a module repo
MAX_REPO_BLOB_BYTES = 1 * MIB
#: a commit object (its message is the author's: bounded like a file)
MAX_COMMIT_OBJECT_BYTES = 1 * MIB

# -- the validator (deep-oc validate reads local files too: a larger, explicit limit)
#: a metadata file given to ``deep-oc validate``
MAX_VALIDATE_BYTES = 5 * MIB
#: values built from one YAML file, aliases expanded (alias bombs stop here)
MAX_YAML_NODES = 100_000
#: nesting of containers; real metadata goes 4 deep
MAX_DEPTH = 200
#: digits of an integer literal (JSON, YAML); more is refused as a number no reader can carry
MAX_INT_DIGITS = 100
#: errors and warnings kept per file; the rest are counted in one final "... and N more"
MAX_ISSUES_PER_FILE = 100
#: "did you mean" looks at words up to this length (difflib's cost grows with the square)
MAX_SUGGEST_WORD = 64

# -- what the marketplace shows of one module's metadata
#: values kept per facet (libraries, tasks, categories, data types, tags) of one module;
#: the rest are dropped (real modules have one to seven)
MAX_FACET_VALUES = 40
#: characters of one facet value; a longer one is dropped (real ones are a few words)
MAX_FACET_VALUE_CHARS = 80
# -- what sync keeps of the metadata as plain text
#: the template of record (v2 ``links.ai4_template``, e.g. "ai4-template/1.9.9")
MAX_TEMPLATE_CHARS = 200

# -- MODULES.yml
#: a catalog's MODULES.yml (the real one is about 10 KB)
MAX_MODULES_FILE_BYTES = 10 * MIB
#: a .gitmodules given to ``catalog import`` (the AI4OS catalog's is about 8 KB)
MAX_GITMODULES_BYTES = 10 * MIB


def blob_limit(path: str) -> int:
    """The size limit of a file of a module repository, by its path."""
    if path in ("metadata.json", "ai4-metadata.yml", "ai4-metadata.json"):
        return MAX_METADATA_BYTES
    if path == "build.json":
        return MAX_BUILD_JSON_BYTES
    if path.startswith(("LICENSE", "COPYING")):
        return MAX_LICENSE_BYTES
    return MAX_REPO_BLOB_BYTES


def human_size(n: int) -> str:
    """``n`` bytes for a message: exact bytes plus KiB/MiB/GiB when large."""
    if n < 1024:
        return f"{n} bytes"
    for unit, size in (("GiB", 1024**3), ("MiB", MIB), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit} ({n:,} bytes)"
    return f"{n} bytes"  # pragma: no cover
