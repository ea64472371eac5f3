"""Atomic writes: all or nothing, with the usual file mode."""

import os
import stat

import pytest

from deepoc.fsutil import atomic_write_bytes, atomic_write_json


def test_written_file_has_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_json(tmp_path / "a" / "x.json", {"b": 1, "a": [1]})
    finally:
        os.umask(old)
    path = tmp_path / "a" / "x.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text() == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "x.json"
    target.write_text("old")


    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
