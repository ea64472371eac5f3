"""The build key: what an image's content depends on, as one hash stored in a label.

Two builds with the same key make the same image, so an image carrying the key in the
registry is reused (tags moved to it) instead of rebuilt. The key covers:

- the code repo commit the build installs (``git ls-remote`` of ``code_repo`` at ``branch``),
  when the Dockerfile declares ``ARG code_repo``;
- the build context's content, by git blob ids, without ``metadata.json`` (the marketplace
  description is not in the image) unless the Dockerfile names it; when the Dockerfile has
  no ``COPY``/``ADD``/bind mount, only the Dockerfile itself can change the image;
- every build arg (``tag``, ``branch``, ``commit``, ``code_repo`` and build.json's extras),
  except ``code_repo`` when the build is given the exact ``commit``: the same commit fetched
  from another address (a mirror, ``deep-oc run``'s loopback server) is the same code;
- the base image's ID (a new base image means a rebuild).

Not covered, on purpose: the Docker repo commit (a metadata-only commit changes nothing
in the image), labels such as ``created``, and the build number.
"""

from __future__ import annotations

import hashlib
import json
import re

KEY_LABEL = "io.deep-oc.build-key"
KEY_VERSION = 1
_READS_CONTEXT = re.compile(r"^\s*(COPY|ADD)\s|--mount=[^\s]*type=bind", re.I | re.M)
METADATA_FILES = ("metadata.json",)


def dockerfile_reads_context(dockerfile: str) -> bool:
    """True when the Dockerfile copies or mounts files from its build context."""
    return bool(_READS_CONTEXT.search(dockerfile))


_RUN_MOUNT = re.compile(r"^\s*RUN\s+(?:--\S+\s+)*--mount=", re.I | re.M)


def dockerfile_needs_buildkit(dockerfile: str) -> bool:
    """True when the Dockerfile has ``RUN --mount=...`` (a build secret, a cache or bind
    mount), which the engine's legacy builder refuses."""
    return bool(_RUN_MOUNT.search(dockerfile))


def dockerfile_declares_arg(dockerfile: str, name: str) -> bool:
    """True when the Dockerfile has ``ARG name`` (with or without a default)."""
    return bool(re.search(rf"^\s*ARG\s+{re.escape(name)}(\s|=|$)", dockerfile, re.M | re.I))


def context_identity(
    entries: list[tuple[str, str, str]], dockerfile: str, dockerfile_path: str = "Dockerfile"
) -> list[tuple[str, str, str]]:
    """The part of the context that can change the image (see the module docstring)."""
    if not dockerfile_reads_context(dockerfile):
        return [e for e in entries if e[2] in (dockerfile_path, ".dockerignore")]
    keep_metadata = any(name in dockerfile for name in METADATA_FILES)
    return sorted(e for e in entries if keep_metadata or e[2] not in METADATA_FILES)


def build_key(
    *,
    code_commit: str | None,
    context: list[tuple[str, str, str]],
    buildargs: dict[str, str],
    base_image_id: str,
) -> str:
    """``sha256:<hex>`` over the inputs above, stable across runs and machines."""
    doc = {
        "version": KEY_VERSION,
        "code_commit": code_commit,
        "context": [list(e) for e in sorted(context)],
        "buildargs": dict(sorted(buildargs.items())),
        "base": base_image_id,
    }
    data = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()
