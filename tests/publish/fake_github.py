"""A small stand-in for the GitHub REST API on 127.0.0.1, for the publish tests.

It implements only the endpoints ``deepoc.publish`` calls, with the checks GitHub makes on
them (token, required fields, names, topics, default branch, pull-request heads), and its
repositories are local bare git repositories served over smart HTTP by the real
``git http-backend`` on the same host and port (``clone_url`` is
``http://127.0.0.1:P/<owner>/<name>.git``, Basic auth with the token, as GitHub Enterprise
does), so real ``git push`` and ``git ls-remote`` work against them and only a token given to
that host gets in. It serves the API under ``/api/v3`` like GitHub Enterprise, so the
client's base-URL prefix handling is exercised too. ``git_auth`` records the credentials
every git request carried; ``clone_url_override`` makes the API answer a hostile clone_url.

Test hooks: ``fail(method, path_regex, status, times)`` injects errors (5xx, 401, 403 rate
limit with ``X-RateLimit-Reset``), ``fail_next_push(full_name)`` makes the next push to a
repository fail once (a ``pre-receive`` hook that deletes itself), ``requests`` records
every call, ``fork_ready_after`` delays a fork's branches like GitHub's asynchronous forks.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

PREFIX = "/api/v3"
_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


def user_id(login: str) -> int:
    """A stable numeric id per login (GitHub's noreply e-mails use it)."""
    return zlib.crc32(login.encode()) % 10**6


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


@dataclass
class Repo:
    owner: str
    name: str
    path: Path
    private: bool = False
    description: str | None = None
    topics: list[str] = field(default_factory=list)
    default_branch: str = "main"
    parent: str | None = None  # full name of the repository this is a fork of
    id: int = 0
    fork_polls_left: int = 0  # branch lookups answering 404 until the fork is "ready"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def heads(self) -> dict[str, str]:
        out = _git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads",
                   cwd=self.path).stdout
        return dict(line.split(" ", 1) for line in out.splitlines() if line.strip())


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    body: dict[str, Any]
    headers: dict[str, str]
    after: bool = False  # True: carry the request out, then answer the error anyway


class FakeGitHub:
    """The server and its state; start() binds a free port on 127.0.0.1."""

    def __init__(self, root: Path, token: str, user: str = "alice",
                 orgs: dict[str, set[str]] | None = None) -> None:
        self.root = root
        self.token = token
        self.user = user
        self.orgs = orgs if orgs is not None else {"deephdc": {user}}
        self.repos: dict[str, Repo] = {}
        self.pulls: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.failures: list[Failure] = []
        self.fork_ready_after = 1
        self.fail_first_push: set[str] = set()  # full names whose first push fails
        self._lock = threading.Lock()
        self._next_id = 1000
        self.git_auth: list[str | None] = []  # Authorization header of each git request
        self.clone_url_override: str | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    # --- test hooks ---------------------------------------------------------------------
    def fail(self, method: str, path: str, status: int, times: int = 1,
             body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
             after: bool = False) -> None:
        """The next ``times`` requests matching METHOD and the path regex answer ``status``.

        ``after=True`` carries the request out first (a gateway timing out on a request the
        backend finished), which is what makes retried POSTs interesting.
        """
        self.failures.append(Failure(method, re.compile(path), status, times,
                                     body or {"message": "Server Error"}, headers or {}, after))

    def rate_limit(self, reset: int, method: str = ".*", path: str = ".*", times: int = 1) -> None:
        self.fail(method, path, 403, times,
                  {"message": "API rate limit exceeded for user ID 1.",
                   "documentation_url": "https://docs.github.com/rest/rate-limit"},
                  {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": str(reset), "X-RateLimit-Resource": "core"})

    def fail_next_push(self, full_name: str) -> None:
        hook = self.repos[full_name.lower()].path / "hooks" / "pre-receive"
        hook.write_text('#!/bin/sh\nrm -f "$0"\necho "injected failure" >&2\nexit 1\n')
        hook.chmod(0o755)

    def add_repo(self, owner: str, name: str, **kw: Any) -> Repo:
        path = self.root / "git" / owner / f"{name}.git"
        path.parent.mkdir(parents=True, exist_ok=True)
        _git("init", "--quiet", "--bare", "--initial-branch=main", str(path))
        self._next_id += 1
        repo = Repo(owner, name, path, id=self._next_id, **kw)
        self.repos[repo.full_name.lower()] = repo
        if repo.full_name in self.fail_first_push:
            self.fail_next_push(repo.full_name)
        return repo

    def clone_url(self, repo: Repo) -> str:
        assert self._server
        return f"http://127.0.0.1:{self._server.server_address[1]}/{repo.full_name}.git"

    def mutating_requests(self) -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] not in ("GET", "HEAD")]

    # --- JSON shapes --------------------------------------------------------------------
    def base(self) -> str:
        return self.url

    def owner_json(self, login: str) -> dict[str, Any]:
        kind = "Organization" if login in self.orgs else "User"
        kind_path = "orgs" if kind == "Organization" else "users"
        return {"login": login, "id": user_id(login), "type": kind,
                "url": f"{self.base()}/{kind_path}/{login}",
                "html_url": f"https://github.example/{login}"}

    def repo_json(self, repo: Repo) -> dict[str, Any]:
        data = {
            "id": repo.id, "name": repo.name, "full_name": repo.full_name,
            "owner": self.owner_json(repo.owner), "private": repo.private,
            "description": repo.description, "fork": repo.parent is not None,
            "url": f"{self.base()}/repos/{repo.full_name}",
            "html_url": f"https://github.example/{repo.full_name}",
            "clone_url": self.clone_url_override or self.clone_url(repo),
            "default_branch": repo.default_branch,
            "topics": list(repo.topics), "visibility": "private" if repo.private else "public",
        }
        if repo.parent:
            data["parent"] = self.repo_json(self.repos[repo.parent.lower()])
            data["source"] = data["parent"]
        return data


