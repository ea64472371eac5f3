"""Hostile input to the validator: standard input past the size limit (also an endless one),
and control characters in files never reaching the terminal raw (deepoc/textsafe)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deepoc.metadata.parse import MAX_BYTES

from .conftest import run_process

BIN = Path(sys.executable).parent
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_stdin_just_over_the_limit_is_unreadable(cli) -> None:
    r = cli("-", stdin=b"{" + b" " * MAX_BYTES)
    assert r.code == 3
    assert "<stdin>: $: more than 5 MiB on standard input (the limit files have too)" in r.out


def test_stdin_at_the_limit_is_read(cli) -> None:
    body = json.dumps({"title": "x"}).encode()
    r = cli("-", stdin=body + b" " * (MAX_BYTES - len(body)))
    assert "more than" not in r.out and r.code == 1  # read and validated (invalid metadata)


@pytest.mark.parametrize("cmd", [["deep-app-schema-validator", "-"], ["deep-oc", "validate", "-"]])
def test_an_endless_stdin_ends_with_the_limit(cmd: list[str]) -> None:
    """``yes`` never stops writing: the validator must stop reading at the limit."""
    feeder = subprocess.Popen(["yes", "{"], stdout=subprocess.PIPE)
    try:
        proc = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], stdin=feeder.stdout,
                              capture_output=True, timeout=120)
    finally:
        feeder.kill()
        feeder.wait()
    assert proc.returncode == 3
    assert b"more than 5 MiB on standard input" in proc.stdout
    assert b"internal error" not in proc.stderr


NASTY = "\x1b]0;pwned\x07\x1b[2J\r\u202eevil\x9b"


def test_messages_quoting_a_file_show_controls_escaped(tmp_path) -> None:
    f = tmp_path / f"m\x1b[31m{chr(0x202e)}.json"
    f.write_text(json.dumps({NASTY: 1, "title": NASTY}, ensure_ascii=False))
    r = run_process([str(f)])
    assert r.code == 1
    assert not RAW_CONTROL.search(r.out + r.err), repr(r.out)
    assert "unknown key '\\x1b]0;pwned\\x07\\x1b[2J\\r\\u202eevil\\x9b'" in r.out
    assert "m\\x1b[31m\\u202e.json" in r.out


def test_a_parse_error_excerpt_is_escaped_and_the_caret_stays_under_it(tmp_path) -> None:
    f = tmp_path / "broken.json"
    f.write_bytes(b'{"title": "\x1b[31mred\x07", !}\n')
    r = run_process([str(f)])
    assert r.code == 3
    assert not RAW_CONTROL.search(r.out + r.err), repr(r.out)
    lines = r.out.splitlines()
    excerpt = next(i for i, ln in enumerate(lines) if ln.startswith("    {"))
    assert lines[excerpt] == '    {"title": "\\x1b[31mred\\x07", !}'
    # JSON refuses the raw ESC in a string: the caret is under its escaped form
    assert lines[excerpt + 1].index("^") == lines[excerpt].index("\\x1b")


def test_deep_oc_errors_quoting_input_are_escaped(tmp_path) -> None:
    bad = f"{tmp_path}/no\x1b[31mcat\x07\u202e.json"
    proc = subprocess.run([str(BIN / "deep-oc"), "images", "build", "--catalog", bad,
                           "--registry", "localhost:1"], capture_output=True, text=True,
                          timeout=60, errors="surrogateescape")
    assert proc.returncode == 2
    assert not RAW_CONTROL.search(proc.stderr), repr(proc.stderr)
    assert "no\\x1b[31mcat\\x07\\u202e.json: no such catalog" in proc.stderr
    assert proc.stderr.count("\n") == 1
