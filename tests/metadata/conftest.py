"""Shared fixtures: the shared corpus, its reference verdicts, and a CLI runner."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "metadata"
FILES = CORPUS / "files"
SCHEMA_DIR = REPO / "schema"


def corpus_rows() -> list[dict[str, str]]:
    with open(CORPUS / "expected.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def rows() -> list[dict[str, str]]:
    return corpus_rows()


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def json(self) -> dict:
        return json.loads(self.out)


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def run_cli(args: list[str], stdin: bytes = b"", capsys=None) -> Result:
    """Run ``deep-app-schema-validator`` in-process (fast) and capture its output."""
    from deepoc.metadata.cli import main

    old_stdin = sys.stdin
    sys.stdin = _Stdin(stdin)
    try:
        try:
            code = main(args)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = old_stdin
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def run_process(args: list[str], stdin: bytes = b"", cwd: str | None = None) -> Result:
    """Run the real console script in a fresh process."""
    exe = Path(sys.executable).parent / "deep-app-schema-validator"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "deepoc.metadata.cli"]
    env = dict(os.environ)
    env.pop("DEEPOC_DEBUG", None)
    proc = subprocess.run(cmd + args, input=stdin, capture_output=True, cwd=cwd, timeout=120,
                          env=env)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


@pytest.fixture
def cli(capsys):
    def _run(*args: str, stdin: bytes = b"") -> Result:
        return run_cli(list(args), stdin, capsys)

    return _run
