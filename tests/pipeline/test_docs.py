"""The documentation builds with ``mkdocs build --strict`` and the CLI reference is complete."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from deepoc.cli import build_parser
from deepoc.pipeline.clidoc import BEGIN, END, option_names, walk

ROOT = Path(__file__).resolve().parents[2]


def test_mkdocs_build_strict(tmp_path):
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mkdocs"), "build", "--strict", "-q", "-d", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "operator" / "pipeline" / "index.html").is_file()


def _sections(page: str) -> dict[str, str]:
    """The generated part of the page, split by command heading."""
    body = page.split(BEGIN, 1)[1].split(END, 1)[0]
    parts = re.split(r"^### (deep-oc[^\n]*)$", body, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_every_command_and_option_is_in_the_cli_reference():
    page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    sections = _sections(page)
    fix = "; run: .venv/bin/python -m deepoc.pipeline.clidoc --write"
    for path, parser in walk(build_parser()):
        title = "deep-oc " + " ".join(path)
        assert title in sections, f"docs/reference/cli.md has no section for `{title}`{fix}"
        for name in option_names(parser):
            assert f"`{name}" in sections[title], (
                f"docs/reference/cli.md: `{title}` does not document {name}{fix}"
            )


def test_walk_finds_the_pipeline_commands():
    titles = {" ".join(path) for path, _ in walk(build_parser())}
    assert {"pipeline run", "pipeline merge-builds", "demo", "catalog sync"} <= titles
