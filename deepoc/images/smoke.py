"""Smoke test: prove an image serves the DEEPaaS API before anything is pushed.

The image runs with host networking (the only network on these engines) on a free loopback
port passed on its command line; ``GET /v2/models/`` must list a model with a name, an author
and a license, as the DEEP and AI4OS CI checked. The container is always removed.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from deepoc.errors import DeepOCError
from deepoc.images import engine

DEFAULT_TIMEOUT = float(os.environ.get("DEEPOC_SMOKE_TIMEOUT", "120"))


class SmokeError(DeepOCError):
    """The image did not serve the DEEPaaS API as expected."""


@dataclass
class SmokeResult:
    """What the API said: the models' names, authors and licenses."""

    models: list[dict]
    seconds: float


def free_port() -> int:
    """A port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(port: int) -> list[str]:
    """The DEEPaaS command line the smoke test runs (listening on loopback only)."""
    return ["deepaas-run", "--listen-ip", "127.0.0.1", "--listen-port", str(port)]


def check_models(payload: object) -> list[dict]:
    """The models of a ``/v2/models/`` answer that carry a name, an author and a license field.

    The license may be empty (a module made with "no license" has none to report).
    """
    if not isinstance(payload, dict):
        return []
    models = payload.get("models") or []
    ok = []
    for m in models if isinstance(models, list) else []:
        if (
            isinstance(m, dict)
            and all(isinstance(m.get(k), str) and m[k].strip() for k in ("name", "author"))
            and isinstance(m.get("license"), str)  # may be empty: a module with no license
        ):
            ok.append({k: m[k] for k in ("name", "author", "license")})
    return ok


def smoke_test(client, image: str, log: engine.Log, timeout: float | None = None) -> SmokeResult:
    """Run ``image``, wait for its models list, remove it; raise SmokeError with the reason."""
    port = free_port()
    log(f"smoke test: {' '.join(command(port))}")
    container = engine.run_detached(client, image, command(port), {"DEEPAAS_PORT": str(port)})
    try:
        return wait_for_models(container, port, log, timeout)
    finally:
        container.remove()


def wait_for_models(container: engine.Container, port: int, log: engine.Log,
                    timeout: float | None = None) -> SmokeResult:
    """The smoke test's check on a running container serving on 127.0.0.1:``port``: wait
    until ``GET /v2/models/`` lists a model with a name, an author and a license; raise
    SmokeError (with the container's last lines) if it exits or the time runs out."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    url = f"http://127.0.0.1:{port}/v2/models/"
    log(f"smoke test: waiting for {url}")
    started = time.monotonic()
    last = "no answer"
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=3) as resp:
                body = resp.read()
            try:
                payload = json.loads(body)
            except ValueError:
                last = "the answer is not JSON"
            else:
                models = check_models(payload)
                if models:
                    took = time.monotonic() - started
                    for m in models:
                        log(f"smoke test: model {m['name']!r} by {m['author']!r} "
                            f"({m['license']}) answered after {took:.1f}s")
                    return SmokeResult(models, took)
                last = "GET /v2/models/ lists no model with a name, author and license"
        except urllib.error.HTTPError as exc:
            last = f"GET /v2/models/ answered HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = f"no answer ({getattr(exc, 'reason', exc)})"
        status = container.status()
        if status in ("exited", "dead"):
            tail = " | ".join(container.logs(5).strip().splitlines()[-3:])
            log(f"smoke test: container logs:\n{container.logs(40)}")
            raise SmokeError(f"smoke test: the container exited before answering: {tail}")
        time.sleep(0.5)
    log(f"smoke test: container logs:\n{container.logs(40)}")
    raise SmokeError(f"smoke test: {last} within {timeout:.0f}s")
