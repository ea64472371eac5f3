"""Registry credentials never reach builds.json, a log, stdout/stderr or an image."""

from __future__ import annotations

import json

import docker
import pytest

from deepoc.cli import main

from .conftest import builds

pytestmark = pytest.mark.xdist_group("docker")

PASSWORD = "s3cret-registry-pw-4242"


def test_registry_password_is_written_nowhere(services, modules, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DEEPOC_REGISTRY_USERNAME", "ci-user")
    monkeypatch.setenv("DEEPOC_REGISTRY_PASSWORD", PASSWORD)
    m = modules.hand_made("secret_probe")
    work = tmp_path / "work"
    catalog = modules.catalog(work, [m])
    code = main(["images", "build", "--catalog", str(catalog), "--registry",
                 services.registry.host, "--build-number", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert PASSWORD not in out + err
    for path in work.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    rec = builds(work / "builds.json")[("secret_probe", "master", "cpu")]
    client = docker.from_env()
    image = client.images.get(f"{rec['image']}:latest")
    assert PASSWORD not in json.dumps(image.attrs)
    assert PASSWORD not in json.dumps(image.history())
