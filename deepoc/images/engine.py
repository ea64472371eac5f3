"""The Docker engine edge (Docker SDK): build, tag, run, remove and push images.

Everything here talks to a real engine; the decisions (what to build, which tags) live in
``builder``. Push credentials come from the environment or the Docker config, never argv.
"""

from __future__ import annotations

import io
import os
import re
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
            f"Docker engine at {where} did not answer ({type(exc).__name__}): start dockerd "
            "(scripts/services/dockerd.sh start DIR) and set DOCKER_HOST"
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
    """Build from a tar build context with host networking; returns the image ID."""
    started = time.monotonic()
    image = None
    error = None
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
                text = chunk["stream"].rstrip("\n")
                if text:
                    log(text)
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
        raise EngineError(f"docker build failed: {_last_line(error or 'no image produced')}")
    log(f"built {image} in {time.monotonic() - started:.1f}s")
    return client.images.get(image).id


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


def run_detached(client, image: str, command: list[str], env: dict[str, str]) -> Container:
    """Start ``image`` with host networking (the only network here) and return its handle."""
    try:
        c = client.containers.run(
            image, command=command, environment=env, network_mode="host", detach=True
        )
    except docker.errors.APIError as exc:
        raise EngineError(f"could not start a container of {image}: {_one_line(exc)}") from None
    return Container(client, c.id)


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "explanation", None) or str(exc)
    return " ".join(str(text).split())


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return (lines[-1] if lines else str(text))[:400]
