"""Start the real ``deepaas-run`` on a loopback port and call the module through HTTP."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..models import deep_api

NAME = deep_api.DIST_NAME


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, data: dict | None = None, timeout: float = 30):
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, method="GET" if data is None else "POST")
    req.add_header("Accept", "application/json")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (loopback only)
        return resp.status, json.loads(resp.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    beside = Path(sys.executable).with_name("deepaas-run")  # the one of this environment
    exe = str(beside) if beside.exists() else shutil.which("deepaas-run")
    assert exe, "deepaas-run not found: pip install -e . first"
    port = _free_port()
    log = tmp_path_factory.mktemp("deepaas") / "deepaas.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [exe, "--listen-ip", "127.0.0.1", "--listen-port", str(port), "--model-name", NAME],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"deepaas-run exited with {proc.returncode}:\n{log.read_text()}")
            try:
                _request(base + "/v2/models/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"deepaas-run did not answer:\n{log.read_text()}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_models_lists_this_module(server):
    status, body = _request(server + "/v2/models/")
    assert status == 200
    models = {m["id"]: m for m in body["models"]}
    assert NAME in models
    for key in ("name", "version", "summary", "author", "author-email", "license"):
        assert key in models[NAME], key


def test_predict_through_http(server):
    status, body = _request(server + f"/v2/models/{NAME}/predict/", {"text": "Hello world"})
    assert status == 200
    assert body["predictions"] == json.loads(json.dumps(deep_api.predict(text="Hello world")))


def test_bad_input_is_an_http_error(server):
    with pytest.raises(urllib.error.HTTPError) as info:
        _request(server + f"/v2/models/{NAME}/predict/", {"top_k": 2})
    assert info.value.code == 422
    with pytest.raises(urllib.error.HTTPError) as info:
        _request(server + f"/v2/models/{NAME}/predict/", {"text": "   "})
    assert info.value.code == 400
