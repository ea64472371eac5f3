"""The catalog commands as users and Jenkins run them: exit codes, output, interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deepoc.cli import main

from .conftest import HangingServer, ModuleFactory, closed_port_url

pytestmark = pytest.mark.xdist_group("catalog-sync")

GH = "https://github.com/deephdc/DEEP-OC-dogs_breed_det"


def test_lint_reports_each_problem_with_its_line(tmp_path: Path, capsys) -> None:
    f = tmp_path / "MODULES.yml"
    f.write_text(f"---\n- module: {GH}/\n- module: {GH}.git\n- modules: x\n")
    assert main(["catalog", "lint", str(f)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == f"{f}:2:11: URL ends with '/' (fix: write {GH})"
    assert lines[1].startswith(f"{f}:3: duplicate of the entry on line 2")
    assert any(ln.startswith(f"{f}:4: unknown key 'modules'") for ln in lines)
    assert "fixable with --fix" in err


def test_lint_fix_rewrites_then_reports_what_is_left(tmp_path: Path, capsys) -> None:
    f = tmp_path / "MODULES.yml"
    f.write_text(f"---\n# keep\n- module: {GH}/tree/master \n- module: {GH}2\n")
    assert main(["catalog", "lint", str(f), "--fix"]) == 0
    assert f.read_text() == f"---\n# keep\n- module: {GH}\n- module: {GH}2\n"
    assert main(["catalog", "lint", str(f)]) == 0
    assert capsys.readouterr().out == ""


def test_lint_missing_file_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["catalog", "lint", str(tmp_path / "nope.yml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.yml: cannot read" in err


@pytest.fixture(scope="module")
def small_catalog(module_factory: ModuleFactory, tmp_path_factory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("cli")
    repos = [module_factory.make(f"DEEP-OC-cli{i}", where=root) for i in range(3)]
    yml = root / "MODULES.yml"
    yml.write_text("---\n" + "".join(f"- module: {r}\n" for r in repos))
    return yml, repos


def test_sync_list_and_changed_since(small_catalog, tmp_path: Path, capsys) -> None:
    yml, repos = small_catalog
    work = tmp_path / "work"
    assert main(["catalog", "sync", str(yml), "--workdir", str(work),
                 "--jobs", "2", "--allow-local"]) == 0
    out, err = capsys.readouterr()
    assert "catalog sync: 3 module(s), 0 failed, 0 removed" in out
    # not a terminal: one plain progress line per module
    assert sorted(ln.split("] ")[1].split(":")[0] for ln in err.splitlines()) == [
        "cli0",
        "cli1",
        "cli2",
    ]
    assert all(ln.startswith("catalog sync [") for ln in err.splitlines())

    catalog = work / "catalog.json"
    assert main(["catalog", "list", "--catalog", str(catalog)]) == 0
    assert capsys.readouterr().out == "cli0\ncli1\ncli2\n"

    old = tmp_path / "old.yml"
    # the old file spelled cli0 differently (same repo), lacked cli1, had cli2 on other branches
    old.write_text(f"- module: {repos[0]}/\n- module: {repos[2]}\n  branches: [main]\n")
    assert main(["catalog", "list", "--catalog", str(catalog), "--changed-since", str(old)]) == 0
    assert capsys.readouterr().out == "cli1\ncli2\n"

    # the same answers straight from MODULES.yml, before any sync (what a pull request runs)
    assert main(["catalog", "list", "--modules", str(yml), "--changed-since", str(old)]) == 0
    assert capsys.readouterr().out == "cli1\ncli2\n"
    assert main(["catalog", "list", "--modules", str(yml)]) == 0
    assert capsys.readouterr().out == "cli0\ncli1\ncli2\n"

    old.write_text(yml.read_text())
    assert main(["catalog", "list", "--catalog", str(catalog), "--changed-since", str(old)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["catalog", "list", "--modules", str(yml), "--changed-since", str(old)]) == 0
    assert capsys.readouterr().out == ""


def test_pull_request_syncs_only_the_changed_modules(small_catalog, tmp_path: Path, capsys):
    yml, repos = small_catalog
    old = tmp_path / "old.yml"
    old.write_text(f"- module: {repos[0]}\n- module: {repos[2]}\n")
    assert main(["catalog", "list", "--modules", str(yml), "--changed-since", str(old)]) == 0
    changed = capsys.readouterr().out.split()
    assert changed == ["cli1"]
    work = tmp_path / "pr-work"
    assert main(["catalog", "sync", str(yml), "--workdir", str(work), "--strict",
                 "--only", *changed, "--allow-local"]) == 0
    out = capsys.readouterr().out
    assert "1 fetch(es)" in out and "3 ls-remote" not in out


def test_list_needs_exactly_one_source(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["catalog", "list"])
    assert exc.value.code == 2
    assert "one of the arguments --catalog --modules is required" in capsys.readouterr().err


def test_sync_exit_code_says_something_failed(small_catalog, tmp_path: Path, capsys) -> None:
    yml, repos = small_catalog
    bad = tmp_path / "MODULES.yml"
    bad.write_text(yml.read_text() + f"- module: {closed_port_url('DEEP-OC-down')}\n")
    work = tmp_path / "work"
    assert main(["catalog", "sync", str(bad), "--workdir", str(work), "--allow-local"]) == 3
    out = capsys.readouterr().out
    assert "failed: down: unreachable: " in out
    assert len(json.loads((work / "catalog.json").read_text())["modules"]) == 4

    before = (work / "catalog.json").read_bytes()
    assert main(["catalog", "sync", str(bad), "--workdir", str(work),
                 "--strict", "--allow-local"]) == 1
    err = capsys.readouterr().err
    assert "module down failed" in err and "nothing was written (--strict)" in err
    assert (work / "catalog.json").read_bytes() == before


def test_sync_usage_errors(small_catalog, tmp_path: Path, capsys) -> None:
    yml, _ = small_catalog
    assert main(["catalog", "sync", str(yml), "--workdir", str(tmp_path),
                 "--jobs", "0", "--allow-local"]) == 2
    assert main(["catalog", "sync", str(yml), "--workdir", str(tmp_path),
                 "--only", "x", "--allow-local"]) == 2
    assert main(["catalog", "list", "--catalog", str(tmp_path / "none.json")]) == 1
    err = capsys.readouterr().err
    assert "--jobs 0" in err and "--only x: no such module" in err and "no such catalog" in err


def test_interrupted_sync_leaves_previous_catalog_intact(
    module_factory: ModuleFactory, hanging_server: HangingServer, tmp_path: Path
) -> None:
    repos = [module_factory.make(f"DEEP-OC-int{i}", where=tmp_path) for i in range(4)]
    yml = tmp_path / "MODULES.yml"
    yml.write_text("".join(f"- module: {r}\n" for r in repos))
    work = tmp_path / "work"
    cmd = [
        sys.executable,
        "-m",
        "deepoc.cli",
        "catalog",
        "sync",
        str(yml),
        "--workdir",
        str(work),
        "--jobs",
        "2",
        "--allow-local",
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    before = (work / "catalog.json").read_bytes()
    lock_before = (work / "modules.lock").read_bytes()

    # every module changes, and one more points at a remote that accepts and never answers
    for r in repos:
        module_factory.edit(r, "master")
    yml.write_text(yml.read_text() + f"- module: git://127.0.0.1:{hanging_server.port}/x\n")
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "DEEPOC_GIT_TIMEOUT": "120"},
    )
    try:
        done = 0
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        while done < len(repos) and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            done += line.startswith("catalog sync [")
        assert done == len(repos), "the other modules should finish before the hung one"
        assert hanging_server.accepted.wait(30)
        assert proc.poll() is None  # still running, stuck on the hung remote
        os.killpg(proc.pid, signal.SIGKILL)  # the sync and its git children
    finally:
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert (work / "catalog.json").read_bytes() == before
    assert (work / "modules.lock").read_bytes() == lock_before
    catalog = json.loads(before)
    assert [m["status"] for m in catalog["modules"]] == ["ok"] * 4
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]

    # and the next run recovers: the changes are read, the hung remote times out as a failure
    yml.write_text("".join(f"- module: {r}\n" for r in repos))
    done_run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done_run.returncode == 0, done_run.stderr
    assert "4 metadata read(s)" in done_run.stdout


def test_progress_bar_on_a_terminal(small_catalog, tmp_path: Path) -> None:
    import pty

    yml, _ = small_catalog
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "deepoc.cli",
                "catalog",
                "sync",
                str(yml),
                "--workdir",
                str(tmp_path / "w"),
                "--allow-local",
            ],
            stdout=subprocess.PIPE,
            stderr=secondary,
            check=False,
            timeout=120,
        )
        os.close(secondary)
        secondary = -1
        chunks = []
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
    err = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert "\r[" in err and "3/3" in err and "catalog sync [" not in err
