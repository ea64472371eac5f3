"""A small client for the OCI distribution API: read tags, manifests and labels, retag.

Used to find an image that already carries a build key and to move tags to it without a
build or a pull. Credentials come from the environment (``DEEPOC_REGISTRY_USERNAME`` and
``DEEPOC_REGISTRY_PASSWORD``) or from the Docker config (``$DOCKER_CONFIG/config.json`` or
``~/.docker/config.json``), never from the command line, and are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from deepoc.errors import DeepOCError

MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
SINGLE_TYPES = MANIFEST_TYPES[:2]


class RegistryError(DeepOCError):
    """The registry could not be reached or refused a request."""


@dataclass(frozen=True)
class ImageRef:
    """``registry/prefix/image`` split into the registry host and the repository path."""

    registry: str
    repository: str

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"


def split_image(full: str) -> ImageRef:
    """Split ``localhost:5000/deephdc/x`` into host ``localhost:5000`` and ``deephdc/x``."""
    host, _, repo = full.partition("/")
    if not repo or not ("." in host or ":" in host or host == "localhost"):
        raise DeepOCError(
            f"registry in image name {full!r} is not a host: pass --registry HOST[:PORT][/PREFIX]"
        )
    return ImageRef(host, repo)


def credentials(registry: str) -> tuple[str, str] | None:
    """Username and password for ``registry`` from the environment or the Docker config."""
    user = os.environ.get("DEEPOC_REGISTRY_USERNAME")
    password = os.environ.get("DEEPOC_REGISTRY_PASSWORD")
    if user and password:
        return user, password
    cfg_dir = os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")
    try:
        cfg = json.loads((Path(cfg_dir) / "config.json").read_text())
    except (OSError, ValueError):
        return None
    for key, entry in (cfg.get("auths") or {}).items():
        host = re.sub(r"^https?://", "", key).split("/")[0]
        if host == registry and isinstance(entry, dict) and entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except ValueError:
                return None
            return user, password
    return None


def is_insecure(registry: str) -> bool:
    """Loopback registries speak plain HTTP, as the Docker engine assumes too."""
    host = registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")


class Registry:
    """One registry host; tokens are cached per repository scope."""

    def __init__(self, registry: str, timeout: float = 15.0) -> None:
        self.registry = registry
        scheme = "http" if is_insecure(registry) else "https"
        self.base = f"{scheme}://{registry}"
        self.timeout = timeout
        self._tokens: dict[str, str] = {}

    # -- transport ---------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        repo: str,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        push: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        url = self.base + path
        hdrs = dict(headers or {})
        scope = f"repository:{repo}:{'pull,push' if push else 'pull'}"
        for attempt in range(2):
            if scope in self._tokens:
                hdrs["Authorization"] = self._tokens[scope]
            req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return resp.status, dict(resp.headers.items()), resp.read()
            except urllib.error.HTTPError as exc:
                body = exc.read()
                if exc.code == 401 and attempt == 0:
                    self._tokens[scope] = self._authorize(
                        exc.headers.get("WWW-Authenticate", ""), scope
                    )
                    continue
                return exc.code, dict(exc.headers.items()), body
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise RegistryError(
                    f"registry {self.registry} did not answer ({reason}): "
                    "check that it runs and that --registry is right"
                ) from None
        raise RegistryError(f"registry {self.registry} refused the credentials for {repo}")

    def _authorize(self, challenge: str, scope: str) -> str:
        creds = credentials(self.registry)
        basic = None
        if creds:
            basic = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        if challenge.lower().startswith("basic"):
            if not basic:
                raise RegistryError(
                    f"registry {self.registry} needs credentials: set DEEPOC_REGISTRY_USERNAME "
                    "and DEEPOC_REGISTRY_PASSWORD or run `docker login`"
                )
            return basic
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", None)
        if not realm:
            raise RegistryError(f"registry {self.registry} sent an unknown auth challenge")
        params["scope"] = scope
        req = urllib.request.Request(realm + "?" + urllib.parse.urlencode(params))
        if basic:
            req.add_header("Authorization", basic)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                body = json.loads(resp.read())
        except (urllib.error.URLError, OSError, ValueError):
            raise RegistryError(
                f"registry {self.registry}: could not get a token; check the credentials"
            ) from None
        return "Bearer " + (body.get("token") or body.get("access_token") or "")

    # -- API ---------------------------------------------------------------------------------
    def ping(self) -> None:
        """Raise RegistryError unless the registry answers ``GET /v2/`` (200 or 401)."""
        url = self.base + "/v2/"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout):
                return
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                return
            raise RegistryError(
                f"registry {self.registry} answered HTTP {exc.code} on /v2/"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryError(f"registry {self.registry} did not answer ({reason})") from None

    def tags(self, repo: str) -> list[str]:
        """All tags of ``repo`` (empty when the repository does not exist yet)."""
        status, _, body = self._request("GET", f"/v2/{repo}/tags/list?n=10000", repo)
        if status == 404:
            return []
        if status != 200:
            raise RegistryError(f"registry {self.registry}: listing tags of {repo} gave {status}")
        return list(json.loads(body).get("tags") or [])

    def manifest(self, repo: str, ref: str) -> tuple[bytes, str, str] | None:
        """``(bytes, media type, digest)`` of a tag or digest, or None when it does not exist."""
        status, headers, body = self._request(
            "GET", f"/v2/{repo}/manifests/{ref}", repo, {"Accept": ", ".join(MANIFEST_TYPES)}
        )
        if status == 404:
            return None
        if status != 200:
            raise RegistryError(f"registry {self.registry}: manifest {repo}:{ref} gave {status}")
        headers = {k.lower(): v for k, v in headers.items()}
        ctype = headers.get("content-type", "").split(";")[0]
        digest = headers.get("docker-content-digest") or _sha256(body)
        return body, ctype, digest

    def digest(self, repo: str, ref: str) -> str | None:
        """The manifest digest a tag points at, or None."""
        got = self.manifest(repo, ref)
        return got[2] if got else None

    def labels(self, repo: str, ref: str) -> dict[str, str] | None:
        """The image config labels of a tag or digest (None for missing or multi-arch)."""
        got = self.manifest(repo, ref)
        if not got or got[1] not in SINGLE_TYPES:
            return None
        config = json.loads(got[0]).get("config", {}).get("digest")
        if not config:
            return None
        status, _, body = self._request("GET", f"/v2/{repo}/blobs/{config}", repo)
        if status != 200:
            return None
        return (json.loads(body).get("config") or {}).get("Labels") or {}

    def put_tag(self, repo: str, tag: str, manifest: bytes, media_type: str) -> str:
        """Point ``tag`` at an existing manifest (same repository): a retag without a pull."""
        status, headers, body = self._request(
            "PUT",
            f"/v2/{repo}/manifests/{tag}",
            repo,
            {"Content-Type": media_type},
            data=manifest,
            push=True,
        )
        if status not in (200, 201):
            raise RegistryError(
                f"registry {self.registry}: tagging {repo}:{tag} gave {status} "
                f"{body[:200].decode(errors='replace').strip()}"
            )
        headers = {k.lower(): v for k, v in headers.items()}
        return headers.get("docker-content-digest") or _sha256(manifest)


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
