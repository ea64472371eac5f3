"""Which git URLs an API answer may send deep-oc to, and so which host gets the token.

Why: ``clone_url`` comes from the API's answer. Used as is, an answer of
``--upload-pack=touch /tmp/x`` is an option to ``git ls-remote`` (it runs a command), and
``https://elsewhere.example/x.git`` gets the GitHub token offered by the credential helper.
So a clone URL is used only when it is an http(s) URL on the git host that belongs to the
API (github.com for api.github.com, the same host for GitHub Enterprise), and git is always
given it after ``--``. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from deepoc.errors import DeepOCError


@dataclass(frozen=True)
class GitHost:
    """Scheme and ``host[:port]`` that serve the git repositories of an API."""

    scheme: str
    netloc: str

    @property
    def prefix(self) -> str:
        """What a credential helper is scoped to (``credential.<prefix>.helper``)."""
        return f"{self.scheme}://{self.netloc}"


def git_host(api_url: str) -> GitHost:
    """The git host of an API address (already checked by ``check_api_url``):
    ``api.github.com`` serves git at ``github.com``, ``api.<x>`` (GHE.com) at ``<x>``,
    GitHub Enterprise Server (``/api/v3``) at its own host."""
    parts = urlsplit(api_url)
    host = (parts.hostname or "").lower()
    if host.startswith("api.") and host.count(".") >= 2:
        host = host[len("api."):]
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):  # IPv6 literal
        netloc = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    return GitHost(parts.scheme.lower(), netloc)


def check_clone_url(url: object, api_url: str, what: str) -> str:
    """``url`` if git may use it with the token, else a DeepOCError saying why."""
    host = git_host(api_url)
    shown = repr(url)[:200]
    if not isinstance(url, str) or not url:
        raise DeepOCError(f"{what}: the API answered no clone_url")
    bad_char = any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if bad_char or parts is None or url.startswith("-"):
        raise DeepOCError(f"{what}: the API answered clone_url {shown}, which is not a URL: "
                          "refusing to pass it to git")
    netloc = (parts.hostname or "").lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.scheme.lower() != host.scheme or netloc != host.netloc:
        raise DeepOCError(f"{what}: the API answered clone_url {shown}, which is not on "
                          f"{host.prefix}: refusing it (the token goes only to the API's git "
                          "host)")
    if parts.username is not None or parts.password is not None:
        raise DeepOCError(f"{what}: the API answered clone_url {shown} with credentials in "
                          "it: refusing it")
    if not parts.path.strip("/") or parts.query or parts.fragment:
        raise DeepOCError(f"{what}: the API answered clone_url {shown}, which names no "
                          "repository: refusing it")
    return url
