"""``deep-oc new``: the console entry over the same template and checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deepoc.errors import UsageError
from deepoc.template.commands import parse_answers

from .conftest import git_env

DEEP_OC = str(Path(sys.executable).with_name("deep-oc"))


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run([DEEP_OC, *args], capture_output=True, text=True,
                          env=git_env(home), timeout=120, stdin=subprocess.DEVNULL)


def test_new_no_input_with_answers(tmp_path):
    out = tmp_path / "out"
    proc = _run(["new", "--no-input", "-o", str(out), "project_name=Plant classifier",
                 "model_type=trainable", "description=a=b, c"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["DEEP-OC-plant_classifier", "plant_classifier"]
    assert f"created {out / 'plant_classifier'}" in proc.stdout
    meta = (out / "DEEP-OC-plant_classifier" / "metadata.json").read_text()
    assert '"summary": "a=b, c"' in meta and '"trainable"' in meta


def test_new_with_no_answers_at_all(tmp_path):
    proc = _run(["new", "--no-input", "-o", str(tmp_path / "o")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "DEEP-OC-demo_module" / "Dockerfile").is_file()


@pytest.mark.parametrize(
    ("argv", "fragment", "code"),
    [
        (["not-a-pair"], "answer 'not-a-pair' is not key=value", 2),
        (["=value"], "is not key=value", 2),
        (["colour=blue"], "unknown answer(s) colour", 2),
        (["open_source_license=GPL"], "is not one of the choices", 2),
        (["app_version=1", "repo_name=X"], "2 problem(s) with the answers", 1),
    ],
)
def test_new_bad_input_is_one_line(tmp_path, argv, fragment, code):
    out = tmp_path / "out"
    proc = _run(["new", "--no-input", "-o", str(out), *argv], tmp_path)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("deep-oc: error: ")
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_parse_answers():
    assert parse_answers(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(UsageError, match="given twice"):
        parse_answers(["a=1", "a=2"])


def test_questions_are_asked_with_their_prompts(tmp_path):
    """Plain cookiecutter, interactive: the human-readable prompts, choices by number."""
    from .conftest import COOKIECUTTER, git_env

    home = tmp_path / "home"
    home.mkdir()
    # git_base_url, project_name, then defaults; license 3 (BSD-3-Clause), model_type 2
    stdin = "\nPrompted model\n\n\n\n\n\n3\n2\n\n\n\n\n\n\n\n"
    proc = subprocess.run([COOKIECUTTER, str(Path(__file__).resolve().parents[2]),
                           "-o", str(tmp_path / "out")],
                          input=stdin, capture_output=True, text=True, env=git_env(home),
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Project name (human readable)" in proc.stdout
    assert "No license (no LICENSE file is written)" in proc.stdout
    recorded = (tmp_path / "out" / "prompted_model" / ".cookiecutter.json").read_text()
    assert '"open_source_license": "BSD-3-Clause"' in recorded
    assert '"model_type": "trainable"' in recorded
