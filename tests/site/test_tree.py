"""write_all: the one way the site's own files are rewritten in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deepoc.site import tree


def _write(path: Path, data, at: int = 0) -> bytes:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        tree.write_all(fd, data, at)
    finally:
        os.close(fd)
    return path.read_bytes()


@pytest.mark.parametrize("pwritev", [True, False])
def test_write_all_writes_the_buffers_back_to_back_and_cuts_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pwritev: bool):
    if not pwritev:  # as on systems without it (macOS with Python 3.11)
        monkeypatch.delattr(os, "pwritev", raising=False)
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert _write(path, b"short") == b"short"
    assert _write(path, [b"head-", memoryview(b"body"), b""]) == b"head-body"
    assert _write(path, [b"AB", b"CD"], at=3) == b"heaABCD"
    assert _write(path, []) == b""
    assert _write(path, [b"only"]) == b"only"
