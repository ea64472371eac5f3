"""The catalog knows who is behind: sync records each branch's template version,
``catalog outdated`` lists the modules behind the installed template, the site says it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import deepoc
from deepoc.template.record import behind, recorded_version
from tests.template.conftest import copy_template, git_env

DEEP_OC = str(Path(sys.executable).with_name("deep-oc"))


def _env(home: Path, **extra: str) -> dict[str, str]:
    return dict(git_env(home), **extra)


def _deep_oc(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([DEEP_OC, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Path:
    """Three modules: one from the installed template, one from an older release of it, one
    whose Docker repo has no record on master; synced."""
    base = tmp_path_factory.mktemp("outdated")
    home = base / "home"
    home.mkdir()
    old = copy_template(base / "template-0.1.0", "0.1.0")
    env = _env(home)
    for project, template in (("Current one", None), ("Older one", old), ("By hand", None)):
        run_env = dict(env, DEEPOC_TEMPLATE=str(template)) if template else env
        proc = _deep_oc("new", "--no-input", f"project_name={project}", env=run_env, cwd=base)
        assert proc.returncode == 0, proc.stderr
    hand = base / "DEEP-OC-by_hand"
    git = ["git", "-c", "user.name=a", "-c", "user.email=a@example.org"]
    subprocess.run([*git, "rm", "-q", ".cookiecutter.json"], cwd=hand, check=True, env=env)
    subprocess.run([*git, "commit", "-qm", "no record"], cwd=hand, check=True, env=env)
    (base / "MODULES.yml").write_text("".join(
        f"- module: {base / f'DEEP-OC-{n}'}\n" for n in ("current_one", "older_one", "by_hand")))
    proc = _deep_oc("catalog", "sync", "MODULES.yml", "--allow-local", "--workdir", "work",
                    env=env, cwd=base)
    assert proc.returncode == 0, proc.stderr
    return base


def test_sync_records_the_template_version_of_every_branch(catalog):
    data = json.loads((catalog / "work" / "catalog.json").read_text())
    versions = {m["name"]: {b: r.get("template_version") for b, r in m["branches"].items()}
                for m in data["modules"]}
    assert versions["current_one"] == {"master": deepoc.__version__, "test": deepoc.__version__}
    assert versions["older_one"] == {"master": "0.1.0", "test": "0.1.0"}
    # the record was removed on master only
    assert versions["by_hand"] == {"master": None, "test": deepoc.__version__}


def test_outdated_lists_exactly_the_modules_behind(catalog):
    proc = _deep_oc("catalog", "outdated", "--catalog", "work/catalog.json", "--format", "json",
                    env=_env(catalog / "home"), cwd=catalog)
    assert proc.returncode == 1
    rows = json.loads(proc.stdout)
    assert rows["current"] == deepoc.__version__
    listed = {(r["module"], r["branch"]): (r["template_version"], r["behind"])
              for r in rows["outdated"]}
    gap = behind("0.1.0", deepoc.__version__)
    assert listed == {("older_one", "master"): ("0.1.0", gap),
                      ("older_one", "test"): ("0.1.0", gap),
                      ("by_hand", "master"): (None, "unknown")}
    text = _deep_oc("catalog", "outdated", "--catalog", "work/catalog.json",
                    env=_env(catalog / "home"), cwd=catalog)
    assert f"older_one master: 0.1.0 ({gap} behind {deepoc.__version__})" in text.stdout
    assert "current_one" not in text.stdout


def test_the_module_page_says_which_template_made_it(catalog):
    proc = _deep_oc("site", "build", "--catalog", "work/catalog.json", "-o", "site", "-q",
                    env=_env(catalog / "home"), cwd=catalog)
    assert proc.returncode == 0, proc.stderr
    page = (catalog / "site" / "modules" / "older_one.html").read_text()
    assert (f'<dt>Template</dt><dd>0.1.0 <span class="muted">(current {deepoc.__version__})'
            in page)
    assert "<dd>unknown" in (catalog / "site" / "modules" / "by_hand.html").read_text()
    assert "Template" not in (catalog / "site" / "index.html").read_text()  # home unchanged


@pytest.mark.parametrize(("recorded", "current", "expected"), [
    ("0.1.0", "0.2.0", "1 minor version"), ("0.1.0", "0.4.0", "3 minor versions"),
    ("1.2.3", "2.0.0", "1 major version"), ("0.2.0", "0.2.5", "5 patch versions"),
    ("0.2.0", "0.2.0", None), ("0.3.0", "0.2.0", None), (None, "0.2.0", "unknown"),
    ("x.y", "0.2.0", "unknown"),
])
def test_behind(recorded, current, expected):
    assert behind(recorded, current) == expected


@pytest.mark.parametrize(("data", "expected"), [
    (b'{"_template_version": "0.2.0"}', "0.2.0"), (b"{}", None), (b"[1]", None),
    (b"not json", None), (b'{"_template_version": "<script>"}', None), (None, None),
    (b'{"_template_version": 2}', None), (b"\xff\xfe", None),
])
def test_recorded_version(data, expected):
    assert recorded_version(data) == expected
