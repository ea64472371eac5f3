"""The stage data and the summary table: pure functions."""

from __future__ import annotations

from pathlib import Path

from deepoc.pipeline.runner import PipelineResult, StageResult, format_summary
from deepoc.pipeline.stages import STAGES, expand, stage_names


def test_expand_splices_list_values_and_fills_strings():
    argv = ("images", "build", "--catalog", "{workdir}/catalog.json", "{push_flags}", "-o", "{x}")
    assert expand(argv, {"workdir": "/w", "push_flags": ["--no-push"], "x": "{workdir}"}) == [
        "images", "build", "--catalog", "/w/catalog.json", "--no-push", "-o", "{workdir}",
    ]
    assert expand(("{push_flags}",), {"push_flags": []}) == []


def test_stage_names_are_unique_and_publish_is_jenkins_only():
    names = stage_names()
    assert len(set(names)) == len(names)
    assert [s.name for s in STAGES if s.argv is None] == ["Publish"]


def test_summary_table_aligns_and_shows_dashes_for_unknown_counts():
    result = PipelineResult(
        [StageResult("Lint", "ok", 4, 0, 0.04), StageResult("Images", "skipped", note="why"),
         StageResult("Sync", "unstable", 3, 1, 12.345, "exit code 3")],
        Path("site"), Path("w"),
    )
    lines = format_summary(result).splitlines()
    assert lines[0].split() == ["stage", "result", "ok", "failed", "time", "note"]
    assert lines[1].split() == ["Lint", "ok", "4", "0", "0.0", "s"]
    assert lines[2].split() == ["Images", "skipped", "-", "-", "-", "why"]
    assert lines[3].split() == ["Sync", "unstable", "3", "1", "12.3", "s", "exit", "code", "3"]
    assert len({line.index(line.split()[1]) for line in lines}) == 1  # one result column
    assert result.exit_code == 1
