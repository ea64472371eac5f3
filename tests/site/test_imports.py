"""A one-module rebuild stays lean: it imports none of the modules it was freed from.

Not a timing test. The rebuild's budget at 1,000 modules is a few tens of milliseconds, and
each of these modules costs a process 1-10 ms to import (re with enum, functools and
collections; json, which imports re; pathlib; hashlib's OpenSSL; argparse; bisect and
heapq, shared libraries). The check runs ``deep-oc``'s own entry with ``-S`` and this
checkout on ``sys.path``, because the test environment's editable-install hook imports some
of them for every process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from deepoc import jsondoc
from deepoc.site import synthetic

REPO = Path(__file__).resolve().parents[2]
FREED = {"re", "enum", "functools", "collections", "json", "pathlib", "hashlib", "argparse",
         "typing", "dataclasses", "datetime", "shutil", "ctypes", "contextlib", "tempfile",
         "urllib", "importlib", "unicodedata", "bisect", "heapq"}

CODE = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
before = set(sys.modules)
from deepoc import cli
code = cli.main(sys.argv[1:])
print(code, " ".join(sorted(set(sys.modules) - before)))
"""


def _build(tmp: Path) -> tuple[str, set[str]]:
    cmd = [sys.executable, "-S", "-c", CODE, "site", "build", "--catalog",
           str(tmp / "catalog.json"), "--builds", str(tmp / "builds.json"), "-o",
           str(tmp / "site")]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    *summary, last = out.stdout.splitlines()
    code, _, modules = last.partition(" ")
    assert code == "0"
    return "\n".join(summary), set(modules.split())


def test_a_one_module_rebuild_imports_nothing_it_was_freed_from(tmp_path: Path) -> None:
    cat, builds = synthetic.catalog(40)
    (tmp_path / "catalog.json").write_text(jsondoc.dumps(cat, "modules"))
    (tmp_path / "builds.json").write_text(jsondoc.dumps(builds, "builds"))
    _build(tmp_path)  # full
    _build(tmp_path)  # no change: the standby tree is filled
    master = cat["modules"][7]["branches"]["master"]
    master["metadata"]["summary"] = "A new summary, with <b>markup</b> and a https://x.org link."
    master["metadata"]["description"] = ["One paragraph.\n\nAnother, with ünïcode words."]
    master["metadata_hash"] = "sha256:changed"
    (tmp_path / "catalog.json").write_text(jsondoc.dumps(cat, "modules"))
    summary, loaded = _build(tmp_path)
    assert "delta build" in summary and " 0 rendered" not in summary, summary
    assert "deepoc.site.delta" in loaded
    assert not loaded & FREED, sorted(loaded & FREED)
