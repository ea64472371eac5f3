"""`deep-oc run` without an engine: where the module is, the command line it prints, the
checks before anything is built, the snapshot of local code and its loopback git daemon
(real git), and how a failed build names its step."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from deepoc.cli import main
from deepoc.errors import UsageError
from deepoc.images import localgit, localrun
from deepoc.images.engine import BuildSteps

from .conftest import git


def _repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    git("init", "-q", "-b", "master", cwd=path)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "first", cwd=path)
    return path


@pytest.fixture()
def pair(tmp_path) -> tuple[Path, Path]:
    code = _repo(tmp_path / "plant", {"plant/__init__.py": "", ".gitignore": "*.log\n"})
    docker = _repo(tmp_path / "DEEP-OC-plant", {"Dockerfile": "FROM x\nARG code_repo\n",
                                                "build.json": "{}"})
    return code, docker


def test_docker_run_line_is_what_is_started():
    assert localrun.docker_run_line("deep-oc-run/deephdc/plant:cpu", 5000, gpu=False) == (
        "docker run --rm -it --network host deep-oc-run/deephdc/plant:cpu "
        "deepaas-run --listen-ip 127.0.0.1 --listen-port 5000")
    assert localrun.docker_run_line("x/y:gpu", 8080, gpu=True) == (
        "docker run --rm -it --network host --gpus all x/y:gpu "
        "deepaas-run --listen-ip 127.0.0.1 --listen-port 8080")


def test_module_names():
    assert localrun.module_name(Path("/w/DEEP-OC-plant")) == "plant"
    assert localrun.module_name(Path("/w/deep-oc-plant")) == "plant"
    assert localrun.module_name(Path("/w/plant_docker")) == "plant_docker"


def test_locate_a_pair_or_a_docker_repo_with_its_code(pair, tmp_path):
    code, docker = pair
    for where in (tmp_path, code, docker):
        assert localrun.locate(where, None) == (code, docker)
    other = tmp_path / "elsewhere"
    other.mkdir()
    alone = _repo(other / "my-docker-repo", {"Dockerfile": "FROM x\n"})
    assert localrun.locate(alone, code) == (code, alone)
    assert localrun.locate(docker, code) == (code, docker)
    with pytest.raises(UsageError, match="not a git repository"):
        localrun.locate(docker, tmp_path / "nope")
    with pytest.raises(UsageError, match="no baked module"):
        localrun.locate(other, None)
    with pytest.raises(UsageError, match="not a Docker repo"):
        localrun.locate(other, code)


def test_a_port_in_use_or_out_of_range_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(UsageError, match=f"127.0.0.1:{port} is in use"):
            localrun.check_port(port)
    for bad in (0, 70000):
        with pytest.raises(UsageError, match="between 1 and 65535"):
            localrun.check_port(bad)


def _run_cli(argv, capsys, **env):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        code = main(argv)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, capsys.readouterr().err


def test_checks_before_any_build_are_one_line(pair, tmp_path, capsys):
    code, docker = pair
    port = str(localrun.smoke.free_port())
    # uncommitted changes (an untracked file counts): commit first, or --allow-dirty
    (code / "plant" / "new.py").write_text("x = 1\n")
    rc, err = _run_cli(["run", str(tmp_path), "--port", port], capsys)
    assert rc == 2 and err.count("\n") == 1
    assert f"{code} has uncommitted changes (plant/new.py)" in err
    assert "commit them first, or pass --allow-dirty" in err
    (code / "plant" / "new.py").unlink()
    # no engine: how to start one
    rc, err = _run_cli(["run", str(tmp_path), "--port", port], capsys,
                       DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock")
    assert rc == 1 and err.count("\n") == 1
    assert "did not answer" in err and "start one" in err and "DOCKER_HOST" in err
    # a Dockerfile that cannot be told where the code is cannot build local code
    (docker / "Dockerfile").write_text("FROM x\nRUN git clone https://example.org/plant\n")
    git("commit", "-qam", "own Dockerfile", cwd=docker)
    rc, err = _run_cli(["run", str(tmp_path), "--port", port], capsys)
    assert rc == 1 and err.count("\n") == 1
    assert "has no ARG code_repo" in err and "deep-oc update" in err
    rc, err = _run_cli(["run", str(tmp_path / "nowhere")], capsys)
    assert rc == 2 and "is not a directory" in err
    rc, err = _run_cli(["run", str(tmp_path), "--no-build", "--allow-dirty"], capsys)
    assert rc == 2 and "--no-build runs the last image" in err


def test_snapshot_of_a_commit_and_of_a_work_tree(pair, tmp_path):
    code, _ = pair
    head = git("rev-parse", "HEAD", cwd=code).strip()
    snap = localgit.snapshot(code, tmp_path / "served" / "plant.git", "master")
    assert (snap.commit, snap.head, snap.work_tree) == (head, head, False)
    # the work tree: changed, new and deleted files as they are; ignored ones left out
    (code / "plant" / "__init__.py").write_text("VERSION = 2\n")
    (code / "plant" / "extra.py").write_text("y = 2\n")
    (code / "debug.log").write_text("ignored\n")
    (code / ".gitignore").unlink()
    git("rm", "-q", "--cached", ".gitignore", cwd=code)
    (code / ".git" / "info").mkdir(exist_ok=True)
    (code / ".git" / "info" / "exclude").write_text("*.log\n")
    before = git("status", "--porcelain", cwd=code)
    snap = localgit.snapshot(code, tmp_path / "dirty" / "plant.git", "feature", work_tree=True)
    assert snap.head == head and snap.work_tree and snap.commit != head
    bare = tmp_path / "dirty" / "plant.git"
    files = git("ls-tree", "-r", "--name-only", snap.commit, cwd=bare).split()
    assert sorted(files) == ["plant/__init__.py", "plant/extra.py"]
    assert git("show", f"{snap.commit}:plant/__init__.py", cwd=bare) == "VERSION = 2\n"
    assert git("rev-parse", f"{snap.commit}^", cwd=bare).strip() == head
    assert git("rev-parse", "refs/heads/feature", cwd=bare).strip() == snap.commit
    # the author's repo is only read
    assert git("status", "--porcelain", cwd=code) == before
    assert git("rev-parse", "HEAD", cwd=code).strip() == head


def test_a_repo_without_a_commit_says_so(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    git("init", "-q", cwd=empty)
    with pytest.raises(localgit.SourceError, match="has no commit yet: commit your code"):
        localgit.snapshot(empty, tmp_path / "e.git", "master")


def test_the_git_daemon_serves_the_exact_commit_and_stops(pair, tmp_path):
    code, _ = pair
    first = git("rev-parse", "HEAD", cwd=code).strip()
    (code / "plant" / "two.py").write_text("")
    git("add", "-A", cwd=code)
    git("commit", "-q", "-m", "second", cwd=code)
    served = tmp_path / "served"
    localgit.snapshot(code, served / "plant.git", "master")
    with localgit.GitDaemon(served) as daemon:
        url = daemon.url("plant.git")
        assert url.startswith("git://127.0.0.1:")
        assert _listening(daemon.port) == {"127.0.0.1"}  # loopback only, never 0.0.0.0
        clone = tmp_path / "clone"
        clone.mkdir()
        git("init", "-q", cwd=clone)
        # the first commit is not the branch's tip: fetched by its SHA, as the Dockerfile does
        git("fetch", "-q", "--depth", "1", url, first, cwd=clone)
        git("checkout", "-q", first, cwd=clone)
        assert not (clone / "plant" / "two.py").exists()
        port, proc = daemon.port, daemon._proc
    assert proc.poll() is not None  # stopped by its PID
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def _listening(port: int) -> set[str]:
    """The IPv4 addresses something listens on at ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, hexport = local.split(":")
        if state == "0A" and int(hexport, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return found


def test_changes_and_branch(pair):
    code, _ = pair
    assert localgit.changes(code) == [] and localgit.branch(code) == "master"
    (code / "x.txt").write_text("")
    assert localgit.changes(code) == ["?? x.txt"]
    git("checkout", "-q", "--detach", cwd=code)
    assert localgit.branch(code) == localgit.DETACHED


LEGACY = """Step 1/3 : FROM x
 ---> 1234
Step 2/3 : RUN echo fine
 ---> Running in abcd
fine
Removing intermediate container abcd
Step 3/3 : RUN echo this build step fails >&2 && exit 3
 ---> Running in ef01
this build step fails
"""
BUILDKIT = """#5 [2/4] RUN echo fine
#5 0.101 fine
#5 DONE 0.2s

#6 [3/4] RUN --mount=type=secret,id=weights_token,required=false name=x
#6 0.210 weights: downloading http://127.0.0.1:1/m.bin
#6 0.342 weights: SHA-256 mismatch: expected aaaa, got bbbb (http://127.0.0.1:1/m.bin)
#6 ERROR: executor failed running [/bin/sh -eu -c name=x]: exit code: 1
------
 > [3/4] RUN --mount=type=secret,id=weights_token,required=false name=x:
------
error: failed to solve: executor failed running [/bin/sh -eu -c name=x]: exit code: 1
"""


@pytest.mark.parametrize(("text", "error", "step", "said"), [
    (LEGACY, "The command '/bin/sh -c echo this build step fails >&2 && exit 3' returned a "
     "non-zero code: 3", "Step 3/3 : RUN echo this build step fails", "this build step fails"),
    (BUILDKIT, "error: failed to solve: executor failed running [/bin/sh -eu -c name=x]: exit "
     "code: 1", "[3/4] RUN --mount=type=secret", "expected aaaa, got bbbb"),
])
def test_a_failed_build_names_its_step_and_last_output(text, error, step, said):
    steps = BuildSteps()
    for line in text.splitlines():
        steps.feed(line)
    message = steps.failure(error)
    assert message.startswith(f"docker build failed at {step}")
    assert said in message and message.endswith(error[-40:])
    assert "\n" not in message and len(message) < 900


def test_a_failure_before_any_step_is_the_error_alone():
    assert BuildSteps().failure("no image produced") == "docker build failed: no image produced"


def test_remote_refs_peel_annotated_tags_and_leave_out_missing_ones(pair):
    from deepoc.images import source

    code, _ = pair
    head = git("rev-parse", "HEAD", cwd=code).strip()
    git("tag", "-a", "v1", "-m", "annotated", cwd=code)
    git("tag", "v2", cwd=code)
    found = source.remote_refs(str(code), ["refs/tags/v1", "refs/tags/v2", "refs/tags/v3",
                                           "refs/heads/master"])
    assert found == {"refs/tags/v1": head, "refs/tags/v2": head, "refs/heads/master": head}
    assert source.remote_refs(str(code / "nope"), ["refs/heads/master"]) is None


def test_the_buildkit_cli_is_one_that_can_build_with_buildkit(tmp_path, monkeypatch):
    """Here /usr/local/bin/docker is a 28.x CLI without buildx (it cannot use BuildKit) and
    Debian's /usr/bin/docker a 20.10 one with BuildKit built in: the second is chosen."""
    import re
    import subprocess

    from deepoc.images.engine import EngineError, buildkit_cli

    cli = buildkit_cli()
    buildx = subprocess.run([cli, "buildx", "version"], capture_output=True).returncode == 0
    major = int(re.search(r"version (\d+)\.", subprocess.run(
        [cli, "--version"], capture_output=True, text=True).stdout).group(1))
    assert buildx or major < 23, cli
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineError, match="needs BuildKit .* install Docker's buildx plugin"):
        buildkit_cli()