def _validation(message: str, field_: str, code: str = "custom",
                resource: str = "Repository") -> tuple[int, dict[str, Any]]:
    return 422, {"message": "Validation Failed", "errors": [
        {"resource": resource, "code": code, "field": field_, "message": message}],
        "documentation_url": "https://docs.github.com/rest"}


def _not_found() -> tuple[int, dict[str, Any]]:
    return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        merged = {"Content-Type": "application/json; charset=utf-8",
                  "Content-Length": str(len(raw)), "X-RateLimit-Limit": "5000",
                  "X-RateLimit-Remaining": "4999",
                  "X-RateLimit-Reset": str(int(time.time()) + 3600)}
        merged.update(headers or {})
        for k, v in merged.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _git_http(self, method: str, path: str, query: str) -> None:
        """Smart HTTP through the real ``git http-backend`` (CGI), Basic auth by token."""
        fake = self.server_state
        auth = self.headers.get("Authorization")
        with fake._lock:
            fake.git_auth.append(auth)
        given = ""
        if auth and auth.lower().startswith("basic "):
            given = base64.b64decode(auth[6:]).decode("utf-8", "replace").partition(":")[2]
        if given != fake.token:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if not size:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = {"GIT_PROJECT_ROOT": str(fake.root / "git"), "GIT_HTTP_EXPORT_ALL": "1",
               "PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": method,
               "CONTENT_TYPE": self.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": "x-access-token",
               "REMOTE_ADDR": "127.0.0.1", "GATEWAY_INTERFACE": "CGI/1.1",
               "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
               "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""), "PATH": "/usr/bin:/bin"}
        proc = subprocess.run(["git", "http-backend"], input=body, env=env,
                              capture_output=True, check=False)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self, method: str) -> None:
        fake = self.server_state
        split = urlparse(self.path)
        if not split.path.startswith(PREFIX + "/") and ".git/" in split.path:
            self._git_http(method, unquote(split.path), split.query)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parsed = urlparse(self.path)
        path = unquote(parsed.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._send(400, {"message": "Problems parsing JSON"})
            return
        late = None
        with fake._lock:
            fake.requests.append((method, path, body))
            for failure in fake.failures:
                if failure.times > 0 and re.fullmatch(failure.method, method) \
                        and failure.path.search(path):
                    failure.times -= 1
                    if failure.after:
                        late = failure
                        break
                    self._send(failure.status, failure.body, failure.headers)
                    return
        auth = self.headers.get("Authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or given != fake.token:
            self._send(401, {"message": "Bad credentials",
                             "documentation_url": "https://docs.github.com/rest"})
            return
        if not path.startswith(PREFIX + "/"):
            self._send(*_not_found())
            return
        route = path[len(PREFIX):]
        with fake._lock:
            status, payload = _route(fake, method, route, query, body)
        if late is not None:
            self._send(late.status, late.body, late.headers)
            return
        self._send(status, payload)


def _route(fake: FakeGitHub, method: str, route: str, query: dict[str, str],
           body: Any) -> tuple[int, Any]:
    parts = [p for p in route.split("/") if p]
    if method == "GET" and parts == ["user"]:
        data = fake.owner_json(fake.user)
        data.update(name="Alice Example", email=None)
        return 200, data
    if method == "GET" and len(parts) == 2 and parts[0] == "orgs":
        org = parts[1]
        if org not in fake.orgs:
            return _not_found()
        return 200, fake.owner_json(org)
    if method == "POST" and (parts == ["user", "repos"]
                             or (len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos")):
        owner = fake.user if parts[0] == "user" else parts[1]
        if owner not in (fake.user,) and (owner not in fake.orgs):
            return _not_found()
        if owner in fake.orgs and fake.user not in fake.orgs[owner]:
            return 403, {"message": "You need admin access to the organization"}
        return _create_repo(fake, owner, body)
    if len(parts) >= 3 and parts[0] == "repos":
        repo = fake.repos.get(f"{parts[1]}/{parts[2]}".lower())
        if repo is None:
            return _not_found()
        return _repo_route(fake, repo, method, parts[3:], query, body)
    return _not_found()


def _create_repo(fake: FakeGitHub, owner: str, body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict) or "name" not in body:
        return _validation("name is missing", "name", code="missing_field")
    name = body["name"]
    if not isinstance(name, str) or not _NAME_RE.match(name):
        return _validation("name is invalid", "name", code="invalid")
    for key in ("description", "homepage"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            return _validation(f"{key} is not a string", key, code="invalid")
    for key in ("private", "auto_init", "has_wiki", "has_issues"):
        if key in body and not isinstance(body[key], bool):
            return _validation(f"{key} is not a boolean", key, code="invalid")
    if f"{owner}/{name}".lower() in fake.repos:
        return _validation("name already exists on this account", "name")
    repo = fake.add_repo(owner, name, private=bool(body.get("private", False)),
                         description=body.get("description") or None)
    return 201, fake.repo_json(repo)


def _repo_route(fake: FakeGitHub, repo: Repo, method: str, rest: list[str],
                query: dict[str, str], body: Any) -> tuple[int, Any]:
    if method == "GET" and not rest:
        return 200, fake.repo_json(repo)
    if method == "PATCH" and not rest:
        if not isinstance(body, dict):
            return 400, {"message": "Problems parsing JSON"}
        if "name" in body and body["name"] != repo.name:
            return _validation("renaming is not supported by this stand-in", "name")
        if "default_branch" in body:
            if body["default_branch"] not in repo.heads():
                return _validation(
                    f"Cannot update default branch for this repository to "
                    f"{body['default_branch']}: the branch does not exist", "default_branch")
            repo.default_branch = body["default_branch"]
        if "description" in body:
            repo.description = body["description"]
        if "private" in body:
            repo.private = bool(body["private"])
        return 200, fake.repo_json(repo)
    if method == "PUT" and rest == ["topics"]:
        names = body.get("names") if isinstance(body, dict) else None
        if not isinstance(names, list):
            return _validation("names is missing", "names", code="missing_field",
                               resource="Topic")
        bad = [n for n in names if not isinstance(n, str) or not _TOPIC_RE.match(n)]
        if bad or len(names) > 20:
            return 422, {"message": "Invalid topics", "errors": [
                {"resource": "Topic", "code": "invalid", "field": "names",
                 "message": f"{bad[0] if bad else 'too many'} is not a valid topic"}]}
        repo.topics = list(names)
        return 200, {"names": repo.topics}
    if method == "GET" and len(rest) == 2 and rest[0] == "branches":
        if repo.fork_polls_left > 0:
            repo.fork_polls_left -= 1
            return _not_found()
        heads = repo.heads()
        if rest[1] not in heads:
            return 404, {"message": "Branch not found"}
        sha = heads[rest[1]]
        return 200, {"name": rest[1], "protected": False,
                     "commit": {"sha": sha, "url": f"{fake.base()}/repos/{repo.full_name}"
                                                   f"/commits/{sha}"}}
    if method == "GET" and len(rest) >= 2 and rest[0] == "contents":
        file_path = "/".join(rest[1:])
        heads = repo.heads()
        if not heads:
            return 404, {"message": "This repository is empty."}
        ref = query.get("ref") or repo.default_branch
        blob = subprocess.run(["git", "show", f"{ref}:{file_path}"], cwd=repo.path,
                              capture_output=True, check=False)
        if blob.returncode != 0:
            return _not_found()
        sha = _git("rev-parse", f"{ref}:{file_path}", cwd=repo.path).stdout.strip()
        return 200, {"type": "file", "encoding": "base64", "name": file_path.rsplit("/", 1)[-1],
                     "path": file_path, "sha": sha, "size": len(blob.stdout),
                     "content": base64.encodebytes(blob.stdout).decode(),
                     "url": f"{fake.base()}/repos/{repo.full_name}/contents/{file_path}"}
    if method == "POST" and rest == ["forks"]:
        body = body or {}
        owner = body.get("organization") or fake.user
        existing = [r for r in fake.repos.values()
                    if r.owner == owner and r.parent and r.parent.lower() == repo.full_name.lower()]
        if existing:
            return 202, fake.repo_json(existing[0])
        name = body.get("name") or repo.name
        if f"{owner}/{name}".lower() in fake.repos:
            name = f"{name}-1"
        fork = fake.add_repo(owner, name, parent=repo.full_name,
                             default_branch=repo.default_branch,
                             fork_polls_left=fake.fork_ready_after)
        for branch, sha in repo.heads().items():
            _git("fetch", "--quiet", str(repo.path), f"{sha}:refs/heads/{branch}", cwd=fork.path)
        return 202, fake.repo_json(fork)
    if rest == ["pulls"] and method == "GET":
        pulls = [p for p in fake.pulls if p["base"]["repo"]["full_name"] == repo.full_name]
        if query.get("state", "open") != "all":
            pulls = [p for p in pulls if p["state"] == query.get("state", "open")]
        if "head" in query:
            pulls = [p for p in pulls if p["head"]["label"] == query["head"]]
        return 200, pulls
    if rest == ["pulls"] and method == "POST":
        return _create_pull(fake, repo, body)
    return _not_found()


def _create_pull(fake: FakeGitHub, repo: Repo, body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict):
        return 400, {"message": "Problems parsing JSON"}
    for key in ("title", "head", "base"):
        if not isinstance(body.get(key), str) or not body[key]:
            return _validation(f"{key} is missing", key, code="missing_field",
                               resource="PullRequest")
    base_heads = repo.heads()
    if body["base"] not in base_heads:
        return _validation("base is invalid", "base", code="invalid", resource="PullRequest")
    head_owner, _, head_branch = body["head"].rpartition(":")
    head_owner = head_owner or repo.owner
    candidates = [r for r in fake.repos.values() if r.owner == head_owner and (
        r is repo or (r.parent and r.parent.lower() == repo.full_name.lower()))]
    head_repo = next((r for r in candidates if head_branch in r.heads()), None)
    if head_repo is None:
        return _validation("head is invalid", "head", code="invalid", resource="PullRequest")
    head_sha = head_repo.heads()[head_branch]
    base_sha = base_heads[body["base"]]
    _git("fetch", "--quiet", str(head_repo.path), f"+{head_sha}:refs/fake/pr-head", cwd=repo.path)
    ahead = _git("rev-list", "--count", f"{base_sha}..{head_sha}", cwd=repo.path).stdout.strip()
    if ahead in ("", "0"):
        return _validation(f"No commits between {body['base']} and {head_branch}", "head",
                           resource="PullRequest")
    label = f"{head_owner}:{head_branch}"
    if any(p["head"]["label"] == label and p["state"] == "open"  # per base repo, as GitHub
           and p["base"]["repo"]["full_name"] == repo.full_name for p in fake.pulls):
        return _validation(f"A pull request already exists for {label}.", "head",
                           resource="PullRequest")
    number = len(fake.pulls) + 1
    pull = {
        "id": 5000 + number, "number": number, "state": "open", "title": body["title"],
        "body": body.get("body"),
        "url": f"{fake.base()}/repos/{repo.full_name}/pulls/{number}",
        "html_url": f"https://github.example/{repo.full_name}/pull/{number}",
        "head": {"label": label, "ref": head_branch, "sha": head_sha,
                 "repo": fake.repo_json(head_repo)},
        "base": {"label": f"{repo.owner}:{body['base']}", "ref": body["base"], "sha": base_sha,
                 "repo": fake.repo_json(repo)},
        "user": fake.owner_json(fake.user),
    }
    fake.pulls.append(pull)
    return 201, pull
