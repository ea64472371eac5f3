"""``deep-oc run``: the module's image built from the author's local code, smoke-tested and
kept serving on 127.0.0.1 until Ctrl-C.

The build goes through the catalog's own builder (:class:`deepoc.images.builder.Runner`)
with the module's build.json and Dockerfile; only where the code comes from differs: the
local code repo's commit, served over loopback (:mod:`deepoc.images.localgit`), pinned as
the build's ``commit``. The container then runs with host networking (the engines here have
no bridge network, and it is what the catalog's smoke test uses): DEEPaaS is told to listen
on 127.0.0.1:PORT, so nothing is published beyond this machine and ``-p`` mappings are not
needed; the printed ``docker run`` line is exactly what was started.
"""

from __future__ import annotations

import os
import shlex
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deepoc.errors import DeepOCError, UsageError
from deepoc.images import builder, buildkey, engine, localgit, smoke, source
from deepoc.images.builder import Job
from deepoc.interrupt import terminate_as_interrupt
from deepoc.template.pair import DOCKER_PREFIX, find_pair
from deepoc.textsafe import for_terminal

#: the "registry" part of the local image names: deep-oc-run/<build.json image>:<variant>
LOCAL_REGISTRY = "deep-oc-run"
#: label of the containers deep-oc run starts (value: the module)
RUN_LABEL = "io.deep-oc.run"


class RunError(DeepOCError):
    """The module's image could not be built, tested or served."""


@dataclass
class RunOptions:
    """What ``deep-oc run`` was asked for."""

    directory: Path
    code: Path | None = None
    gpu: bool = False
    port: int = 5000
    build: bool = True
    allow_dirty: bool = False
    smoke_timeout: float | None = None
    out: Callable[[str], None] = field(default=lambda line: print(line, flush=True))


