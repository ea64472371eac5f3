"""Fixtures for the pipeline tests: the repository root and one default bake of the template."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def default_bake(tmp_path_factory) -> tuple[Path, Path]:
    """The template baked with its default answers: (code repo, Docker repo)."""
    from deepoc.template import bake

    out = tmp_path_factory.mktemp("bake")
    code, docker = bake(out, None)
    return Path(code), Path(docker)


@pytest.fixture()
def no_docker_env(monkeypatch, tmp_path) -> dict[str, str]:
    """An environment where no Docker engine answers, so runs are the same on every machine."""
    env = dict(os.environ)
    env["DOCKER_HOST"] = f"unix://{tmp_path}/no-docker.sock"
    env["NO_COLOR"] = "1"
    monkeypatch.setenv("DOCKER_HOST", env["DOCKER_HOST"])
    return env


@pytest.fixture(scope="session")
def answer_set_bakes(tmp_path_factory, default_bake) -> list[tuple[Path, Path]]:
    """The default bake plus one per answer set of the demo catalog (catalog/demo.yml)."""
    from deepoc.pipeline.demo import load_demo_catalog
    from deepoc.template import bake

    catalog = load_demo_catalog()
    out = tmp_path_factory.mktemp("answer-sets")
    bakes = [default_bake]
    for entry in catalog["modules"]:
        answers = {str(k): str(v) for k, v in entry["answers"].items()}
        code, docker = bake(out, answers)
        bakes.append((Path(code), Path(docker)))
    return bakes
