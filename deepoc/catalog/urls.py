"""Git URL normalisation and module naming: pure functions, no I/O.

Catalog entries are typed by hand in pull requests, and the real DEEP-OC catalog merged
``.../repo/``, ``.../repo.git``, ``.../repo/tree/master`` and ``deep-oc`` in place of
``DEEP-OC``. One normal form makes duplicates visible and keeps module names stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "UrlDefect",
    "defects",
    "identity",
    "is_url",
    "module_name",
    "normalise_url",
    "url_kind",
]

# Hosts whose repository paths are case-insensitive: there, ``deep-oc`` can be rewritten.
CASE_INSENSITIVE_HOSTS = frozenset({"github.com", "www.github.com", "gitlab.com"})
NETWORK_SCHEMES = frozenset({"http", "https", "ssh", "git", "git+ssh", "ssh+git"})

_SCP_RE = re.compile(
    r"^(?:(?P<user>[A-Za-z0-9._-]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>(?!//).+)$"
)
# A web-UI suffix pasted from the browser: /tree/<branch>, /blob/<branch>/..., GitLab's /-/tree/..
_WEB_SUFFIX_RE = re.compile(r"(?:/-)?/(?:tree|blob|commits?|branches)(?:/.*)?$")
_DEEP_OC_RE = re.compile(r"(?:^|(?<=[-_/]))deep-oc(?=[-_]|$)", re.IGNORECASE)
_NAME_BAD = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class UrlDefect:
    """One thing wrong with how a URL is written, and whether ``normalise_url`` repairs it."""

    code: str
    message: str


def url_kind(url: str) -> str | None:
    """Classify ``url``: 'network' (https, ssh, git://, scp-like), 'file' (file://),
    'path' (absolute or ./ ../ ~ relative local path) or None when it is not a git URL."""
    u = url.strip()
    if not u or any(c.isspace() for c in u):
        return None
    if "://" in u:
        try:
            parts = urlsplit(u)
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme == "file":
            return "file" if parts.path not in ("", "/") else None
        if scheme in NETWORK_SCHEMES and parts.hostname and parts.path.strip("/"):
            return "network"
        return None
    if u.startswith(("/", "./", "../", "~/")) or u in (".", ".."):
        return "path"
    m = _SCP_RE.match(u)
    # scp-like 'user@host:path' or 'host.domain:path' (a bare 'C:' or 'mailto:' is not)
    if m and "/" not in u.split(":", 1)[0] and (m["user"] or "." in m["host"]):
        return "network"
    return None


def is_url(url: str) -> bool:
    """True when ``url`` is something ``git ls-remote`` can be pointed at."""
    return url_kind(url) is not None


def _split_network(url: str) -> tuple[str, str, str, str]:
    """(form, prefix, host, path) for a network URL: form is 'url' or 'scp'."""
    if "://" in url:
        parts = urlsplit(url)
        netloc = parts.netloc
        host = (parts.hostname or "").lower()
        if "@" in netloc:
            user, _, hostport = netloc.rpartition("@")
            netloc = f"{user}@{hostport.lower()}"
        else:
            netloc = netloc.lower()
        prefix = urlunsplit((parts.scheme.lower(), netloc, "", "", ""))
        return "url", prefix, host, parts.path
    m = _SCP_RE.match(url)
    assert m is not None
    user = f"{m['user']}@" if m["user"] else ""
    host = m["host"].lower()
    return "scp", f"{user}{host}:", host, m["path"]


def _clean_path(path: str, host: str, network: bool) -> str:
    if network:
        path = _WEB_SUFFIX_RE.sub("", path) if host in CASE_INSENSITIVE_HOSTS else path
        path = path.rstrip("/")
        while path.endswith(".git"):
            path = path[: -len(".git")].rstrip("/")
        if host in CASE_INSENSITIVE_HOSTS:
            head, _, last = path.rpartition("/")
            last = _DEEP_OC_RE.sub("DEEP-OC", last)
            path = f"{head}/{last}" if head or path.startswith("/") else last
    else:
        path = path.rstrip("/") or "/"
    return path


def normalise_url(url: str) -> str:
    """The canonical spelling of a catalog URL (what catalog.json records).

    Surrounding whitespace and trailing slashes go; for network URLs a trailing ``.git``
    goes, and on GitHub/GitLab a pasted ``/tree/<branch>`` suffix goes and ``deep-oc`` in
    the repository name becomes ``DEEP-OC``. The scheme is kept (an ssh URL stays ssh);
    local paths and ``file://`` URLs keep their case and ``.git`` (they name a directory).
    A string that is not a git URL comes back stripped, unchanged otherwise.
    """
    u = url.strip()
    kind = url_kind(u)
    if kind is None:
        return u
    if kind == "network":
        _form, prefix, host, path = _split_network(u)
        path = _clean_path(path, host, network=True)
        return prefix + path
    if kind == "file":
        parts = urlsplit(u)
        path = _clean_path(parts.path, "", network=False)
        return urlunsplit(("file", parts.netloc, path, "", ""))
    return _clean_path(u, "", network=False)


def identity(url: str) -> str:
    """A key equal for two URLs naming the same repository (duplicate detection).

    ``https://github.com/o/r``, ``git@github.com:o/r.git`` and ``ssh://git@github.com/o/r``
    share one key; on case-insensitive hosts the path is folded to lower case.
    """
    u = normalise_url(url)
    kind = url_kind(u)
    if kind == "network":
        form, _prefix, host, path = _split_network(u)
        path = "/" + path.lstrip("/")
        port = urlsplit(u).port if form == "url" else None
        if port is not None:
            host = f"{host}:{port}"
        if host in CASE_INSENSITIVE_HOSTS:
            path = path.lower()
            host = host.removeprefix("www.")
        return f"{host}{path}"
    if kind == "file":
        return "file:" + urlsplit(u).path
    return "path:" + u


def defects(url: str) -> list[UrlDefect]:
    """How the spelling of ``url`` differs from its normal form, one defect per cause."""
    raw = url
    found: list[UrlDefect] = []
    if raw != raw.strip():
        found.append(UrlDefect("whitespace", "URL has leading or trailing whitespace"))
    u = raw.strip()
    kind = url_kind(u)
    if kind is None:
        return found
    if kind == "network":
        _form, _prefix, host, path = _split_network(u)
        if host in CASE_INSENSITIVE_HOSTS and _WEB_SUFFIX_RE.search(path):
            m = _WEB_SUFFIX_RE.search(path)
            assert m is not None
            found.append(UrlDefect("web-suffix", f"URL ends with a web page suffix '{m.group(0)}'"))
            path = path[: m.start()]
        if path.rstrip("/").endswith(".git"):
            found.append(UrlDefect("dot-git", "URL ends with '.git'"))
        if path.endswith("/"):
            found.append(UrlDefect("trailing-slash", "URL ends with '/'"))
        if host in CASE_INSENSITIVE_HOSTS:
            last = path.rstrip("/").removesuffix(".git").rpartition("/")[2]
            for m in _DEEP_OC_RE.finditer(last):
                if m.group(0) != "DEEP-OC":
                    found.append(
                        UrlDefect("deep-oc-case", f"'{m.group(0)}' should be spelled 'DEEP-OC'")
                    )
                    break
    else:
        path = urlsplit(u).path if kind == "file" else u
        if path.endswith("/") and path.rstrip("/"):
            found.append(UrlDefect("trailing-slash", "URL ends with '/'"))
    if not found and normalise_url(u) != u:
        found.append(UrlDefect("spelling", "URL is not in normal form"))
    return found


def module_name(url: str) -> str:
    """The module name a catalog entry gets: stable (from the URL alone), URL- and tag-safe.

    ``.../DEEP-OC-dogs_breed_det`` -> ``dogs_breed_det``; any other repository name is
    lower-cased as is (``UC-me-DEEP-OC-unet`` -> ``uc-me-deep-oc-unet``), so entries that
    differ only by owner prefix keep distinct names. Characters outside ``[a-z0-9._-]``
    become ``-``.
    """
    u = normalise_url(url)
    kind = url_kind(u)
    if kind == "network":
        path = _split_network(u)[3]
    elif kind == "file":
        path = urlsplit(u).path
    else:
        path = u
    last = path.rstrip("/").rpartition("/")[2]
    last = last.removesuffix(".git") or last
    if last.lower().startswith("deep-oc-") and len(last) > len("deep-oc-"):
        last = last[len("deep-oc-") :]
    name = _NAME_BAD.sub("-", last.lower()).strip("-.")
    return name or "module"


def owner(url: str) -> str:
    """The path segment before the repository name (used only to break name collisions)."""
    u = normalise_url(url)
    kind = url_kind(u)
    path = _split_network(u)[3] if kind == "network" else urlsplit(u).path if kind else u
    parts = [p for p in path.split("/") if p]
    return _NAME_BAD.sub("-", parts[-2].lower()).strip("-.") if len(parts) >= 2 else ""
