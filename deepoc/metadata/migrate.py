"""v1 (``metadata.json``) to v2 (``ai4-metadata.yml``), validated before it is written.

Unlike ai4-metadata's migration: ``license`` is kept (the v2 schemas declare it), every link
emitted is a URI (values that are not are left out and reported), ``docker_image`` gets the
image name (``org/name``) the v2 schema wants, and vocabularies are matched case- and
separator-insensitively against the schema's own enums (so ``scikit-learn`` becomes
``Scikit-learn`` rather than a value the schema rejects).
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
from typing import Any

import yaml

from deepoc.errors import DeepOCError, UsageError
from deepoc.fsutil import atomic_write_text
from deepoc.metadata import schemas
from deepoc.metadata.formats import is_uri
from deepoc.metadata.validate import validate_bytes, validate_path
from deepoc.metadata.vocab import match

# v1 location -> v2 link name; first found wins
_LINKS = (
    (("sources", "code"), "source_code"),
    (("sources", "pre_trained_weights"), "weights"),
    (("dataset_url",), "dataset"),
    (("sources", "dataset_url"), "dataset"),
    (("cite_url",), "citation"),
    (("sources", "cite_url"), "citation"),
    (("sources", "zenodo_doi"), "zenodo_doi"),
)
_DROPPED = ("tosca", "continuous_integration", "docker_tags")
_V1_ONLY = {"title", "summary", "description", "date_creation", "keywords", "license",
            "sources", "cite_url", "dataset_url", "training_files_url"} | set(_DROPPED)

def _vocabulary(schema: dict, key: str) -> list[str]:
    node = schema["properties"].get(key, {})
    return list(node.get("items", {}).get("enum", []))


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        if not isinstance(data, dict):
            return None
        data = data.get(p)
    return data


def _docker_image(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    v = value.strip()
    m = re.match(r"^https?://hub\.docker\.com/(?:r|u|repository/docker)/(.+?)/?$", v)
    if m:
        v = m.group(1)
    return v or None


def migrate(v1: dict, target: str | None = None,
            today: datetime.date | None = None) -> tuple[dict, list[str]]:
    """Return (v2 metadata, notes on what could not be carried over)."""
    version = schemas.normalise_version(target) if target else schemas.LATEST_V2
    if not version.startswith("2."):
        raise UsageError(f"migration targets a 2.x version, not {version}")
    schema = schemas.load(version)
    notes: list[str] = []
    out: dict[str, Any] = {"metadata_version": version}
    for key in ("title", "summary"):
        if key in v1:
            out[key] = v1[key]
    desc = v1.get("description")
    if isinstance(desc, list):
        # paragraphs become blank-line separated text; trailing blanks dropped so that the
        # YAML can use a readable literal block
        text = "\n\n".join(str(d).strip() for d in desc if str(d).strip())
        out["description"] = "\n".join(line.rstrip() for line in text.split("\n"))
    elif desc is not None:
        out["description"] = desc
    if "license" in v1:
        out["license"] = v1["license"]
    created = v1.get("date_creation")
    if created is not None:
        created = created.isoformat() if isinstance(created, datetime.date) else created
        out["dates"] = {"created": created,
                        "updated": (today or datetime.date.today()).isoformat()}
    links: dict[str, str] = {}
    for path, name in _LINKS:
        value = _get(v1, path)
        if value is None or name in links:
            continue
        if isinstance(value, str) and is_uri(value.strip()):
            links[name] = value.strip()
        else:
            notes.append(f"left out links.{name}: {'.'.join(path)} = {value!r} is not a URI")
    image = _docker_image(_get(v1, ("sources", "docker_registry_repo")))
    if image:
        name, colon, tag = image.rpartition(":")
        if not colon or "/" in tag:  # no tag, only a registry port
            name, colon, tag = image, "", ""
        if name != name.lower():  # Docker refuses upper case in repository names
            notes.append(f"links.docker_image: lower-cased {name!r} (Docker names are lower case)")
        links["docker_image"] = name.lower() + colon + tag
    if links:
        out["links"] = links
    keywords = [k for k in v1.get("keywords", []) if isinstance(k, str)] \
        if isinstance(v1.get("keywords"), list) else []
    out["libraries"] = _match(keywords, _vocabulary(schema, "libraries"))
    out["tasks"] = _match(keywords, _vocabulary(schema, "tasks"))
    out["categories"] = _match(keywords, _vocabulary(schema, "categories"))
    out["tags"] = list(dict.fromkeys(keywords))
    data_types = _match(keywords, _vocabulary(schema, "data-type"))
    if data_types:
        out["data-type"] = data_types
    for key in _DROPPED:
        if key in v1:
            notes.append(f"left out {key}: no place for it in v2")
    if "training_files_url" in v1:
        notes.append("left out training_files_url: no place for it in v2")
    sources = v1.get("sources")
    if isinstance(sources, dict) and "dockerfile_repo" in sources:
        notes.append("left out sources.dockerfile_repo: v2 has no link for the Docker repo")
    for key in v1:
        if key not in _V1_ONLY and key != "metadata_version":
            out[key] = v1[key]
            notes.append(f"kept unknown key {key!r} as it is")
    for key in ("libraries", "tasks", "categories"):
        if not out[key]:
            notes.append(f"{key} is empty: pick values from the v2 vocabulary")
    return out, notes


def _match(keywords: list[str], vocabulary: list[str]) -> list[str]:
    found: list[str] = []
    for word in keywords:
        hit = match(word, vocabulary)
        if hit and hit not in found:
            found.append(hit)
    return found


def dump(data: dict, as_json: bool) -> str:
    """Serialise migrated metadata: JSON, or block-style YAML with dates quoted."""
    if as_json:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None  # readable paragraphs; PyYAML falls back if needed
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def run(args: argparse.Namespace) -> int:
    """``deep-oc metadata migrate FILE [-o OUT]``: exit 0 written and valid, 1 written but
    invalid, 3 input unreadable or not v1."""
    if args.file == "-":
        report = validate_bytes(sys.stdin.buffer.read(), "<stdin>", "1.0.0")
    else:
        report = validate_path(args.file, "1.0.0")
    if not report.readable:
        err = report.errors[0]
        where = f":{err.line}:{err.column}" if err.line else ""
        raise DeepOCError(f"{report.filename}{where}: {err.message}", 3)
    data = report.data
    if not isinstance(data, dict):
        raise DeepOCError(f"{report.filename}: not a metadata object", 3)
    declared = data.get("metadata_version")
    if isinstance(declared, str) and declared.startswith("2"):
        raise DeepOCError(f"{report.filename}: already metadata_version {declared}; "
                          "nothing to migrate", 1)
    for e in report.errors:
        print(f"{report.filename}: note: input is not valid v1: {e}", file=sys.stderr)
    v2, notes = migrate(data, args.metadata_version)
    out_name = args.output or "<stdout>"
    text = dump(v2, bool(args.output and args.output.lower().endswith(".json")))
    check = validate_bytes(text.encode("utf-8"),
                           args.output if args.output else "ai4-metadata.yml")
    for note in notes:
        print(f"{report.filename}: note: {note}", file=sys.stderr)
    if args.output:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
    for e in check.errors:
        print(f"{out_name}:{e.line}:{e.column}: {e}", file=sys.stderr)
    if not check.valid:
        print(f"{out_name}: migrated metadata is not valid yet ({len(check.errors)} error(s)); "
              "fix the lines above", file=sys.stderr)
        return 1
    print(f"{out_name}: valid v{v2['metadata_version']} metadata", file=sys.stderr)
    return 0
