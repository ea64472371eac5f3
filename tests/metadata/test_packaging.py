"""Every schema version has its file, and released files never change.

(That the wheel carries them is tested in tests/packaging.)
"""

from __future__ import annotations

from deepoc.metadata import schemas

from .conftest import SCHEMA_DIR


def test_every_version_has_its_schema_file():
    names = sorted(p.name for p in SCHEMA_DIR.glob("*.json"))
    assert names == sorted(schemas.FILES.values())
    for version in schemas.KNOWN:
        assert schemas.load(version)["$schema"] == "http://json-schema.org/draft-07/schema#"


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
