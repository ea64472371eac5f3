"""npm-groovy-lint 16.2.0 on the catalog Jenkinsfile and the generated ones (one Java start).

``--failon error`` fails on errors only (CodeNarc's style warnings, such as line length or
nesting depth, do not fail); npm-groovy-lint parses Groovy, it does not know Jenkins' steps,
so a misspelt step name is not caught here (the command-line tests catch renamed flags).
A deliberately broken file is linted in the same run to prove the check reports errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / ".cache" / "node" / "node_modules" / ".bin" / "npm-groovy-lint"
# C1-only JIT and the serial collector: half the CPU time of the defaults for a one-shot run.
JAVA_OPTIONS = "-Xms256m,-Xmx1024m,-XX:TieredStopAtLevel=1,-XX:+UseSerialGC"


def test_jenkinsfiles_have_no_groovy_errors(answer_set_bakes, tmp_path):
    # The catalog Jenkinsfile and each distinct generated one (default answers and the demo's
    # answer sets), copied under one folder: short, distinct paths in the report.
    files = {"catalog": ROOT / "Jenkinsfile"}
    seen = {(ROOT / "Jenkinsfile").read_bytes()}
    for code, docker in answer_set_bakes:
        for repo in (code, docker):
            content = (repo / "Jenkinsfile").read_bytes()
            if content not in seen:
                seen.add(content)
                files[repo.name] = repo / "Jenkinsfile"
    assert len(files) >= 3
    for name, src in files.items():
        (tmp_path / name).mkdir()
        shutil.copy(src, tmp_path / name / "Jenkinsfile")
    (tmp_path / "canary").mkdir()
    (tmp_path / "canary" / "Jenkinsfile").write_text("pipeline {\n  stages {\n    stage('a') {\n")
    proc = subprocess.run(
        [str(LINT), "--noserver", "--failon", "error", "--output", "json",
         f"--javaoptions={JAVA_OPTIONS}",
         *[f"{name}/Jenkinsfile" for name in [*files, "canary"]]],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    errors: dict[str, list[str]] = {}
    for path, result in report["files"].items():
        for e in result.get("errors", []):
            if e.get("severity") == "error":
                name = Path(path).parent.name
                errors.setdefault(name, []).append(f"{name}:{e.get('line')}: {e.get('msg')}")
    assert report["summary"]["totalFilesLinted"] == len(files) + 1
    assert "canary" in errors, "npm-groovy-lint did not report a syntax error"
    assert proc.returncode == 1  # --failon error: the canary's error fails the run
    errors.pop("canary")
    assert not errors, "\n".join(line for lines in errors.values() for line in lines)
