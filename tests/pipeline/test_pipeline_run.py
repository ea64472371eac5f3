"""``deep-oc pipeline run`` and ``deep-oc demo`` end to end, through the console script.

Real template bakes, real git repositories, the real catalog sync and site build; no Docker
engine (DOCKER_HOST points at a socket that does not exist) so the images stage is skipped
the same way on every machine. The images stage itself is tested by tests/images.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from deepoc.pipeline.stages import stage_names

ROOT = Path(__file__).resolve().parents[2]
DEEP_OC = str(ROOT / ".venv" / "bin" / "deep-oc")


def _run(argv: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DEEP_OC, *argv], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _table(stdout: str) -> dict[str, list[str]]:
    """The summary table's rows by stage name, in order."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["stage", "result"])
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def small_catalog(tmp_path_factory) -> Path:
    """Two baked modules as local git repos, listed in a MODULES.yml."""
    from deepoc.template import bake

    base = tmp_path_factory.mktemp("catalog")
    repos = base / "repos"
    repos.mkdir()
    lines = ["---"]
    for answers in (
        {"project_name": "Leaf counter", "open_source_license": "MIT"},
        {"project_name": "Wave height", "open_source_license": "Apache-2.0",
         "baseimage_gpu_tag": ""},
    ):
        _, docker = bake(repos, answers)
        lines.append(f"- module: {docker}")
    (base / "MODULES.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return base


def test_pipeline_run_no_images(small_catalog, no_docker_env, tmp_path) -> None:
    work, site = tmp_path / "work", tmp_path / "site"
    proc = _run(
        ["pipeline", "run", str(small_catalog / "MODULES.yml"), "--workdir", str(work),
         "--no-images", "-o", str(site), "--base-url", "https://marketplace.example.org/",
         "--allow-local"],
        no_docker_env, tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "--base-url https://marketplace.example.org/" in proc.stdout  # the Site stage's
    rows = _table(proc.stdout)
    assert list(rows) == stage_names()
    assert rows["Lint"][:3] == ["ok", "2", "0"]
    assert rows["Sync"][:3] == ["ok", "2", "0"]
    assert rows["Images"][0] == "skipped" and "--no-images" in " ".join(rows["Images"])
    assert rows["Site"][:3] == ["ok", "2", "0"]
    assert rows["Publish"][0] == "skipped"
    catalog = json.loads((work / "catalog.json").read_text())
    assert sorted(m["name"] for m in catalog["modules"]) == ["leaf_counter", "wave_height"]
    assert (site / "index.html").is_file()
    assert "<loc>https://marketplace.example.org/modules/" in (site / "sitemap.xml").read_text()
    assert "Traceback" not in proc.stderr


def test_pipeline_run_stops_at_a_failing_lint(no_docker_env, tmp_path) -> None:
    modules = tmp_path / "MODULES.yml"
    modules.write_text("---\n- module: not a url\n", encoding="utf-8")
    proc = _run(
        ["pipeline", "run", str(modules), "--workdir", str(tmp_path / "w"), "--no-images"],
        no_docker_env, tmp_path,
    )
    assert proc.returncode == 4, proc.stdout + proc.stderr
    rows = _table(proc.stdout)
    assert rows["Lint"][0] == "failed"
    assert [rows[n][0] for n in ("Sync", "Site")] == ["not", "not"]  # "not run"
    assert "Traceback" not in proc.stderr


def test_pipeline_run_missing_modules_file_is_one_line(no_docker_env, tmp_path) -> None:
    proc = _run(
        ["pipeline", "run", str(tmp_path / "nope.yml"), "--workdir", str(tmp_path / "w")],
        no_docker_env, tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "nope.yml" in proc.stderr


def test_demo_no_serve_twice(no_docker_env, tmp_path) -> None:
    """The newcomer's first command: offline, no configuration; re-running works."""
    for _ in range(2):
        proc = _run(["demo", "--no-serve"], no_docker_env, tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
    demo = tmp_path / "deep-oc-demo"  # the documented default: a folder in the current dir
    rows = _table(proc.stdout)
    assert list(rows) == stage_names()
    assert rows["Images"][0] == "skipped" and "Docker" in " ".join(rows["Images"])
    # The deliberate mistake is reported as one failed module, the others are fine.
    assert rows["Sync"][:3] == ["unstable", "3", "1"]
    assert rows["Site"][:3] == ["ok", "4", "0"]
    catalog = json.loads((demo / "work" / "catalog.json").read_text())
    by_name = {m["name"]: m for m in catalog["modules"]}
    assert len(by_name) == 4
    broken = by_name["seagrass_mapper"]["branches"]["master"]
    assert broken["valid"] is False
    assert any(e["path"] == "$.date_creation" for e in broken["errors"])
    assert by_name["seagrass_mapper"]["branches"]["test"]["valid"] is True
    assert all(by_name[n]["status"] == "ok" for n in by_name if n != "seagrass_mapper")
    index = (demo / "site" / "index.html").read_text(encoding="utf-8")
    assert "Plant classifier" in index
    assert "seagrass_mapper" in proc.stdout and "site:" in proc.stdout


def test_demo_refuses_a_folder_it_did_not_make(no_docker_env, tmp_path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    proc = _run(["demo", "--workdir", str(target), "--no-serve"], no_docker_env, tmp_path)
    assert proc.returncode == 2
    assert "not empty" in proc.stderr and proc.stderr.count("\n") == 1
    assert (target / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]
