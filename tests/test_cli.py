"""The console entry: help, version, and errors as one line with an exit code."""

import subprocess
import sys

from deepoc.cli import build_parser, run
from deepoc.errors import DeepOCError


def test_version_and_help():
    out = subprocess.run(
        [sys.executable, "-m", "deepoc.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.startswith("deep-oc ")
    assert build_parser().format_help().startswith("usage: deep-oc")


def test_error_is_one_line(capsys):
    def boom(_args):
        raise DeepOCError("bad thing in X: do Y", exit_code=3)

    assert run(boom, None) == 3
    err = capsys.readouterr().err
    assert err == "deep-oc: error: bad thing in X: do Y\n"


def test_unexpected_exception_has_no_traceback(capsys, monkeypatch):
    monkeypatch.delenv("DEEPOC_DEBUG", raising=False)

    def boom(_args):
        raise ValueError("oops")

    assert run(boom, None) == 70
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1


def test_console_script_exits_with_the_command_code(tmp_path):
    """entry() runs atexit handlers and flushes output like any Python program, and its exit
    code is the command's (a missing catalog: 2)."""
    code = ("import atexit; atexit.register(lambda: print('atexit ran')); "
            "print('buffered', end=''); import sys; "
            "sys.argv = ['deep-oc', 'site', 'build', '--catalog', sys.argv[1], '-o', sys.argv[2]]; "
            "from deepoc.cli import entry; entry()")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "missing.json"),
                          str(tmp_path / "site")], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stdout == "bufferedatexit ran\n"
    assert out.stderr.startswith("deep-oc: error: catalog ") and out.stderr.count("\n") == 1
