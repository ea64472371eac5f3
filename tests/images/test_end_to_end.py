"""End to end on the real engine and registry: the real baked Dockerfile, code served by
git daemon, smoke test, push, tags read back from the registry API; then incremental reruns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from deepoc.cli import main
from deepoc.images import buildkey
from deepoc.images.registry import Registry
from deepoc.images.tags import image_tags

from .conftest import builds

pytestmark = pytest.mark.xdist_group("docker")
STATE: dict = {}  # results the later steps compare with


@dataclass
class Run:
    code: int
    builds: dict
    out: str


def build(catalog: Path, registry: str, number: str, capsys, *extra: str) -> Run:
    code = main(["images", "build", "--catalog", str(catalog), "--registry", registry,
                 "--build-number", number, *extra])
    out = capsys.readouterr()
    return Run(code, builds(catalog.parent / "builds.json"), out.out + out.err)


def registry_digests(reg: Registry, repo: str, tags: list[str]) -> dict[str, str | None]:
    return {t: reg.digest(repo, t) for t in tags}


def step_first_run_builds_smoke_tests_and_pushes_both_variants(services, modules, plant,
                                                               workdir, capsys):
    catalog = modules.catalog(workdir, [plant])
    run = build(catalog, services.registry.host, "1", capsys)
    assert run.code == 0, run.out
    commit = json.loads(catalog.read_text())["modules"][0]["branches"]["master"]["commit"]
    reg = Registry(services.registry.host)
    repo = "deephdc/plant"
    for variant in ("cpu", "gpu"):
        rec = run.builds[("plant", "master", variant)]
        assert rec["status"] == "pushed", rec
        assert rec["tags"] == image_tags(commit=commit, variant=variant, build_number="1",
                                         branch="master")
        assert rec["image"] == f"{services.registry.host}/{repo}"
        assert rec["digest"].startswith("sha256:") and rec["build_key"].startswith("sha256:")
        assert (workdir / rec["log"]).is_file()
        # every tag, read back from the registry API, points at the recorded digest
        assert set(registry_digests(reg, repo, rec["tags"]).values()) == {rec["digest"]}
        labels = reg.labels(repo, rec["digest"])
        assert labels[buildkey.KEY_LABEL] == rec["build_key"]
        assert labels["org.opencontainers.image.revision"] == commit
        assert labels["org.opencontainers.image.title"] == "plant"
        assert labels["org.opencontainers.image.licenses"] == "MIT"
        for k in ("source", "created", "version"):
            assert labels[f"org.opencontainers.image.{k}"], k
    cpu, gpu = run.builds[("plant", "master", "cpu")], run.builds[("plant", "master", "gpu")]
    assert cpu["digest"] != gpu["digest"]
    assert set(reg.tags(repo)) == set(cpu["tags"]) | set(gpu["tags"])
    log = (workdir / cpu["log"]).read_text()
    assert "smoke test: model 'plant' by 'Jane Doe'" in log
    assert "smoke test" not in (workdir / gpu["log"]).read_text()  # a GPU image cannot run here
    # the next tests reuse these results
    STATE["first"] = {v: run.builds[("plant", "master", v)] for v in ("cpu", "gpu")}


def step_rerun_builds_nothing_and_keeps_digests(services, modules, plant, workdir, capsys):
    catalog = workdir / "catalog.json"
    run = build(catalog, services.registry.host, "2", capsys)
    assert run.code == 0, run.out
    assert "0 built" in run.out
    reg = Registry(services.registry.host)
    for variant, first in STATE["first"].items():
        rec = run.builds[("plant", "master", variant)]
        assert rec["status"] == "reused" and rec["digest"] == first["digest"]
        assert set(registry_digests(reg, "deephdc/plant", rec["tags"]).values()) == {
            first["digest"]
        }
        assert any(t.endswith("_2" + ("-gpu" if variant == "gpu" else "")) for t in rec["tags"])


def step_metadata_only_change_builds_nothing(services, modules, plant, workdir, capsys):
    new_commit = modules.edit_metadata(plant, lambda d: {**d, "summary": "A new summary."})
    catalog = modules.catalog(workdir, [plant])
    run = build(catalog, services.registry.host, "3", capsys)
    assert run.code == 0, run.out
    assert "0 built" in run.out
    reg = Registry(services.registry.host)
    for variant, first in STATE["first"].items():
        rec = run.builds[("plant", "master", variant)]
        assert rec["status"] == "reused" and rec["commit"] == new_commit
        assert reg.digest("deephdc/plant", rec["tags"][-1]) == first["digest"]


def step_code_change_rebuilds_that_module(services, modules, plant, workdir, capsys):
    modules.change_code(plant)
    run = build(workdir / "catalog.json", services.registry.host, "4", capsys)
    assert run.code == 0, run.out
    assert "2 built" in run.out
    reg = Registry(services.registry.host)
    for variant, first in STATE["first"].items():
        rec = run.builds[("plant", "master", variant)]
        assert rec["status"] == "pushed" and rec["digest"] != first["digest"]
        assert rec["build_key"] != first["build_key"]
        assert set(registry_digests(reg, "deephdc/plant", rec["tags"]).values()) == {
            rec["digest"]
        }
    STATE["latest"] = {v: run.builds[("plant", "master", v)] for v in ("cpu", "gpu")}
    # the new image really has the new code (the layer cache did not hide the change)
    import docker

    client = docker.from_env()
    out = client.containers.run(f"{services.registry.host}/deephdc/plant:latest",
                                ["cat", "/srv/plant/CHANGES.txt"], remove=True,
                                network_mode="host")
    assert out.decode().strip() == "a code change"


def step_jenkinsfile_form_reuses_and_tags_a_git_tag(services, plant, tmp_path, capsys):
    """`--repo . --git-tag T` (the Docker repo's Jenkinsfile) finds the same image."""
    from .conftest import git

    git("tag", "v1.0.0", cwd=plant.docker)
    builds_json = tmp_path / "builds.json"
    code = main(["images", "build", "--repo", str(plant.docker), "--git-tag", "v1.0.0",
                 "--registry", services.registry.host, "--build-number", "5",
                 "--code-repo", services.code_url("plant"), "--builds", str(builds_json)])
    out = capsys.readouterr()
    assert code == 0, out.err
    recs = builds(builds_json)
    reg = Registry(services.registry.host)
    for variant in ("cpu", "gpu"):
        rec = recs[("plant", "v1.0.0", variant)]
        assert rec["status"] == "reused", rec
        assert rec["digest"] == STATE["latest"][variant]["digest"]
        first = "v1.0.0" if variant == "cpu" else "v1.0.0-gpu"
        assert rec["tags"][0] == first
        assert reg.digest("deephdc/plant", first) == rec["digest"]


def test_end_to_end(services, modules, tmp_path, capsys):
    """One ordered scenario (one test, so test distribution can never split its steps)."""
    plant = modules.bake("plant")
    workdir = tmp_path / "e2e"
    workdir.mkdir()
    step_first_run_builds_smoke_tests_and_pushes_both_variants(services, modules, plant,
                                                               workdir, capsys)
    step_rerun_builds_nothing_and_keeps_digests(services, modules, plant, workdir, capsys)
    step_metadata_only_change_builds_nothing(services, modules, plant, workdir, capsys)
    step_code_change_rebuilds_that_module(services, modules, plant, workdir, capsys)
    jenkins = tmp_path / "jenkins"
    jenkins.mkdir()
    step_jenkinsfile_form_reuses_and_tags_a_git_tag(services, plant, jenkins, capsys)
