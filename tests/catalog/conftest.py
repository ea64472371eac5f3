"""Fixtures for the catalog tests: module repositories baked from the template, served as
local paths, file:// URLs and by a real ``git daemon`` on 127.0.0.1.

The template is baked once per session; each module is a clone of that Docker repo with
its own commits on master and test, so every sync test works on real git history.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gitutil import GIT_ENV, git  # noqa: F401 - re-exported to the tests

ROOT = Path(__file__).resolve().parents[2]
GIT_DAEMON = ROOT / "scripts" / "services" / "git-daemon.sh"



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def baked_docker_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Docker repo (DEEP-OC-<name>) of one bake of the project template."""
    from deepoc.template import bake

    out = tmp_path_factory.mktemp("baked")
    _code, docker = bake(out, {"project_name": "Catalog test", "repo_name": "catalog_test"})
    docker = Path(docker)
    assert (docker / "metadata.json").is_file() and (docker / "build.json").is_file()
    return docker


class ModuleFactory:
    """Makes module repos from the baked Docker repo and changes them between syncs.

    A module repo is a working repository whose checked-out branch is what a remote's HEAD
    is: its default branch. Every change is made on its branch and the repo is then put
    back on its default branch (the first of ``make``'s branches), as a real remote keeps
    its HEAD whatever is pushed."""

    def __init__(self, base: Path, root: Path) -> None:
        self.base = base
        self.root = root
        self.counter = 0
        self.home: dict[Path, str] = {}

    def _go_home(self, repo: Path) -> None:
        home = self.home.get(repo.resolve())
        if home is not None:
            git("checkout", "--quiet", home, cwd=repo)

    def make(
        self,
        repo_name: str,
        *,
        metadata: Callable[[dict], dict] | bytes | None = None,
        branches: tuple[str, ...] = ("master", "test"),
        where: Path | None = None,
    ) -> Path:
        """A clone of the baked Docker repo named ``repo_name`` with a commit of its own
        (its own title) on every branch; ``metadata`` edits or replaces metadata.json."""
        dest = (where or self.root) / repo_name
        git("clone", "--quiet", "--no-hardlinks", str(self.base), str(dest))
        remote = set(git("branch", "-r", "--format=%(refname:short)", cwd=dest).split())
        local = set(git("branch", "--format=%(refname:short)", cwd=dest).split())
        for b in branches:
            if b not in local:
                git(
                    "branch",
                    "--quiet",
                    b,
                    f"origin/{b}" if f"origin/{b}" in remote else "HEAD",
                    cwd=dest,
                )
        git("checkout", "--quiet", branches[0], cwd=dest)
        git("remote", "remove", "origin", cwd=dest)
        for b in sorted(local - set(branches)):
            git("branch", "--quiet", "-D", b, cwd=dest)
        self.home[dest.resolve()] = branches[0]
        for b in branches:
            self.edit(dest, b, metadata, title=f"{repo_name} ({b})")
        return dest

    def edit(
        self,
        repo: Path,
        branch: str,
        metadata: Callable[[dict], dict] | bytes | None = None,
        title: str | None = None,
        message: str = "edit metadata",
    ) -> str:
        """Commit a change to metadata.json on ``branch``; returns the new commit."""
        self.counter += 1
        git("checkout", "--quiet", branch, cwd=repo)
        path = repo / "metadata.json"
        if isinstance(metadata, bytes):
            path.write_bytes(metadata)
        else:
            data = json.loads(path.read_text())
            if title is not None:
                data["title"] = title
            else:
                data["summary"] = f"{data.get('summary', '')} (edit {self.counter})".strip()
            if metadata is not None:
                data = metadata(data)
            path.write_text(json.dumps(data, indent=2) + "\n")
        git("add", "metadata.json", cwd=repo)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=repo)
        head = git("rev-parse", "HEAD", cwd=repo).strip()
        self._go_home(repo)
        return head

    def commit_files(self, repo: Path, branch: str, files: dict[str, bytes | None]) -> str:
        """Commit writes (bytes) and deletions (None) on ``branch``; returns the commit."""
        git("checkout", "--quiet", branch, cwd=repo)
        for name, data in files.items():
            if data is None:
                git("rm", "--quiet", name, cwd=repo)
            else:
                (repo / name).write_bytes(data)
                git("add", name, cwd=repo)
        git("commit", "--quiet", "-m", f"change {', '.join(files)}", cwd=repo)
        head = git("rev-parse", "HEAD", cwd=repo).strip()
        self._go_home(repo)
        return head


    def remote(
        self,
        where: Path,
        name: str,
        *,
        branches: tuple[str, ...] = ("main", "test"),
        files: dict[str, bytes | None] | None = None,
    ) -> tuple[Path, Path]:
        """(bare remote ``where/name.git``, the working repo that feeds it): a module repo
        as a hosting service keeps one, HEAD naming its default branch (``branches[0]``),
        ``files`` committed on every branch. Change the work repo, then ``push``."""
        work = self.make(f"{name}-work-{self.counter}", branches=branches)
        if files:
            for b in branches:
                self.commit_files(work, b, files)
        bare = where / f"{name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        git("clone", "--quiet", "--bare", str(work), str(bare))
        return bare, work

    @staticmethod
    def push(work: Path, bare: Path, *branches: str) -> None:
        git("push", "--quiet", "--force", str(bare), *[f"{b}:{b}" for b in branches],
            cwd=work)

    @staticmethod
    def set_default(bare: Path, branch: str) -> None:
        """Change the remote's default branch, as a repository's settings page does."""
        git("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=bare)


@pytest.fixture(scope="session")
def module_factory(baked_docker_repo: Path, tmp_path_factory: pytest.TempPathFactory):
    return ModuleFactory(baked_docker_repo, tmp_path_factory.mktemp("modules"))


@pytest.fixture(scope="session")
def git_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A real git daemon on 127.0.0.1 serving a folder; stopped by PID at the end."""
    base = tmp_path_factory.mktemp("served")
    port = free_port()
    log = base.parent / f"git-daemon-{port}.log"
    pid = subprocess.run(
        ["bash", str(GIT_DAEMON), "start", str(base), str(port), str(log)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        yield base, port
    finally:
        subprocess.run(["bash", str(GIT_DAEMON), "stop", pid], check=False)


class HangingServer:
    """A TCP port that accepts connections and never answers: a remote that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.accepted = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def hanging_server() -> Iterator[HangingServer]:
    server = HangingServer()
    try:
        yield server
    finally:
        server.close()


def closed_port_url(name: str) -> str:
    """A git:// URL on a loopback port nobody listens on: fails at once, never a real host."""
    return f"git://127.0.0.1:{free_port()}/{name}"
