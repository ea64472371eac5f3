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


def test_every_command_is_mapped_to_the_areas_that_register_it():
    from deepoc.cli import COMMAND_AREAS

    full = build_parser()
    top = next(a for a in full._actions if a.dest == "command")
    assert set(top.choices) == set(COMMAND_AREAS)
    for name, areas in COMMAND_AREAS.items():
        sub = build_parser(areas)
        action = next(a for a in sub._actions if a.dest == "command")
        # the narrow parser knows the command with exactly the same sub-commands
        assert name in action.choices
        assert action.choices[name].format_help() == top.choices[name].format_help()


def _console(tmp_path, prelude: str) -> subprocess.CompletedProcess:
    """The console entry on a failing ``site build`` (missing catalog: exit 2), after
    ``prelude`` ran in the same process."""
    code = (f"{prelude}; import sys; sys.argv = ['deep-oc', 'site', 'build', '--catalog', "
            "sys.argv[1], '-o', sys.argv[2]]; from deepoc.cli import entry; entry()")
    return subprocess.run([sys.executable, "-c", code, str(tmp_path / "missing.json"),
                           str(tmp_path / "site")], capture_output=True, text=True)


def test_console_exit_runs_atexit_handlers_and_flushes(tmp_path):
    """entry() leaves with os._exit, but only after what interpreter shutdown must do."""
    out = _console(tmp_path, "import atexit; atexit.register(lambda: print('atexit ran')); "
                             "print('buffered', end='')")
    assert out.returncode == 2
    assert out.stdout == "bufferedatexit ran\n"
    assert out.stderr.startswith("deep-oc: error: catalog ") and out.stderr.count("\n") == 1


def test_console_exit_waits_for_other_threads(tmp_path):
    """With another thread still running, entry() exits as usual: shutdown waits for it."""
    out = _console(tmp_path, "import threading, time; threading.Thread(target=lambda: ("
                             "time.sleep(0.3), print('thread done'))).start()")
    assert out.returncode == 2
    assert out.stdout == "thread done\n"
