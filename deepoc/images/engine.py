"""The Docker engine edge (Docker SDK): build, tag, run, remove and push images.

Everything here talks to a real engine; the decisions (what to build, which tags) live in
``builder``. Push credentials come from the environment or the Docker config, never argv.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import docker

from deepoc.errors import DeepOCError
from deepoc.images import registry as reg

Log = Callable[[str], None]


class EngineError(DeepOCError):
    """The Docker engine refused or failed an operation."""


def connect(timeout: int = 600):
    """A Docker SDK client for ``DOCKER_HOST`` (or the default socket); one line if it fails."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:  # the SDK raises several unrelated types here
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise EngineError(
            f"Docker engine at {where} did not answer ({type(exc).__name__}): start one "
            "(`sudo systemctl start docker`, Docker Desktop, or `dockerd &`; in a deep-oc "
            "checkout `scripts/services/dockerd.sh start DIR`) and point DOCKER_HOST at it"
        ) from None
    return client


def image_id(client, name: str) -> str | None:
    """The local image ID of ``name``, or None."""
    try:
        return client.images.get(name).id
    except docker.errors.ImageNotFound:
        return None
    except docker.errors.APIError as exc:
        raise EngineError(f"Docker engine: inspecting {name} failed: {_one_line(exc)}") from None


def base_image_id(client, name: str, log: Log) -> str:
    """The local ID of a base image, pulled first if the engine does not have it."""
    found = image_id(client, name)
    if found:
        return found
    log(f"pulling base image {name}")
    try:
        client.images.pull(name)
    except docker.errors.APIError as exc:
        raise EngineError(
            f"base image {name} is not on this engine and could not be pulled "
            f"({_one_line(exc)}): check build.json base_image/cpu_tag/gpu_tag"
        ) from None
    found = image_id(client, name)
    if not found:
        raise EngineError(f"base image {name} could not be found after pulling it")
    return found


def find_by_label(client, label: str, value: str) -> str | None:
    """The ID of a local image labelled ``label=value`` (newest first), or None."""
    images = client.images.list(filters={"label": f"{label}={value}"})
    if not images:
        return None
    images.sort(key=lambda i: i.attrs.get("Created", ""), reverse=True)
    return images[0].id


class BuildSteps:
    """Follows a build's output (the legacy builder's ``Step 3/9 : RUN ...`` or BuildKit's
    plain ``#7 [3/9] RUN ...``) to say which step failed and what it printed last."""

    _LEGACY = re.compile(r"^Step \d+/\d+ : .*")
    _KIT_STEP = re.compile(r"^#(\d+) (\[[^\]]+\] .*)$")
    _KIT_OUT = re.compile(r"^#(\d+) \d+\.\d+ (.*)$")
    _KIT_ERROR = re.compile(r"^#(\d+) ERROR: (.*)$")

    def __init__(self) -> None:
        self.step: str | None = None
        self.output: str | None = None
        self._names: dict[str, str] = {}
        self._last: dict[str, str] = {}
        self._failed: str | None = None

    def feed(self, line: str) -> None:
        line = line.rstrip()
        if not line.strip():
            return
        if self._LEGACY.match(line):
            self.step, self.output = line, None
            return
        m = self._KIT_STEP.match(line)
        if m:
            self._names.setdefault(m.group(1), m.group(2))
            return
        m = self._KIT_ERROR.match(line)
        if m:
            self._failed = self._failed or m.group(1)
            return
        m = self._KIT_OUT.match(line)
        if m:
            if m.group(2).strip():
                self._last[m.group(1)] = m.group(2).strip()
            return
        if not line.startswith((" ---> ", "Removing intermediate", "#")):
            self.output = line.strip()

    def failure(self, error: str) -> str:
        """``docker build failed at <step>: <its last output>; <the error>``, bounded."""
        step, output = self.step, self.output
        if self._failed:
            step, output = self._names.get(self._failed), self._last.get(self._failed)
        where = f" at {_clip(step, 120)}" if step else ""
        said = f": {_clip(output, 300)};" if output and output not in error else ":"
        return f"docker build failed{where}{said} {_last_line(error)}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build(
    client,
    context_tar: bytes,
    buildargs: dict[str, str],
    labels: dict[str, str],
    log: Log,
    nocache: bool = False,
    tag: str | None = None,
    timeout: float | None = None,
) -> str:
    """Build from a tar build context with host networking (the engine's legacy builder,
    through the SDK); returns the image ID."""
    started = time.monotonic()
    image = None
    error = None
    steps = BuildSteps()
    try:
        stream = client.api.build(
            fileobj=io.BytesIO(context_tar),
            custom_context=True,
            buildargs=buildargs,
            labels=labels,
            network_mode="host",
            rm=True,
            forcerm=True,
            nocache=nocache,
            pull=False,
            tag=tag,
            decode=True,
            timeout=int(timeout) if timeout else None,
        )
        for chunk in stream:
            if "stream" in chunk:
                for text in chunk["stream"].splitlines():
                    if text.strip():
                        log(text)
                        steps.feed(text)
                m = re.match(r"Successfully built ([0-9a-f]+)", chunk["stream"])
                if m:
                    image = m.group(1)
            if "aux" in chunk and isinstance(chunk["aux"], dict) and "ID" in chunk["aux"]:
                image = chunk["aux"]["ID"]
            if "error" in chunk:
                error = chunk.get("error") or "unknown error"
                log(f"ERROR: {error}")
    except docker.errors.APIError as exc:
        error = _one_line(exc)
    except Exception as exc:  # connection reset, read timeout
        error = f"{type(exc).__name__}: {exc}"
    if error or not image:
        raise EngineError(steps.failure(error or "no image produced"))
    log(f"built {image} in {time.monotonic() - started:.1f}s")
    return client.images.get(image).id


