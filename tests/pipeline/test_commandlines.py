"""Every ``deep-oc`` command line in a Jenkinsfile or workflow parses with the real CLI.

A renamed flag or command then fails here instead of in a Jenkins run. Also checks that the
Jenkinsfile, the workflow and ``deep-oc pipeline run`` declare the same stages in one order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from deepoc.cli import build_parser
from deepoc.pipeline.stages import STAGES, expand, stage_names

from . import cmdlines

ROOT = Path(__file__).resolve().parents[2]
TOP_FILES = [ROOT / "Jenkinsfile", ROOT / ".github" / "workflows" / "catalog.yml"]


def _parses(cmd: cmdlines.CommandLine) -> None:
    parser = build_parser()
    try:
        ns = parser.parse_args(list(cmd.argv))
    except SystemExit:
        pytest.fail(f"{cmd.path}:{cmd.line}: `{cmd.text}` does not parse as deep-oc {cmd.argv}")
    assert callable(getattr(ns, "func", None)), f"{cmd.path}:{cmd.line}: no command function"


@pytest.mark.parametrize("path", TOP_FILES, ids=lambda p: p.name)
def test_top_level_command_lines_parse(path: Path) -> None:
    found = cmdlines.from_file(path)
    commands = {" ".join(c.argv[:2]) for c in found}
    # The extractor must see the pipeline's commands, or this test would pass on nothing.
    for expected in ("catalog lint", "catalog sync", "catalog list", "images build", "site build",
                     "pipeline merge-builds"):
        assert expected in commands, f"{path.name}: no `deep-oc {expected}` found"
    for cmd in found:
        _parses(cmd)


def test_generated_jenkinsfiles_command_lines_parse(answer_set_bakes) -> None:
    found = []
    for code, docker in answer_set_bakes:
        for repo in (code, docker):
            found += cmdlines.from_file(repo / "Jenkinsfile")
    assert found, "the generated Jenkinsfiles call no deep-oc command"
    for cmd in found:
        _parses(cmd)


def test_template_jenkinsfiles_command_lines_parse_unrendered(root) -> None:
    """The template's own Jenkinsfiles, with Jinja expressions replaced by placeholders."""
    files = sorted((root / "{{cookiecutter.repo_name}}").rglob("Jenkinsfile"))
    assert files, "the template has no Jenkinsfile"
    jinja = re.compile(r"\{\{-?\s*[^}]*\}\}|\{%-?[^%]*%\}")
    for path in files:
        text = jinja.sub("x", path.read_text(encoding="utf-8"))
        for cmd in cmdlines.from_text(text, str(path.relative_to(root))):
            _parses(cmd)


def test_pipeline_stage_argv_parse() -> None:
    values = {
        "modules": "MODULES.yml", "workdir": "w", "registry": "localhost:5000",
        "push_flags": ["--no-push"], "build_number": "7", "site": "site",
        "builds_flags": ["--builds", "w/builds.json"],
        "site_flags": ["--base-url", "https://marketplace.example.org/"],
        "local_flags": ["--allow-local"],
    }
    for stage in STAGES:
        if stage.argv is None:
            continue
        argv = tuple(expand(stage.argv, values))
        _parses(cmdlines.CommandLine("deepoc.pipeline.stages", 0, stage.name, argv))


def _jenkins_stage_names(text: str) -> list[str]:
    """Literal ``stage('Name')`` declarations (per-module parallel branches are not literal)."""
    return re.findall(r"""^\s*stage\(\s*['"]([^'"$]+)['"]\s*\)""", text, flags=re.M)


def test_jenkinsfile_and_pipeline_run_list_the_same_stages() -> None:
    text = (ROOT / "Jenkinsfile").read_text(encoding="utf-8")
    assert _jenkins_stage_names(text) == stage_names()


def test_workflow_jobs_follow_the_same_stages() -> None:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / "catalog.yml").read_text())
    assert list(data["jobs"]) == [n.lower() for n in stage_names()]


def test_extractor_handles_quotes_variables_and_pipes() -> None:
    text = (
        "sh 'deep-oc catalog lint \"$MODULES\"'\n"
        "rc = sh(script: 'deep-oc images build --catalog \"$W/catalog.json\" --only \"$M\"', x)\n"
        'run: echo "m=$(deep-oc catalog list --catalog "$W/c.json" | jq -R .)"\n'
        "// deep-oc is mentioned in a comment\n"
        "deep-oc site build --catalog ${{ env.W }}/c.json -o ${SITE} > log; echo done\n"
    )
    argvs = [c.argv for c in cmdlines.from_text(text, "t")]
    assert argvs == [
        ("catalog", "lint", "1"),
        ("images", "build", "--catalog", "1/catalog.json", "--only", "1"),
        ("catalog", "list", "--catalog", "1/c.json"),
        ("site", "build", "--catalog", "1/c.json", "-o", "1"),
    ]


def test_workflow_never_pastes_expressions_into_scripts() -> None:
    """Values reach `run:` scripts through env (no `${{ }}` script injection)."""
    data = yaml.safe_load((ROOT / ".github" / "workflows" / "catalog.yml").read_text())
    for job_id, job in data["jobs"].items():
        for step in job.get("steps") or []:
            assert "${{" not in str(step.get("run", "")), f"{job_id}: {step.get('run')}"


def test_jenkinsfile_binds_credentials_only_in_with_credentials() -> None:
    text = (ROOT / "Jenkinsfile").read_text(encoding="utf-8")
    assert "credentials(" not in text  # the environment-block form would expose them to all
    ids = set(re.findall(r"credentialsId:\s*'([^']+)'", text))
    assert ids == {"deep-oc-registry", "deep-oc-pages"}
    assert text.count("withCredentials(") == len(ids)
