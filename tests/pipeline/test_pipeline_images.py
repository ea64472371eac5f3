"""``pipeline run`` with the images stage on a real Docker engine and registry.

Reuses the images area's services (dockerd, docker-registry and git daemon started by
scripts/services/*.sh and stopped by PID) and its fast hand-made modules: one builds and
passes its smoke test, one has a broken Dockerfile. The run must be unstable, not failed:
the good module is pushed, the broken one recorded, and the site still built.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from deepoc.pipeline.runner import EXIT_UNSTABLE, format_summary, run_pipeline
from tests.images.conftest import modules, services  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("docker")]


def test_pipeline_run_with_images_is_unstable_when_one_module_fails(
    services, modules, tmp_path: Path  # noqa: F811
) -> None:
    good = modules.hand_made("pipe_good")
    bad = modules.hand_made("pipe_bad", broken=True)
    yml = tmp_path / "MODULES.yml"
    yml.write_text("---\n" + "".join(
        f"- module: {m.docker}\n  branches: [master]\n" for m in (good, bad)
    ))
    out = io.StringIO()
    result = run_pipeline(
        yml, tmp_path / "work", registry=services.registry.host, build_number="5", out=out
    )
    table = format_summary(result)
    assert result.exit_code == EXIT_UNSTABLE, out.getvalue() + table
    images = result.stage("Images")
    assert (images.status, images.ok, images.failed) == ("unstable", 1, 1), table
    assert result.stage("Sync").status == "ok"
    assert result.stage("Site").status == "ok"
    assert "--builds" in result.stage("Site").argv
    records = json.loads((tmp_path / "work" / "builds.json").read_text())["builds"]
    status = {r["module"]: r["status"] for r in records}
    assert status["pipe_good"] in ("pushed", "reused") and status["pipe_bad"] == "failed"
    assert (result.site / "index.html").is_file()
