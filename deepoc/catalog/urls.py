"""Git URL normalisation and module naming: pure functions, no I/O.

Catalog entries are typed by hand in pull requests, and the real DEEP-OC catalog merged
``.../repo/``, ``.../repo.git``, ``.../repo/tree/master`` and ``deep-oc`` in place of
``DEEP-OC``. One normal form makes duplicates visible and keeps module names stable.
"""

from __future__ import annotations

import functools
import ipaddress
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = [
    "ALLOWED_SCHEMES",
    "UrlDefect",
    "defects",
    "git_protocols",
    "identity",
    "is_local",
    "is_url",
    "module_name",
    "name_from",
    "normalise_url",
    "refusal",
    "url_kind",
]

# Hosts whose repository paths are case-insensitive: there, ``deep-oc`` can be rewritten.
CASE_INSENSITIVE_HOSTS = frozenset({"github.com", "www.github.com", "gitlab.com"})
NETWORK_SCHEMES = frozenset({"http", "https", "ssh", "git", "git+ssh", "ssh+git"})
#: the URL forms a catalog entry may use by default (scp-style ``git@host:org/repo`` is ssh)
ALLOWED_SCHEMES = ("https", "ssh", "git")
#: default ports, dropped when comparing URLs
_DEFAULT_PORTS = {"https": 443, "ssh": 22, "git": 9418}
_HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*$")
_LOCAL_FLAG = "--allow-local"

_SCP_RE = re.compile(
    r"^(?:(?P<user>[A-Za-z0-9._-]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>(?!//).+)$"
)
# A web-UI suffix pasted from the browser: /tree/<branch>, /blob/<branch>/..., GitLab's /-/tree/..
_WEB_SUFFIX_RE = re.compile(r"(?:/-)?/(?:tree|blob|commits?|branches)(?:/.*)?$")
_DEEP_OC_RE = re.compile(r"(?:^|(?<=[-_/]))deep-oc(?=[-_]|$)", re.IGNORECASE)
_NAME_BAD = re.compile(r"[^a-z0-9._-]+")


#: these are pure functions of a string, called many times per entry by lint, sync and
#: import: each answer is kept (bounded) rather than recomputed
_memo = functools.lru_cache(maxsize=8192)


@dataclass(frozen=True)
class UrlDefect:
    """One thing wrong with how a URL is written, and whether ``normalise_url`` repairs it."""

    code: str
    message: str


@_memo
def url_kind(url: str) -> str | None:
    """Classify ``url``: 'network' (https, ssh, git://, scp-like), 'file' (file://),
    'path' (absolute or ./ ../ ~ relative local path) or None when it is not a git URL."""
    u = url.strip()
    # every whitespace character but the space is also not printable (str.isprintable)
    if not u or " " in u or not u.isprintable():
        return None
    if u.startswith("-") or ("::" in u and "://" not in u.split("::", 1)[0]):
        return None  # an option to git, or <transport>::<address> (a remote helper)
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


def _host_problem(host: str) -> str | None:
    if not host:
        return "has no host"
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    if not _HOST_RE.match(host.lower()):
        return f"host {host!r} is not a host name"
    return None


def _is_loopback(host: str) -> bool:
    h = host.strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or ip.is_unspecified or bool(mapped and mapped.is_loopback)


def is_local(url: str) -> bool:
    """Does ``url`` name a repository on this machine (a path, ``file://``, a loopback host)?"""
    u = url.strip()
    kind = url_kind(u)
    if kind in ("path", "file"):
        return True
    if kind == "network":
        return _is_loopback(_split_network(u)[2])
    return False


