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
    shutil.copytree(REPO / "bin", src / "bin")
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
        # deep-oc is a plain script (pip points its "#!python" at the environment's python)
        script = next(n for n in names if n.endswith(".data/scripts/deep-oc"))
        assert zf.read(script).startswith(b"#!python\n")
        # unpack and validate with the unpacked package: it must read the shipped schemas
        site = tmp_path / "site"
        zf.extractall(site)
    code = (
        f"import sys, sysconfig; sys.path.insert(0, {str(site)!r});"
        "sys.path.append(sysconfig.get_paths()['purelib']);"  # PyYAML, not the source tree
        "from deepoc.metadata import schemas, validate_bytes;"
        "print(schemas.schema_dir());"
        "r = validate_bytes(b'{}', 'metadata.json'); print(r.schema_version, len(r.errors))"
    )
    # -S: no .pth files, so not the editable install of the source tree; its dependencies
    # come from site-packages, after the unpacked wheel
    run = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=60)
    assert run.returncode == 0, run.stderr
    where, verdict = run.stdout.splitlines()
    assert where == str(site / "deepoc" / "metadata" / "schemata")
    assert verdict == "1.0.0 7"


# A released schema file never changes: a change is a new version (a new file and entry).
RELEASED = {
    "ai4-metadata-2.0.0.json": "0a51a62a7dbf4a2aa6572788631e47c04c3e88eb6951215de7b5b31da813fecd",
    "ai4-metadata-2.1.0.json": "01a3d57df6ea4fc0287387d91e2b5172c834e41f305e63a1566eef15a4c84206",
    "ai4-metadata-2.2.0.json": "b270691e45ff3711b79da82da7f714e109063983c7e7563e5d9bb72558a4333d",
    "ai4-metadata-2.3.0.json": "8d40488d72ec008a57c765d71242dc533f91ecb13ddd5143494547002484bf4d",
    "metadata-1.0.0.json": "9eefc3045ebdcc60007321154ae9b2b3d5c8944a2dc5596c0aacdd57cadb3d03",
}


def test_released_schema_files_are_frozen():
    import hashlib

    for name, digest in RELEASED.items():
        data = (SCHEMA_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, (
            f"{name} changed after release: add a new version instead")
    assert set(RELEASED) == set(schemas.FILES.values())
