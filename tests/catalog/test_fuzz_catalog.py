"""Fuzz: any metadata a module author writes, the catalog and the site survive it.

Values with any code point (surrogates, controls, bidi, non-characters), big and small
numbers (NaN, infinities, huge integers), nesting; written as JSON (escaped, so lone
surrogates and NaN reach the parser) and as YAML. Many examples go through validation and
the catalog.json writer in-process; a few go through a real ``catalog sync`` and
``site build``. catalog.json must always be strict JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepoc import jsondoc
from deepoc.catalog import sync as catalog_sync
from deepoc.cli import main
from tests.samples import VALID_V1

from .conftest import ModuleFactory

pytestmark = pytest.mark.xdist_group("catalog-fuzz")

ANY_CHAR = st.characters(exclude_categories=())  # includes surrogates (Cs)
TEXT = st.text(ANY_CHAR, max_size=40) | st.sampled_from(
    ["\ud800", "a\udfffb", "\u202e\u2066rtl", "\x00\x1b[31m", "\uffff\ufffe", "\U0010FFFF",
     "<script>alert(1)</script>", "{{ 7*7 }}", "\\", '"', "\u2028\u2029"])
NUMBERS = (st.integers(min_value=-10**150, max_value=10**150)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([10**99, -10**100, 10**100 - 1, 1.7976931348623157e308, 5e-324,
                              -0.0]))
VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4),
    max_leaves=20,
)

BASE = {**VALID_V1, "title": "Fuzz module"}


def strict_loads(text: str):
    def refuse(name: str):
        raise ValueError(f"{name} in catalog.json")

    return json.loads(text, parse_constant=refuse)


@st.composite
def documents(draw) -> dict:
    doc = dict(BASE)
    doc["title"] = draw(TEXT)
    doc["summary"] = draw(TEXT)
    doc["keywords"] = draw(st.lists(TEXT, max_size=3))
    for _ in range(draw(st.integers(0, 3))):
        doc[draw(TEXT)] = draw(VALUES)
    return doc


def _as_json(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=True, allow_nan=True).encode()


def _as_yaml(doc: dict) -> bytes | None:
    try:
        return yaml.safe_dump({"metadata_version": "2.0.0", **doc}, allow_unicode=False
                              ).encode("utf-8")
    except (yaml.YAMLError, UnicodeError):
        return None  # PyYAML cannot write it: nothing an author could commit either


def _representable(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) < 10**100
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return all(_representable(v) for v in value)
    return all(_representable(k) and _representable(v) for k, v in value.items())


def _record(data: bytes, name: str) -> dict:
    rec = catalog_sync._record("0" * 40, "missing", None)
    catalog_sync.apply_metadata(rec, data, name, "master")
    return rec


def _write_and_read(rec: dict) -> dict:
    module = {"name": "fuzz", "url": "https://github.com/o/DEEP-OC-fuzz", "status": "ok",
              "branches": {"master": rec}}
    text = jsondoc.dumps({"catalog_version": 1, "modules": [module]}, listing="modules")
    text.encode("utf-8")  # strict UTF-8: raises on a lone surrogate
    return strict_loads(text)["modules"][0]["branches"]["master"]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents())
def test_validate_and_catalog_write_never_fail(doc: dict) -> None:
    for data, name in ((_as_json(doc), "metadata.json"), (_as_yaml(doc), "ai4-metadata.yml")):
        if data is None:
            continue
        rec = _record(data, name)
        back = _write_and_read(rec)
        assert back["status"] in ("ok", "invalid")
        if rec["valid"]:
            assert back["metadata"] is not None
        if not _representable(doc) and name == "metadata.json":
            assert not rec["valid"] and rec["metadata"] is None
        if _representable(doc) and name == "metadata.json" and rec["metadata"] is not None:
            assert back["metadata"] == json.loads(json.dumps(doc))


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=documents().filter(_representable))
def test_real_sync_and_site_build_survive_any_valid_value(
    doc: dict, module_factory: ModuleFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    repo = module_factory.make("DEEP-OC-fuzz", where=root)
    good = module_factory.make("DEEP-OC-fuzzgood", where=root)
    for branch in ("master", "test"):
        module_factory.commit_files(repo, branch, {"metadata.json": _as_json(doc)})
    yml = root / "MODULES.yml"
    yml.write_text(f"- module: {repo}\n- module: {good}\n")
    work, site = root / "work", root / "site"
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["catalog", "sync", str(yml), "--workdir", str(work), "--allow-local"])
        site_code = main(["site", "build", "--catalog", str(work / "catalog.json"),
                          "-o", str(site), "-q"])
    assert code in (0, 3) and site_code == 0, err.getvalue()
    assert "internal error" not in err.getvalue()
    catalog = strict_loads((work / "catalog.json").read_text(encoding="utf-8"))
    status = {Path(m["url"]).name: m["status"] for m in catalog["modules"]}
    assert status["DEEP-OC-fuzzgood"] == "ok"
    assert (site / "index.html").is_file()
