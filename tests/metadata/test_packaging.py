"""The schemas ship inside the wheel, where the validator finds them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from deepoc.metadata import schemas

from .conftest import REPO, SCHEMA_DIR


def test_every_version_has_its_schema_file():
    names = sorted(p.name for p in SCHEMA_DIR.glob("*.json"))
    assert names == sorted(schemas.FILES.values())
    for version in schemas.KNOWN:
        assert schemas.load(version)["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_wheel_contains_the_schemas_and_validates_from_them(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "schema", src / "schema")
    shutil.copytree(REPO / "deepoc", src / "deepoc",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for file in schemas.FILES.values():
            assert f"deepoc/metadata/schemata/{file}" in names
        # unpack and validate with the unpacked package: it must read the shipped schemas
        site = tmp_path / "site"
        zf.extractall(site)
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r});"
        "from deepoc.metadata import schemas, validate_bytes;"
        "print(schemas.schema_dir());"
        "r = validate_bytes(b'{}', 'metadata.json'); print(r.schema_version, len(r.errors))"
    )
    # -S: no site-packages, so not the editable install of the source tree
    run = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=60)
    assert run.returncode == 0, run.stderr
    where, verdict = run.stdout.splitlines()
    assert where == str(site / "deepoc" / "metadata" / "schemata")
    assert verdict == "1.0.0 7"
