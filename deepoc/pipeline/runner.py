"""Run the catalog pipeline's stages in order, in-process, and summarise them as a table.

The stages come from :mod:`deepoc.pipeline.stages`; each is parsed and dispatched by
``deepoc.cli`` exactly as the console script does, so a laptop run exercises the same code
and flags as Jenkins. Stage results follow Jenkins' rules: a tolerant stage (sync, images) that
fails for some modules makes the run unstable and the next stages still run; any other
failure stops the run.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import docker

from deepoc import cli
from deepoc.catalog import modules_file as mf
from deepoc.errors import UsageError
from deepoc.pipeline.stages import STAGES, Stage, expand

EXIT_OK = 0
EXIT_UNSTABLE = 1  # every stage ran, some modules failed
EXIT_FAILED = 4  # a stage failed and the run stopped there


@dataclass
class StageResult:
    """What one stage did: ``status`` is ok, unstable, failed, skipped or not run."""

    name: str
    status: str
    ok: int | None = None
    failed: int | None = None
    seconds: float | None = None
    note: str = ""
    exit_code: int | None = None
    argv: list[str] = field(default_factory=list)


@dataclass
class PipelineResult:
    """All stage results, the site folder and the exit code the command returns."""

    stages: list[StageResult]
    site: Path
    workdir: Path

    @property
    def exit_code(self) -> int:
        statuses = {s.status for s in self.stages}
        if "failed" in statuses:
            return EXIT_FAILED
        if "unstable" in statuses:
            return EXIT_UNSTABLE
        return EXIT_OK

    def stage(self, name: str) -> StageResult:
        """The result of the stage called ``name`` (case-insensitive)."""
        for s in self.stages:
            if s.name.lower() == name.lower():
                return s
        raise KeyError(name)


def docker_engine_problem() -> str | None:
    """None when a Docker engine answers (DOCKER_HOST or the default socket), else why not."""
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if where.startswith("unix://") and not Path(where[len("unix://"):]).exists():
        return f"no Docker engine at {where}"
    try:
        client = docker.from_env(timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # any failure to answer means: no usable engine
        return f"no Docker engine answers at {where} ({type(exc).__name__})"
    return None


def call_cli(argv: list[str]) -> int:
    """Parse and run one ``deep-oc`` command in this process; returns its exit code."""
    parser = cli.build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        code = exc.code
        return code if isinstance(code, int) else 2
    try:
        return cli.run(args.func, args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def run_pipeline(
    modules_file: Path,
    workdir: Path,
    *,
    registry: str | None = None,
    no_images: bool = False,
    site: Path | None = None,
    build_number: str | None = None,
    images_skip_reason: str | None = None,
    out: TextIO | None = None,
    base_url: str | None = None,
    allow_local: bool = False,
) -> PipelineResult:
    """Run every stage on one machine, in the Jenkinsfile's order, and return the results.

    ``registry`` None builds images without pushing them (``--no-push`` to ``localhost:5000``);
    the images stage is skipped with ``no_images`` or ``images_skip_reason``, or when no Docker
    engine answers. ``base_url`` is the site's public URL (``deep-oc site build --base-url``).
    ``allow_local`` passes ``--allow-local`` to lint and sync (entries may be local paths).
    """
    out = out or sys.stdout
    modules_file = Path(modules_file)
    if not modules_file.is_file():
        raise UsageError(
            f"{modules_file}: no such file; pass the catalog's MODULES.yml "
            "(one '- module: URL' entry per line)"
        )
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    site = Path(site).resolve() if site else workdir / "site"
    builds = workdir / "builds.json"
    values: dict[str, str | list[str]] = {
        "modules": str(modules_file),
        "workdir": str(workdir),
        "registry": registry or "localhost:5000",
        "push_flags": [] if registry else ["--no-push"],
        "build_number": build_number or "1",
        "site": str(site),
        "builds_flags": [],
        "site_flags": ["--base-url", base_url] if base_url else [],
        "local_flags": ["--allow-local"] if allow_local else [],
    }
    if no_images:
        images_skip_reason = "--no-images"
    results: list[StageResult] = []
    stopped = False
    for number, stage in enumerate(STAGES, 1):
        if stopped:
            results.append(StageResult(stage.name, "not run", note="an earlier stage failed"))
            continue
        if stage.argv is None:
            results.append(StageResult(stage.name, "skipped", note="Jenkins only"))
            continue
        if stage.name == "Images":
            reason = images_skip_reason or docker_engine_problem()
            if reason:
                print(f"==> [{number}/{len(STAGES)}] {stage.name}: skipped ({reason})", file=out)
                results.append(StageResult(stage.name, "skipped", note=reason))
                continue
        if stage.name == "Site" and builds.is_file():
            values["builds_flags"] = ["--builds", str(builds)]
        result = _run_stage(stage, number, values, workdir, out)
        results.append(result)
        if result.status == "failed":
            stopped = True
    return PipelineResult(results, site, workdir)


def _run_stage(
    stage: Stage, number: int, values: dict, workdir: Path, out: TextIO
) -> StageResult:
    assert stage.argv is not None
    argv = expand(stage.argv, values)
    print(f"==> [{number}/{len(STAGES)}] {stage.name}: deep-oc {shlex.join(argv)}", file=out)
    out.flush()
    before = _builds_records(workdir / "builds.json") if stage.name == "Images" else {}
    output = workdir / stage.output if stage.output else None
    mtime_before = output.stat().st_mtime_ns if output and output.exists() else None
    start = time.monotonic()
    code = call_cli(argv)
    seconds = time.monotonic() - start
    status = "ok"
    if code != 0:
        written = output is not None and output.exists() and (
            output.stat().st_mtime_ns != mtime_before
        )
        partial = (
            code in stage.partial_exit_codes if stage.partial_exit_codes else code != 2
        )
        status = "unstable" if stage.tolerant and written and partial else "failed"
    ok, failed = _count(stage.name, values, workdir, code, before)
    if status == "ok" and failed:
        status = "unstable"
    note = "" if code == 0 else f"exit code {code}"
    return StageResult(stage.name, status, ok, failed, seconds, note, code, argv)


def _count(
    name: str, values: dict, workdir: Path, code: int, before: dict
) -> tuple[int | None, int | None]:
    """Modules ok and failed in a stage, read from the files the stage writes."""
    try:
        if name == "Lint":
            return _count_lint(Path(values["modules"]), code, bool(values["local_flags"]))
        if name == "Sync":
            mods = _catalog_modules(workdir / "catalog.json")
            if mods is None:
                return None, None
            ok = sum(1 for m in mods if m.get("status") == "ok")
            return ok, len(mods) - ok
        if name == "Images":
            after = _builds_records(workdir / "builds.json")
            per_module: dict[str, bool] = {}
            for key, rec in after.items():
                if before.get(key) == rec:
                    continue  # untouched by this run
                failed = rec.get("status") == "failed"
                per_module[key[0]] = per_module.get(key[0], False) or failed
            bad = sum(1 for v in per_module.values() if v)
            return len(per_module) - bad, bad
        if name == "Site":
            mods = _catalog_modules(workdir / "catalog.json")
            if mods is None:
                return None, None
            return (len(mods), 0) if code == 0 else (0, len(mods))
    except (OSError, ValueError):
        return None, None
    return None, None


def _count_lint(modules_file: Path, code: int, allow_local: bool = False
                ) -> tuple[int | None, int | None]:
    try:
        text = mf.read_text(modules_file)
    except Exception:  # unreadable or too large: lint reported it
        return 0, None
    try:
        entries = mf.parse(text, str(modules_file), allow_local=allow_local)
    except Exception:  # unparseable: lint reported it, count nothing as ok
        entries = []
    bad_lines = ({p.line for p in mf.lint(text, str(modules_file), allow_local=allow_local)}
                 if code else set())
    bad = len(bad_lines)
    return max(len(entries) - bad, 0), bad


def _catalog_modules(path: Path) -> list[dict] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data.get("modules") or [])


def _builds_records(path: Path) -> dict[tuple, dict]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    recs = {}
    for rec in data.get("builds") or []:
        key = (rec.get("module"), rec.get("branch"), rec.get("git_tag"), rec.get("variant"))
        recs[key] = rec
    return recs


def format_summary(result: PipelineResult) -> str:
    """The summary table: stage, result, modules ok/failed, time, note."""
    rows = [("stage", "result", "ok", "failed", "time", "note")]
    for s in result.stages:
        rows.append(
            (
                s.name,
                s.status,
                "-" if s.ok is None else str(s.ok),
                "-" if s.failed is None else str(s.failed),
                "-" if s.seconds is None else f"{s.seconds:.1f} s",
                s.note,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for r in rows:
        cells = [
            r[0].ljust(widths[0]),
            r[1].ljust(widths[1]),
            r[2].rjust(widths[2]),
            r[3].rjust(widths[3]),
            r[4].rjust(widths[4]),
            r[5],
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