def buildkit_cli() -> str:
    """A ``docker`` command on PATH that builds with BuildKit: one with the buildx plugin,
    or a CLI older than 23.0, which has BuildKit built in (``DOCKER_BUILDKIT=1``)."""
    seen: set[str] = set()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(folder or ".", "docker")
        real = os.path.realpath(path)
        if real in seen or not os.access(path, os.X_OK) or os.path.isdir(path):
            continue
        seen.add(real)
        try:
            if subprocess.run([path, "buildx", "version"], capture_output=True,
                              timeout=30).returncode == 0:
                return path
            said = subprocess.run([path, "--version"], capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        m = re.search(r"version (\d+)\.", said)
        if m and int(m.group(1)) < 23:
            return path
    raise EngineError(
        "this Dockerfile needs BuildKit (RUN --mount) and no docker command on PATH builds "
        "with it: install Docker's buildx plugin (docker-buildx-plugin, or Debian's "
        "docker-buildx)"
    )


def build_buildkit(
    context_tar: bytes,
    buildargs: dict[str, str],
    labels: dict[str, str],
    log: Log,
    nocache: bool = False,
    secrets: dict[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """Build with BuildKit through the docker CLI (the SDK has only the legacy builder), host
    networking, the context as a tar on stdin; returns the image ID.

    ``secrets`` maps a secret id to the environment variable holding it: the CLI reads the
    value itself (``--secret id=ID,env=VAR``), so it is on no command line and in no file."""
    cli = buildkit_cli()
    started = time.monotonic()
    steps = BuildSteps()
    with tempfile.TemporaryDirectory(prefix="deep-oc-build-") as tmp:
        iidfile = os.path.join(tmp, "iid")
        cmd = [cli, "build", "--progress", "plain", "--network", "host", "--iidfile", iidfile]
        for k, v in sorted(buildargs.items()):
            cmd += ["--build-arg", f"{k}={v}"]
        for k, v in sorted(labels.items()):
            cmd += ["--label", f"{k}={v}"]
        for sid, var in sorted((secrets or {}).items()):
            cmd += ["--secret", f"id={sid},env={var}"]
        if nocache:
            cmd.append("--no-cache")
        cmd.append("-")
        log(f"BuildKit: {cli} build (build args {', '.join(sorted(buildargs)) or 'none'}; "
            f"secrets {', '.join(sorted(secrets or {})) or 'none'})")
        env = dict(os.environ, DOCKER_BUILDKIT="1")
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env)
        except OSError as exc:
            raise EngineError(f"could not run {cli}: {exc}") from None
        feeder = threading.Thread(target=_feed, args=(proc.stdin, context_tar), daemon=True)
        feeder.start()
        last = ""
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                text = raw.decode("utf-8", "replace").rstrip("\n")
                if text.strip():
                    log(text)
                    steps.feed(text)
                    last = text
            code = proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            feeder.join(timeout=5)
        image = None
        if code == 0 and os.path.exists(iidfile):
            with open(iidfile, encoding="utf-8") as fh:
                image = fh.read().strip() or None
    if not image:
        raise EngineError(steps.failure(last or f"{cli} build exited with {code}"))
    log(f"built {image} in {time.monotonic() - started:.1f}s")
    return image


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError):
        pass  # the CLI stopped early: its output says why
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def tag_image(client, image: str, repository: str, tags: Iterable[str]) -> None:
    """Apply every tag to one local image."""
    img = client.images.get(image)
    for t in tags:
        img.tag(repository, t)


def remove_tags(client, repository: str, tags: Iterable[str]) -> None:
    """Remove local tags (best effort), e.g. of an image that failed its smoke test."""
    for t in tags:
        try:
            client.images.remove(f"{repository}:{t}", noprune=False)
        except docker.errors.APIError:
            pass


@dataclass
class PushPolicy:
    """How hard to try: attempts, first back-off in seconds (doubles each time)."""

    attempts: int = 4
    backoff: float = 2.0

    @classmethod
    def from_env(cls) -> PushPolicy:
        return cls(
            attempts=max(1, int(os.environ.get("DEEPOC_PUSH_ATTEMPTS", "4"))),
            backoff=float(os.environ.get("DEEPOC_PUSH_BACKOFF", "2")),
        )


_PERMANENT = re.compile(r"unauthorized|denied|authentication required|forbidden|not found", re.I)


def _auth_config(repository: str) -> dict | None:
    """Credentials from the environment; None lets the SDK use the Docker config."""
    creds = reg.credentials(reg.split_image(repository).registry)
    if creds and os.environ.get("DEEPOC_REGISTRY_USERNAME"):
        return {"username": creds[0], "password": creds[1]}
    return None


def push(client, repository: str, tag: str, log: Log, policy: PushPolicy | None = None) -> str:
    """Push one tag with retries and exponential back-off; returns the manifest digest."""
    policy = policy or PushPolicy.from_env()
    auth = _auth_config(repository)
    delay = policy.backoff
    last = "unknown error"
    registry = reg.Registry(reg.split_image(repository).registry, timeout=10)
    for attempt in range(1, policy.attempts + 1):
        try:
            # The engine retries a dead registry on its own for long; ask it first.
            registry.ping()
        except reg.RegistryError as exc:
            digest, error = None, str(exc)
        else:
            digest, error = _push_once(client, repository, tag, auth, log)
        if digest:
            return digest
        last = error or "no digest returned"
        if _PERMANENT.search(last) or attempt == policy.attempts:
            break
        log(f"push {repository}:{tag} failed ({last}); retry {attempt} in {delay:.1f}s")
        time.sleep(delay)
        delay *= 2
    raise EngineError(
        f"push of {repository}:{tag} failed after {attempt} attempt(s): {_last_line(last)}"
    )


def _push_once(client, repository, tag, auth, log) -> tuple[str | None, str | None]:
    digest = None
    try:
        kwargs = {"stream": True, "decode": True}
        if auth:
            kwargs["auth_config"] = auth
        for chunk in client.api.push(repository, tag=tag, **kwargs):
            if "error" in chunk:
                return None, chunk.get("error") or "push error"
            aux = chunk.get("aux")
            if isinstance(aux, dict) and aux.get("Digest"):
                digest = aux["Digest"]
    except docker.errors.APIError as exc:
        return None, _one_line(exc)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if digest:
        log(f"pushed {repository}:{tag} -> {digest}")
    return digest, None


@dataclass
class Container:
    """A running smoke-test container: id, and how to read its logs and state."""

    client: object
    id: str

    def status(self) -> str:
        c = self.client.containers.get(self.id)
        return c.status

    def logs(self, tail: int = 20) -> str:
        c = self.client.containers.get(self.id)
        return c.logs(tail=tail).decode("utf-8", "replace")

    def remove(self) -> None:
        try:
            self.client.containers.get(self.id).remove(force=True)
        except docker.errors.APIError:
            pass


def run_detached(client, image: str, command: list[str], env: dict[str, str],
                 name: str | None = None, labels: dict[str, str] | None = None,
                 gpu: bool = False) -> Container:
    """Start ``image`` with host networking (the only network here) and return its handle;
    ``gpu`` asks the engine for every GPU (``--gpus all``)."""
    kwargs: dict = {}
    if gpu:
        kwargs["device_requests"] = [docker.types.DeviceRequest(count=-1,
                                                                 capabilities=[["gpu"]])]
    c = None
    try:
        c = client.containers.create(
            image, command=command, environment=env, network_mode="host", name=name,
            labels=labels or {}, **kwargs,
        )
        c.start()
    except docker.errors.APIError as exc:
        if c is not None:  # created, but it could not start (no GPU, ...): not left behind
            Container(client, c.id).remove()
        raise EngineError(f"could not start a container of {image}: {_one_line(exc)}") from None
    return Container(client, c.id)


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "explanation", None) or str(exc)
    return " ".join(str(text).split())


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return (lines[-1] if lines else str(text))[:400]
