"""Exact builds on the real engine: the generated Dockerfile installs the commit it is given,
the catalog's images each hold the code commit their label names (and the engine keeps
both, its layer cache reused), a git-tag build installs the code repo's tag; the image has
rclone, and a module without weights has nothing in models/."""

from __future__ import annotations

import json
from pathlib import Path

import docker
import pytest

from deepoc.cli import main
from deepoc.images import engine, source
from deepoc.images.builder import CODE_COMMIT_LABEL
from deepoc.images.registry import Registry

from .conftest import builds, git

pytestmark = pytest.mark.xdist_group("docker")


def _commit_file(m, text: str, branch: str = "master") -> str:
    """A commit of the code repo that changes VERSION.txt, pushed to the served remote."""
    git("checkout", "-q", branch, cwd=m.code)
    (m.code / "VERSION.txt").write_text(text)
    git("add", "VERSION.txt", cwd=m.code)
    git("commit", "-q", "-m", f"version {text.strip()}", cwd=m.code)
    git("push", "-q", "served", branch, cwd=m.code)
    return git("rev-parse", "HEAD", cwd=m.code).strip()


def _run(image: str, *cmd: str) -> str:
    out = docker.from_env().containers.run(image, list(cmd), remove=True, network_mode="host")
    return out.decode()


def test_each_catalog_image_holds_the_commit_its_label_names(services, modules, tmp_path,
                                                             capsys):
    m = modules.bake("exact_mod", gpu=False)
    first = _commit_file(m, "one\n")
    work = tmp_path / "work"
    argv = ["images", "build", "--catalog", str(work / "catalog.json"), "--registry",
            services.registry.host]
    modules.catalog(work, [m])
    assert main([*argv, "--build-number", "1"]) == 0, capsys.readouterr().err
    one = builds(work / "builds.json")[("exact_mod", "master", "cpu")]
    second = _commit_file(m, "two\n")
    modules.catalog(work, [m])
    assert main([*argv, "--build-number", "2"]) == 0, capsys.readouterr().err
    two = builds(work / "builds.json")[("exact_mod", "master", "cpu")]
    assert one["digest"] != two["digest"] and one["build_key"] != two["build_key"]

    reg = Registry(services.registry.host)
    client = docker.from_env()
    for rec, commit, text in ((one, first, "one\n"), (two, second, "two\n")):
        labels = reg.labels("deephdc/exact_mod", rec["digest"])
        assert labels[CODE_COMMIT_LABEL] == commit
        # the first image is still on the engine (nothing deleted it) and holds its own code
        image = f"{services.registry.host}/deephdc/exact_mod@{rec['digest']}"
        local = client.images.get(image)
        assert local.labels[CODE_COMMIT_LABEL] == commit
        assert _run(image, "cat", "/srv/exact_mod/VERSION.txt") == text
        assert _run(image, "git", "-C", "/srv/exact_mod", "rev-parse", "HEAD").strip() == commit
    log = (work / two["log"]).read_text()
    assert f"installing exactly {second}" in log
    # the engine's cache served every step before the code: only the code step ran again
    assert log.count("Using cache") >= 5 and "without the layer cache" not in log
    assert f"code: {services.code_url('exact_mod')} at {second}" in log

    # what every template image has: rclone; and no weights step: models/ as in git
    latest = f"{services.registry.host}/deephdc/exact_mod:latest"
    assert _run(latest, "rclone", "version").startswith("rclone v")
    assert _run(latest, "ls", "-A", "/srv/exact_mod/models").split() == [".gitkeep"]


