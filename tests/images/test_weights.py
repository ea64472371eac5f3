"""Trained weights on the real engine (BuildKit through the docker CLI), served by a loopback
HTTP server: the right SHA-256 builds and the file is in the image, a wrong one fails with
both hashes, private weights take their token from the build secret only (never in the
image, its history, the logs or builds.json, nor sent on to a redirect's host), and the
weights are not downloaded again for a new commit of the code."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import threading
from pathlib import Path

import docker
import pytest

from deepoc.cli import main

from .conftest import builds, git

pytestmark = pytest.mark.xdist_group("docker")
TOKEN = "weights-Token-7f3a9c-for-the-test"
WEIGHTS = hashlib.sha256(b"seed").digest() * 40000  # 1.28 MB


class Server:
    """A loopback HTTP server: /files/<name> public, /private/<name> needs the token and
    answers with a redirect to the public copy; every request's path and headers kept."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                seen.append((self.path, dict(self.headers)))
                if self.path.startswith("/private/"):
                    if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                        self.send_response(401)
                        self.end_headers()
                        return
                    self.send_response(302)
                    self.send_header("Location", f"http://localhost:{port}/files/model.bin")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(WEIGHTS)))
                self.end_headers()
                self.wfile.write(WEIGHTS)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server():
    s = Server()
    yield s
    s.close()


def _build(m, tmp_path: Path, capsys) -> tuple[int, dict, str]:
    out = tmp_path / f"builds-{m.code_bare.name}.json"
    code = main(["images", "build", "--repo", str(m.docker), "--branch", "master",
                 "--registry", "localhost:1", "--no-push", "--builds", str(out)])
    said = capsys.readouterr()
    rec = builds(out)[("weighted", "master", "cpu")]
    return code, rec, said.out + said.err


def _in_image(image: str, *cmd: str) -> str:
    out = docker.from_env().containers.run(image, list(cmd), remove=True, network_mode="host")
    return out.decode()


def test_weights_are_downloaded_checked_and_kept_out_of_the_code_layer(services, modules,
                                                                       server, tmp_path,
                                                                       capsys):
    right = hashlib.sha256(WEIGHTS).hexdigest()
    url = server.url("/files/model.bin")
    m = modules.bake("weighted", gpu=False, served_as="weighted_ok",
                     answers={"weights_url": url, "weights_sha256": right.upper()})
    meta = json.loads((m.docker / "metadata.json").read_text())
    assert meta["sources"]["pre_trained_weights"] == url and "pre-trained" in meta["keywords"]
    code, rec, out = _build(m, tmp_path, capsys)
    assert code == 0 and rec["status"] == "built", out
    log = (tmp_path / rec["log"]).read_text()
    assert "BuildKit:" in log and f"weights: downloading {url}" in log
    assert "smoke test: model 'weighted'" in log
    got = _in_image(rec["digest"], "sha256sum", "/srv/weighted/models/model.bin")
    assert got.split()[0] == right
    downloads = [p for p, _ in server.seen if p == "/files/model.bin"]
    assert len(downloads) == 1

    # a new commit of the code: built again, but the weights come from the layer cache
    git("checkout", "-q", "master", cwd=m.code)
    (m.code / "NEW.txt").write_text("new code\n")
    git("add", "NEW.txt", cwd=m.code)
    git("commit", "-q", "-m", "new code", cwd=m.code)
    git("push", "-q", "served", "master", cwd=m.code)
    code, rec2, out = _build(m, tmp_path, capsys)
    assert code == 0 and rec2["digest"] != rec["digest"], out
    assert _in_image(rec2["digest"], "cat", "/srv/weighted/NEW.txt") == "new code\n"
    assert _in_image(rec2["digest"], "sha256sum",
                     "/srv/weighted/models/model.bin").split()[0] == right
    assert [p for p, _ in server.seen if p == "/files/model.bin"] == downloads


def test_a_wrong_hash_fails_the_build_with_both_hashes(services, modules, server, tmp_path,
                                                       capsys):
    right, wrong = hashlib.sha256(WEIGHTS).hexdigest(), "0" * 64
    m = modules.bake("weighted", gpu=False, served_as="weighted_bad",
                     answers={"weights_url": server.url("/files/model.bin"),
                              "weights_sha256": wrong})
    code, rec, out = _build(m, tmp_path, capsys)
    assert code == 1 and rec["status"] == "failed"
    assert f"SHA-256 mismatch: expected {wrong}, got {right}" in rec["reason"]
    assert rec["reason"].startswith("docker build failed at [")
    assert f"expected {wrong}, got {right}" in (tmp_path / rec["log"]).read_text()


def test_private_weights_take_the_token_from_the_build_secret_only(services, modules, server,
                                                                   tmp_path, capsys,
                                                                   monkeypatch):
    right = hashlib.sha256(WEIGHTS).hexdigest()
    m = modules.bake("weighted", gpu=False, served_as="weighted_private",
                     answers={"weights_url": server.url("/private/model.bin"),
                              "weights_sha256": right})
    monkeypatch.delenv("DEEPOC_WEIGHTS_TOKEN", raising=False)
    code, rec, _ = _build(m, tmp_path, capsys)
    assert code == 1 and "HTTP Error 401" in rec["reason"]

    monkeypatch.setenv("DEEPOC_WEIGHTS_TOKEN", TOKEN)
    code, rec, out = _build(m, tmp_path, capsys)
    assert code == 0 and rec["status"] == "built", out
    assert _in_image(rec["digest"], "sha256sum",
                     "/srv/weighted/models/model.bin").split()[0] == right
    # the token went to the weights' host, and not on to the host it redirected to
    asked = {(p, h.get("Host", "").split(":")[0], h.get("Authorization")) for p, h in server.seen}
    assert ("/private/model.bin", "127.0.0.1", f"Bearer {TOKEN}") in asked
    assert ("/files/model.bin", "localhost", None) in asked
    # ... and nowhere in the image (layers, config, history), the log, builds.json or output
    client = docker.from_env()
    image = client.images.get(rec["digest"])
    saved = b"".join(image.save())
    assert TOKEN.encode() not in saved
    assert TOKEN not in json.dumps(image.attrs) + json.dumps(image.history())
    texts = [out, (tmp_path / rec["log"]).read_text()]
    texts += [p.read_text() for p in tmp_path.glob("builds-*.json")]
    assert all(TOKEN not in t for t in texts)
    assert os.environ["DEEPOC_WEIGHTS_TOKEN"] == TOKEN  # it was set for that build