def cache_dir() -> Path:
    """Where deep-oc keeps logs between runs: ``$DEEPOC_CACHE_DIR``, else the XDG cache."""
    env = os.environ.get("DEEPOC_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "deep-oc"


def _is_repo(path: Path) -> bool:
    return path.is_dir() and (path / ".git").exists()


def locate(directory: Path, code: Path | None) -> tuple[Path, Path]:
    """(code repo, Docker repo): a baked pair from ``directory`` (see ``find_pair``), or the
    Docker repo ``directory`` with the code repo ``code``."""
    if code is None:
        return find_pair(directory)
    if not _is_repo(code):
        raise UsageError(f"--code {code}: not a git repository: give the code repo's folder")
    try:
        docker = find_pair(directory)[1]
    except UsageError:
        docker = directory.resolve()
        if not (_is_repo(docker) and (docker / "Dockerfile").is_file()):
            raise UsageError(f"{directory}: not a Docker repo (no Dockerfile or no .git): give "
                             f"the {DOCKER_PREFIX}<repo> folder") from None
    return code.resolve(), docker


def module_name(docker: Path) -> str:
    """The module a Docker repo builds: its folder name without ``DEEP-OC-``."""
    name = docker.name
    return name[len(DOCKER_PREFIX):] if name.lower().startswith(DOCKER_PREFIX.lower()) else name


def docker_run_line(image: str, port: int, gpu: bool) -> str:
    """The ``docker run`` command that starts what ``deep-oc run`` serves."""
    cmd = ["docker", "run", "--rm", "-it", "--network", "host"]
    if gpu:
        cmd += ["--gpus", "all"]
    return shlex.join([*cmd, image, *smoke.command(port)])


def check_port(port: int) -> None:
    """Refuse a port something on 127.0.0.1 listens on already."""
    if not 1 <= port <= 65535:
        raise UsageError(f"--port {port}: give a port between 1 and 65535")
    with socket.socket() as s:
        # as servers do: connections closing on that port (TIME_WAIT) do not count
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise UsageError(f"--port {port}: 127.0.0.1:{port} is in use (another deep-oc run "
                             "or server?): stop it or pass --port N") from None


def run(opts: RunOptions) -> int:
    """Build (unless told not to), smoke-test and serve; 0 once stopped by Ctrl-C/SIGTERM."""
    with terminate_as_interrupt():
        code, docker = locate(opts.directory, opts.code)
        module = module_name(docker)
        variant = "gpu" if opts.gpu else "cpu"
        check_port(opts.port)
        if opts.build:
            _check_dockerfile(docker)
            if not opts.allow_dirty:
                _refuse_changes([code, docker])
        client = engine.connect()
        logs = cache_dir() / "run" / module
        if opts.build:
            image = _build(opts, code, docker, module, variant, logs)
        else:
            image = _last_built(client, docker, module, variant)
        return _serve(opts, client, image, module, logs)


def _local_repository(docker: Path, module: str, commit: str) -> str:
    job = Job(module=module, repo=docker, commit=commit)
    return f"{LOCAL_REGISTRY}/{builder.repository_for(job, builder.load_settings(job))}"


def _last_built(client, docker: Path, module: str, variant: str) -> str:
    image = f"{_local_repository(docker, module, source.head(docker))}:{variant}"
    if engine.image_id(client, image) is None:
        raise UsageError(f"--no-build: no {variant} image of {module} made by deep-oc run on "
                         f"this engine ({image}): run once without --no-build")
    return image


def _check_dockerfile(docker: Path) -> None:
    """The Dockerfile must take the code's address, or the local code cannot reach it."""
    dockerfile = docker / builder.DOCKERFILE
    text = dockerfile.read_text("utf-8", "replace") if dockerfile.is_file() else ""
    if not buildkey.dockerfile_declares_arg(text, "code_repo"):
        raise RunError(f"{dockerfile} has no ARG code_repo, so a build cannot be given your "
                       "local code: bring the template's Dockerfile in with `deep-oc update` "
                       "(or declare ARG code_repo and ARG commit and fetch from them)")


def _refuse_changes(repos: list[Path]) -> None:
    for repo in repos:
        found = localgit.changes(repo)
        if found:
            raise UsageError(
                f"{repo} has uncommitted changes ({found[0][3:]}"
                f"{f' and {len(found) - 1} more' if len(found) > 1 else ''}): commit them "
                "first, or pass --allow-dirty to build from the work tree")


def _build(opts: RunOptions, code: Path, docker: Path, module: str, variant: str,
           logs: Path) -> str:
    dirty = {repo: bool(localgit.changes(repo)) for repo in (code, docker)}
    branch = localgit.branch(code)
    with tempfile.TemporaryDirectory(prefix="deep-oc-run-") as tmp:
        served = Path(tmp) / "git"
        code_snap = localgit.snapshot(code, served / "code.git", branch,
                                      work_tree=dirty[code])
        docker_snap = localgit.snapshot(docker, Path(tmp) / "docker.git", branch,
                                        work_tree=dirty[docker])
        changed = " with uncommitted changes" if code_snap.work_tree else ""
        with localgit.GitDaemon(served) as daemon:
            job = Job(module=module, repo=Path(tmp) / "docker.git", commit=docker_snap.commit,
                      branch=branch, url=str(docker), code_repo=daemon.url("code.git"),
                      code_commit=code_snap.commit, variants=(variant,),
                      tags={variant: [variant]})
            runner = builder.Runner(builder.Options(
                registry=LOCAL_REGISTRY, push=False, smoke=False, log_dir=logs,
                out=lambda line: None))
            log = runner.log_path(job, variant)
            opts.out(for_terminal(
                f"{module}: building the {variant} image from {code} at "
                f"{code_snap.head[:7]}{changed} (log: {log})", keep_newlines=False))
            started = time.monotonic()
            runner.run([job])
    rec = runner.records[-1]
    if rec.status == "failed":
        where = rec.log or (str(log) if log and log.is_file() else None)
        raise RunError(f"{module} {variant}: {rec.reason}" + (f" (log: {where})" if where else ""))
    how = "built" if rec.built else "reused an image of the same build key"
    opts.out(f"{module}: {how} in {time.monotonic() - started:.0f}s")
    return f"{rec.image}:{variant}"


def _serve(opts: RunOptions, client, image: str, module: str, logs: Path) -> int:
    port, gpu = opts.port, opts.gpu
    name = f"deep-oc-run-{module}-{port}"
    _remove_leftover(client, name)
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{module}-serve-{port}.log"
    container = engine.run_detached(client, image, smoke.command(port),
                                    {"DEEPAAS_PORT": str(port)}, name=name,
                                    labels={RUN_LABEL: module}, gpu=gpu)
    try:
        with open(log_path, "w", encoding="utf-8") as fh:
            def log(line: str) -> None:
                fh.write(line.rstrip("\n") + "\n")
                fh.flush()
            log(f"serving {image} as {name}: {docker_run_line(image, port, gpu)}")
            try:
                result = smoke.wait_for_models(container, port, log, opts.smoke_timeout)
            except smoke.SmokeError as exc:
                raise RunError(f"{module}: {exc} (log: {log_path})") from None
        names = ", ".join(repr(m["name"]) for m in result.models)
        base = f"http://127.0.0.1:{port}"
        opts.out(for_terminal(f"{module}: smoke test passed (GET /v2/models/ lists {names})",
                              keep_newlines=False))
        opts.out(f"  API:        {base}/v2/models/")
        opts.out(f"  Swagger UI: {base}/ui")
        opts.out(f"  the same:   {docker_run_line(image, port, gpu)}")
        opts.out("Serving until Ctrl-C, which stops and removes the container.")
        while True:
            time.sleep(0.5)
            if container.status() in ("exited", "dead"):
                tail = container.logs(20)
                with open(log_path, "a", encoding="utf-8") as fh:
                    fh.write(tail)
                last = " | ".join(tail.strip().splitlines()[-3:])
                raise RunError(f"{module}: the container stopped on its own: {last} "
                               f"(log: {log_path})")
    except KeyboardInterrupt:
        opts.out(f"{module}: stopping; the container is removed")
        return 0
    finally:
        container.remove()


def _remove_leftover(client, name: str) -> None:
    """A container of an earlier run that was killed before it could clean up."""
    import docker

    try:
        old = client.containers.get(name)
    except docker.errors.NotFound:
        return
    if RUN_LABEL in (old.labels or {}):
        old.remove(force=True)
