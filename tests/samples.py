"""Test data several areas share: a metadata.json (v1) that the validator accepts."""

from __future__ import annotations

from typing import Any

VALID_V1: dict[str, Any] = {
    "title": "Demo module",
    "summary": "A module",
    "description": ["text"],
    "keywords": ["docker"],
    "license": "MIT",
    "date_creation": "2020-01-01",
    "sources": {
        "dockerfile_repo": "https://github.com/o/DEEP-OC-x",
        "docker_registry_repo": "o/x",
        "code": "https://github.com/o/x",
    },
    "continuous_integration": {"build_status_badge": "https://x.org/b.svg",
                               "build_status_url": "https://x.org/b"},
    "tosca": [],
}
