"""``deep-oc site build -o`` at the edges: a symbolic link, the current folder (or one
holding it), a folder holding the inputs, and read-only folders. Each is one clear line with
exit code 1 or 2, the previous site is untouched, and nothing is written elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deepoc.cli import main

from .conftest import DATA


def _snapshot(root: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.name.endswith(".lock"):
            continue  # the lock file beside a site is expected
        out[rel] = f"-> {os.readlink(p)}" if p.is_symlink() else (
            p.read_bytes() if p.is_file() else "dir")
    return out


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(DATA / "catalog.json", tmp_path / "catalog.json")
    assert main(["site", "build", "--catalog", str(tmp_path / "catalog.json"),
                 "-o", str(tmp_path / "site"), "-q"]) == 0
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _build(capsys, *args: str) -> tuple[int, str]:
    code = main(["site", "build", "-q", *args])
    err = capsys.readouterr().err
    assert "internal error" not in err and err.count("\n") == 1, err
    return code, err


@pytest.mark.parametrize(("output", "catalog", "cwd", "reason"), [
    ("link", "catalog.json", ".", "output link is a symbolic link (to site): give the folder "
     "itself as -o"),
    ("dangling", "catalog.json", ".", "output dangling is a symbolic link (to nowhere)"),
    (".", "../catalog.json", "site", "output . is the folder you are in, or holds it"),
    ("..", "catalog.json", "site", "output .. is the folder you are in, or holds it"),
    ("WORK", "catalog.json", "site", "is the folder you are in, or holds it"),
    ("site", "site/catalog.json", ".", "input site/catalog.json is inside the output folder "
     "site, which a build replaces as a whole"),
    ("site", "./site/./catalog.json", ".", "is inside the output folder site"),
    ("/", "catalog.json", ".", "output / is the root folder"),
])
def test_outputs_a_build_cannot_replace_are_refused(work, capsys, output, catalog, cwd, reason):
    (work / "link").symlink_to("site")
    (work / "dangling").symlink_to("nowhere")
    output = str(work) if output == "WORK" else output
    os.chdir(work / cwd)
    before = _snapshot(work)
    code, err = _build(capsys, "--catalog", catalog, "-o", output)
    assert code == 2
    assert err.startswith("deep-oc: error: ") and reason in err
    assert _snapshot(work) == before


def _make_read_only(path: Path) -> None:
    """Permission bits do not stop root: as root the folder is made immutable (chattr, from
    e2fsprogs, which scripts/install-system-deps.sh installs)."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return
    proc = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, f"chattr +i {path} failed: {proc.stderr.strip()}"


def _make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
    path.chmod(0o755)


@pytest.mark.parametrize("which", ["parent", "site", "missing-parent"])
def test_read_only_folders_are_one_line_errors(work, capsys, which):
    target = {"parent": work, "site": work / "site", "missing-parent": work}[which]
    output = work / ("new/site" if which == "missing-parent" else "site")
    before = _snapshot(work)
    _make_read_only(target)
    try:
        code, err = _build(capsys, "--catalog", "catalog.json", "-o", str(output))
        after = _snapshot(work)
    finally:
        _make_writable(target)
    assert code == 1
    assert err.startswith(f"deep-oc: error: cannot write the site {output}: ")
    assert "nothing was changed" in err
    assert after == before


def test_a_real_folder_through_a_symlinked_parent_still_works(work, capsys):
    (work / "via").symlink_to(".")
    code = main(["site", "build", "-q", "--catalog", "catalog.json", "-o", "via/site"])
    assert code == 0 and (work / "site" / "index.html").exists()
