"""The generated repos pass their own checks: own test suite in a fresh venv, Groovy lint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GROOVY_LINT = ROOT / ".cache" / "node" / "node_modules" / ".bin" / "npm-groovy-lint"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p != venv_bin)
    env.update(extra)
    return env


def test_generated_code_repo_installs_and_passes_its_own_tests(bakes, tmp_path):
    """Once, for the trainable set with non-ASCII authors: pip install, pytest (real DEEPaaS),
    ruff and bandit, as the generated tox envs run them."""
    code, _, _ = bakes["apache"]
    venv = tmp_path / "venv"
    env = _clean_env()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    py = str(venv / "bin" / "python")
    pip = subprocess.run(
        [py, "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-e", str(code), "-r", str(code / "test-requirements.txt")],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    tests = subprocess.run(
        [py, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=code, capture_output=True, text=True, env=env, timeout=300,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert "test_predict_through_http" not in tests.stdout  # nothing failed or was skipped
    assert " passed" in tests.stdout and "skipped" not in tests.stdout
    pkg = code.name
    ruff = subprocess.run([str(venv / "bin" / "ruff"), "check", pkg], cwd=code,
                          capture_output=True, text=True, env=env)
    assert ruff.returncode == 0, ruff.stdout
    bandit = subprocess.run(
        [str(venv / "bin" / "bandit"), "-q", "-r", pkg, "-x", f"{pkg}/tests"],
        cwd=code, capture_output=True, text=True, env=env,
    )
    assert bandit.returncode == 0, bandit.stdout + bandit.stderr


def test_jenkinsfiles_pass_groovy_lint(bakes):
    """Every Jenkinsfile of every bake, in one npm-groovy-lint run; errors fail (syntax)."""
    by_content: dict[bytes, str] = {}  # identical files need linting once
    for code, docker, _ in bakes.values():
        for repo in (code, docker):
            path = repo / "Jenkinsfile"
            by_content.setdefault(path.read_bytes(), str(path))
    files = sorted(by_content.values())
    assert len(files) >= len(bakes) + 1  # one per code repo (names differ) + Docker repo(s)
    proc = subprocess.run(
        [str(GROOVY_LINT), "--noserver", "--failon", "error", "--output", "json", *files],
        capture_output=True, text=True, timeout=540, env=_clean_env(),
    )
    start = proc.stdout.find("{")
    assert start >= 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout[start:])
    assert report["summary"]["totalFilesLinted"] == len(files)
    errors = {
        path: [e for e in found["errors"] if e["severity"] == "error"]
        for path, found in report["files"].items()
    }
    assert not any(errors.values()), errors
    assert report["summary"]["totalRemainingErrorNumber"] == 0
    assert proc.returncode == 0, proc.stderr
