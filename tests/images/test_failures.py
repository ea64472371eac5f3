"""Failure isolation on the real engine: a broken Dockerfile, a server that never answers and
a registry stopped mid-run are each recorded with a reason; the others are pushed; builds.json
stays whole. Hand-made Dockerfiles (a stand-in deepaas-run) keep these builds to seconds.
"""

from __future__ import annotations

import json

import pytest

from deepoc.cli import main
from deepoc.images import builder
from deepoc.images.records import FIELDS, BuildsFile
from deepoc.images.registry import Registry

from .conftest import builds

pytestmark = pytest.mark.xdist_group("docker")


def test_broken_and_silent_modules_do_not_stop_the_others(services, modules, tmp_path, capsys):
    mods = [modules.hand_made("good_a"), modules.hand_made("broken", broken=True),
            modules.hand_made("silent", silent=True), modules.hand_made("good_b")]
    catalog = modules.catalog(tmp_path / "work", mods)
    code = main(["images", "build", "--catalog", str(catalog), "--registry",
                 services.registry.host, "--build-number", "1", "--smoke-timeout", "8"])
    err = capsys.readouterr().err
    assert code == 1
    assert "2 pushed, 2 failed" in err
    doc = json.loads((tmp_path / "work" / "builds.json").read_text())
    assert all(set(r) == set(FIELDS) for r in doc["builds"])
    recs = builds(tmp_path / "work" / "builds.json")
    # build.json has no GPU tag for these modules: no GPU image, no GPU record
    assert set(recs) == {(m.name, "master", "cpu") for m in mods}
    reg = Registry(services.registry.host)
    for name in ("good_a", "good_b"):
        rec = recs[(name, "master", "cpu")]
        assert rec["status"] == "pushed" and rec["reason"] is None
        assert reg.digest(f"deephdc/{name}", "latest") == rec["digest"]
    broken = recs[("broken", "master", "cpu")]
    assert broken["status"] == "failed"
    assert broken["reason"].startswith("docker build failed") and "code: 3" in broken["reason"]
    assert "this build step fails" in (tmp_path / "work" / broken["log"]).read_text()
    silent = recs[("silent", "master", "cpu")]
    assert silent["status"] == "failed" and silent["reason"].startswith("smoke test:")
    assert "within 8s" in silent["reason"]
    # a failing image is never pushed
    assert reg.tags("deephdc/silent") == [] and reg.tags("deephdc/broken") == []


def test_registry_stopped_mid_run(services, modules, tmp_path):
    # The session's registry (it already holds the base layers, so pushes are quick); it is
    # started again on the same port and storage afterwards.
    reg = services.registry
    mods = [modules.hand_made(f"mid_{c}") for c in "abc"]
    catalog = modules.catalog(tmp_path / "work", mods)
    jobs, _ = builder.jobs_from_catalog(catalog)
    lines: list[str] = []

    def out(line: str) -> None:
        lines.append(line)
        if len(lines) == 1:
            reg.stop()  # the first module is pushed, then the registry goes away

    builds_path = tmp_path / "work" / "builds.json"
    try:
        counts = builder.Runner(builder.Options(
            registry=reg.host, build_number="1", log_dir=tmp_path / "work" / "logs",
            builds=BuildsFile(builds_path), out=out, smoke_timeout=30,
        )).run(jobs)
    finally:
        if reg.pid is None:
            reg.start()
    assert (counts.pushed, counts.failed) == (1, 2)
    recs = builds(builds_path)
    assert recs[("mid_a", "master", "cpu")]["status"] == "pushed"
    for name in ("mid_b", "mid_c"):
        rec = recs[(name, "master", "cpu")]
        assert rec["status"] == "failed", rec
        assert rec["reason"].startswith(f"push of {reg.host}/deephdc/{name}:latest failed after")
        log = (tmp_path / "work" / rec["log"]).read_text()
        assert "retry 1" in log  # it did retry with back-off
    assert all(set(r) == set(FIELDS) for r in json.loads(builds_path.read_text())["builds"])


def test_no_push_builds_then_reuses_the_local_image(services, modules, tmp_path, capsys):
    """`--no-push`: smoke-tested and tagged locally; a second run finds it by its build key."""
    import docker

    m = modules.hand_made("local_only")
    catalog = modules.catalog(tmp_path / "work", [m])
    argv = ["images", "build", "--catalog", str(catalog), "--registry", services.registry.host,
            "--no-push", "--build-number", "1"]
    assert main(argv) == 0
    first = builds(tmp_path / "work" / "builds.json")[("local_only", "master", "cpu")]
    assert first["status"] == "built" and first["digest"].startswith("sha256:")
    assert main(argv[:-1] + ["2"]) == 0
    second = builds(tmp_path / "work" / "builds.json")[("local_only", "master", "cpu")]
    assert second["status"] == "reused" and second["digest"] == first["digest"]
    assert "1 built" in capsys.readouterr().err
    image = docker.from_env().images.get(f"{services.registry.host}/deephdc/local_only:latest")
    assert image.id == first["digest"]
    assert Registry(services.registry.host).tags("deephdc/local_only") == []


def test_credentials_from_env_never_reach_logs_or_records(services, modules, tmp_path, capsys,
                                                          monkeypatch):
    secret = "s3cret-Pa55word-for-the-test"
    monkeypatch.setenv("DEEPOC_REGISTRY_USERNAME", "ci-robot")
    monkeypatch.setenv("DEEPOC_REGISTRY_PASSWORD", secret)
    m = modules.hand_made("with_creds")
    catalog = modules.catalog(tmp_path / "work", [m])
    assert main(["images", "build", "--catalog", str(catalog), "--registry",
                 services.registry.host, "--build-number", "1"]) == 0
    out = capsys.readouterr()
    texts = [out.out, out.err, (tmp_path / "work" / "builds.json").read_text()]
    texts += [p.read_text() for p in (tmp_path / "work" / "logs").glob("*.log")]
    assert all(secret not in t for t in texts)
    assert builds(tmp_path / "work" / "builds.json")[("with_creds", "master", "cpu")][
        "status"] == "pushed"
