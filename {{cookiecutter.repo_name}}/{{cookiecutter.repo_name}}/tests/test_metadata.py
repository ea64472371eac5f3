"""The metadata contract: the fields DEEPaaS and the marketplace smoke test read."""

import importlib.metadata

from ..models import deep_api

REQUIRED = ("name", "version", "summary", "author", "author-email", "license")


def test_metadata_has_every_field():
    meta = deep_api.get_metadata()
    for key in REQUIRED:
        assert key in meta, key
        assert isinstance(meta[key], str)
    for key in ("name", "version", "summary", "author", "author-email"):
        assert meta[key].strip(), f"{key} is empty"


def test_metadata_matches_the_installed_package():
    meta = deep_api.get_metadata()
    installed = importlib.metadata.metadata(deep_api.DIST_NAME)
    assert meta["name"] == installed["Name"] == deep_api.DIST_NAME
    assert meta["version"] == installed["Version"]