def test_the_dockerfile_installs_the_commit_it_is_given_not_the_branch_head(services,
                                                                            modules):
    m = modules.bake("pinned_mod", gpu=False)
    first = _commit_file(m, "one\n")
    _commit_file(m, "two\n")  # the branch has moved on
    client = engine.connect()
    context = source.archive(m.docker, "HEAD")
    lines: list[str] = []
    args = {"code_repo": services.code_url("pinned_mod"), "branch": "master"}
    pinned = engine.build(client, context, {**args, "commit": first}, {}, lines.append)
    assert _run(pinned, "cat", "/srv/pinned_mod/VERSION.txt") == "one\n"
    # no commit given (a plain `docker build`): the branch head
    head = engine.build(client, context, args, {}, lines.append)
    assert _run(head, "cat", "/srv/pinned_mod/VERSION.txt") == "two\n"
    # a commit the repository does not have fails the build, it never installs another
    with pytest.raises(engine.EngineError, match="docker build failed at Step"):
        engine.build(client, context, {**args, "commit": "0" * 40}, {}, lines.append)


def test_a_git_tag_build_installs_the_code_repos_tag(services, modules, tmp_path, capsys):
    m = modules.bake("tagged_mod", gpu=False)
    tagged = _commit_file(m, "release\n")
    git("tag", "-a", "v1.0.0", "-m", "release", cwd=m.code)  # annotated: peeled to its commit
    git("push", "-q", "served", "v1.0.0", cwd=m.code)
    _commit_file(m, "after the release\n")
    git("tag", "v1.0.0", cwd=m.docker)
    builds_json = tmp_path / "builds.json"
    code = main(["images", "build", "--repo", str(m.docker), "--git-tag", "v1.0.0",
                 "--registry", services.registry.host, "--no-push",
                 "--code-repo", services.code_url("tagged_mod"), "--builds", str(builds_json)])
    assert code == 0, capsys.readouterr().err
    rec = builds(builds_json)[("tagged_mod", "v1.0.0", "cpu")]
    image = docker.from_env().images.get(rec["digest"])
    assert image.labels[CODE_COMMIT_LABEL] == tagged
    assert image.labels["io.deep-oc.code"].endswith("#v1.0.0")
    assert _run(rec["digest"], "cat", "/srv/tagged_mod/VERSION.txt") == "release\n"
    # a Docker repo tag the code repo does not have installs the code repo's master
    git("tag", "v2.0.0", cwd=m.docker)
    assert main(["images", "build", "--repo", str(m.docker), "--git-tag", "v2.0.0",
                 "--registry", services.registry.host, "--no-push",
                 "--code-repo", services.code_url("tagged_mod"),
                 "--builds", str(builds_json)]) == 0
    rec = builds(builds_json)[("tagged_mod", "v2.0.0", "cpu")]
    assert _run(rec["digest"], "cat", "/srv/tagged_mod/VERSION.txt") == "after the release\n"
    assert json.loads(Path(builds_json).read_text())["builds_version"] == 1


def _package_step(dockerfile: str) -> str:
    """The generated Dockerfile's RUN instruction that installs git and rclone."""
    lines = dockerfile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("RUN set --;"))
    end = start
    while lines[end].endswith("\\"):
        end += 1
    return "\n".join(lines[start:end + 1])


def test_a_base_image_without_a_package_manager_is_left_as_it_is(services, modules):
    """FROM scratch + a static busybox: no apt-get, apk, dnf, microdnf or yum; the step says
    so and the build goes on."""
    import io
    import tarfile
    import uuid

    m = modules.bake("nopkg_mod", gpu=False)
    step = _package_step((m.docker / "Dockerfile").read_text())
    dockerfile = "\n".join([
        "FROM scratch", "COPY busybox /bin/busybox",
        'RUN ["/bin/busybox", "mkdir", "-p", "/usr/bin", "/sbin", "/usr/sbin", "/tmp"]',
        'RUN ["/bin/busybox", "--install", "-s"]', 'SHELL ["/bin/sh", "-eu", "-c"]',
        # a line of its own per run: the step below runs (and says why), never from the cache
        f"RUN true {uuid.uuid4().hex}", step,
        "RUN ! command -v rclone", ""])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add("/bin/busybox", arcname="busybox")
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile.encode())
        tar.addfile(info, io.BytesIO(dockerfile.encode()))
    lines: list[str] = []
    engine.build(engine.connect(), buf.getvalue(), {}, {}, lines.append)
    assert "no package manager in the base image: git ca-certificates rclone not installed" in (
        lines)