@_memo
def refusal(url: str, allow_local: bool = False) -> str | None:
    """Why a catalog entry's URL is refused by the URL policy, or None when it is allowed.

    A catalog entry comes from a module author's pull request, and sync runs git on it on
    the CI host. Allowed by default: ``https://``, ``ssh://``/scp-style (``git@host:org/repo``)
    and ``git://`` on a real host name or address. Refused always: git's
    ``<transport>::<address>`` syntax (``ext::`` runs a command), anything starting with
    ``-`` (git would read an option), other schemes (``http://``, ``ext://``, ``fd``...).
    Refused unless the operator passes ``--allow-local``: local paths, ``file://`` and
    loopback hosts (``localhost``, ``127.0.0.1``, ``::1``), which read the CI host itself.
    A string that is no URL at all gets None here (``is_url`` says so).
    """
    u = url.strip()
    if u.startswith("-"):
        return "starts with '-', which git would read as an option"
    head = u.split("://", 1)[0] if "://" in u else u
    if "::" in head:
        helper = head.split("::", 1)[0] or "(empty)"
        return (f"git's transport syntax '{helper}::' runs a remote helper (ext:: runs a "
                "command); write an https://, ssh:// or git:// URL")
    if "://" in u:
        scheme = u.split("://", 1)[0].lower()
        if scheme != "file" and scheme not in ALLOWED_SCHEMES:
            safe = "https" if scheme == "http" else None
            hint = f"write {safe}://" if safe else "use https://, ssh:// (or git@host:org/repo) " \
                "or git://"
            return f"URL scheme '{scheme}://' is not allowed; {hint}"
    kind = url_kind(u)
    if kind is None:
        return None
    if kind == "network":
        form, _prefix, host, _path = _split_network(u)
        if form == "url":
            parts = urlsplit(u)
            if parts.username and parts.username.startswith("-"):
                return "user name starts with '-', which ssh would read as an option"
            try:
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError:
                return "port is not a number from 0 to 65535"
        why = _host_problem(host)
        if why:
            return why
    if not allow_local and is_local(u):
        where = {"path": "a local path", "file": "a file:// URL"}.get(kind or "", "a loopback host")
        return (f"{where} reads a repository on the machine running the catalog; only the "
                f"operator may allow it ({_LOCAL_FLAG})")
    return None


def git_protocols(allow_local: bool = False) -> str:
    """The ``GIT_ALLOW_PROTOCOL`` value matching the URL policy (git refuses all others)."""
    return ":".join(ALLOWED_SCHEMES + (("file",) if allow_local else ()))


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


@_memo
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


@_memo
def identity(url: str) -> str:
    """A key equal for two URLs naming the same repository (duplicate detection).

    ``https://github.com/o/r``, ``git@github.com:o/r.git`` and ``ssh://git@github.com/o/r``
    share one key; on case-insensitive hosts the path is folded to lower case.
    """
    u = normalise_url(url)
    kind = url_kind(u)
    if kind == "network":
        form, _prefix, host, path = _split_network(u)
        path = _resolve_segments("/" + path.lstrip("/"))
        try:
            port = urlsplit(u).port if form == "url" else None
        except ValueError:
            port = None
        scheme = urlsplit(u).scheme.lower() if form == "url" else "ssh"
        if port is not None and port != _DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port}"
        if host in CASE_INSENSITIVE_HOSTS:
            path = path.lower()
            host = host.removeprefix("www.")
        return f"{host}{path}"
    if kind == "file":
        return "local:" + _resolve_segments(unquote(urlsplit(u).path))
    if kind == "path":
        return "local:" + _resolve_segments(u)
    return "text:" + u


def _resolve_segments(path: str) -> str:
    """``path`` with ``.``/``..`` segments, repeated and trailing ``/`` and a final ``.git``
    resolved: the spellings git maps to one repository."""
    absolute = path.startswith("/")
    clean = posixpath.normpath(path) if path else path
    if absolute and clean.startswith("//"):
        clean = "/" + clean.lstrip("/")
    while clean.endswith(".git") and len(clean) > len(".git"):
        clean = clean[: -len(".git")].rstrip("/") or "/"
    return clean


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


@_memo
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
    return name_from(path) or "module"


def name_from(text: str) -> str:
    """The module name a repository name or path gives (``module_name``'s rule, also used
    for a ``.gitmodules`` submodule name): its last ``/`` segment without ``.git`` and
    a ``DEEP-OC-`` prefix, lower-cased, characters outside ``[a-z0-9._-]`` as ``-``;
    "" when nothing is left."""
    last = text.rstrip("/").rpartition("/")[2]
    last = last.removesuffix(".git") or last
    if last.lower().startswith("deep-oc-") and len(last) > len("deep-oc-"):
        last = last[len("deep-oc-") :]
    return _NAME_BAD.sub("-", last.lower()).strip("-.")


def owner(url: str) -> str:
    """The path segment before the repository name (used only to break name collisions)."""
    u = normalise_url(url)
    kind = url_kind(u)
    path = _split_network(u)[3] if kind == "network" else urlsplit(u).path if kind else u
    parts = [p for p in path.split("/") if p]
    return _NAME_BAD.sub("-", parts[-2].lower()).strip("-.") if len(parts) >= 2 else ""
