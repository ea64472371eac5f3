"""``deep-oc demo``: the catalog pipeline on an embedded default catalog, offline.

Bakes the example modules listed in ``catalog/demo.yml`` from the shipped template as
local git repositories (one with a deliberate metadata mistake), writes their MODULES.yml,
runs the same stages as Jenkins (images only when a Docker engine answers and has the base
images), builds the marketplace and serves it on 127.0.0.1.

The work folder (default ``./deep-oc-demo``) is the demo's own: it holds a marker file, and a
re-run re-bakes ``repos/`` and re-syncs ``work/`` incrementally. A non-empty folder without the
marker is refused, so the demo never deletes anything it did not make.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import docker
import yaml

from deepoc.errors import DeepOCError, UsageError
from deepoc.fsutil import atomic_write_text
from deepoc.pipeline.runner import (
    EXIT_FAILED,
    PipelineResult,
    call_cli,
    docker_engine_problem,
    format_summary,
    run_pipeline,
)
from deepoc.resources import data_dir
from deepoc.template import bake

MARKER = ".deep-oc-demo"
DEFAULT_WORKDIR = "deep-oc-demo"


def demo_catalog_file() -> Path:
    """The embedded default catalog's answer sets (``catalog/demo.yml``, shipped in the wheel)."""
    folder = data_dir("catalog")
    if folder is None:
        raise DeepOCError("the demo catalog is missing from this deep-oc installation; "
                          "reinstall deep-oc")
    return folder / "demo.yml"


@dataclass
class DemoModule:
    """One baked example: its repos and whether it carries the deliberate mistake."""

    name: str
    code_repo: Path
    docker_repo: Path
    broken: bool


def load_demo_catalog(path: Path | None = None) -> dict[str, Any]:
    """Read ``catalog/demo.yml``: ``git_base_url`` and ``modules`` (answers, metadata_edit)."""
    path = path or demo_catalog_file()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DeepOCError(
            f"{path}: cannot read the demo catalog ({exc}); restore it from git"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("modules"), list):
        raise DeepOCError(f"{path}: expected a mapping with a 'modules' list; restore it from git")
    return data


def prepare_workdir(workdir: Path) -> Path:
    """Create or reuse the demo folder; refuse a non-empty folder the demo did not make."""
    workdir = workdir.resolve()
    if workdir.exists() and not workdir.is_dir():
        raise UsageError(f"{workdir}: not a folder; pass --workdir with a folder path")
    if workdir.is_dir() and any(workdir.iterdir()) and not (workdir / MARKER).exists():
        raise UsageError(
            f"{workdir}: folder is not empty and was not made by deep-oc demo; "
            "pass --workdir with a new or empty folder"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(workdir / MARKER, "made by deep-oc demo; safe to delete\n")
    return workdir


def bake_modules(workdir: Path, catalog: dict[str, Any], out: TextIO) -> list[DemoModule]:
    """Bake every example module into ``workdir/repos`` (re-made on every run)."""
    repos = workdir / "repos"
    if repos.exists():
        shutil.rmtree(repos)
    repos.mkdir()
    made: list[DemoModule] = []
    for entry in catalog["modules"]:
        answers = {str(k): str(v) for k, v in (entry.get("answers") or {}).items()}
        if catalog.get("git_base_url") and "git_base_url" not in answers:
            answers["git_base_url"] = str(catalog["git_base_url"])
        code, docker = bake(repos, answers)
        edit = entry.get("metadata_edit") or {}
        if edit:
            _commit_metadata_edit(Path(docker), edit)
        name = Path(code).name
        made.append(DemoModule(name, Path(code), Path(docker), bool(edit)))
        note = "  (with a deliberate metadata mistake)" if edit else ""
        print(f"    baked {name}: {Path(code).name}/ + {Path(docker).name}/{note}", file=out)
    return made


def _commit_metadata_edit(docker_repo: Path, edit: dict[str, Any]) -> None:
    """Apply the demo's mistake to metadata.json on master and commit it, as a user would."""
    path = docker_repo / "metadata.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(edit)
    atomic_write_text(path, json.dumps(data, indent=4, ensure_ascii=False) + "\n")
    git = [
        "git", "-C", str(docker_repo), "-c", "user.name=deep-oc demo",
        "-c", "user.email=demo@example.org", "-c", "commit.gpgsign=false",
    ]
    for argv in (git + ["add", "metadata.json"], git + ["commit", "-q", "-m", "Update metadata"]):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        proc = subprocess.run(argv, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise DeepOCError(
                f"{docker_repo}: git {argv[len(git)]} failed ({proc.stderr.strip()}); "
                "check that git works, then re-run deep-oc demo"
            )


def write_modules_file(workdir: Path, modules: list[DemoModule]) -> Path:
    """The demo catalog's MODULES.yml: the Docker repos as local paths."""
    lines = ["# Written by deep-oc demo: the example modules' Docker repos, as local paths.", "---"]
    lines += [f"- module: {m.docker_repo}" for m in modules]
    path = workdir / "MODULES.yml"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def images_skip_reason(modules: list[DemoModule]) -> str | None:
    """Why the demo skips the images stage: no engine, or the base images are not local."""
    problem = docker_engine_problem()
    if problem:
        return problem

    client = docker.from_env(timeout=5)
    missing: list[str] = []
    try:
        for m in modules:
            try:
                build = json.loads((m.docker_repo / "build.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            ref = f"{build.get('base_image')}:{build.get('cpu_tag')}"
            if ref in missing:
                continue
            try:
                client.images.get(ref)
            except Exception:
                missing.append(ref)
    finally:
        client.close()
    if missing:
        return (
            f"base image {', '.join(missing)} is not in the local Docker engine and the demo "
            "is offline (docker pull it to include the images stage)"
        )
    return None


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_demo(
    workdir: Path | None = None,
    port: int | None = None,
    serve: bool = True,
    out: TextIO | None = None,
) -> tuple[int, PipelineResult]:
    """Bake, catalog, run the pipeline, build the site and (unless ``serve`` is False) serve it."""
    out = out or sys.stdout
    workdir = prepare_workdir(Path(workdir) if workdir else Path.cwd() / DEFAULT_WORKDIR)
    catalog = load_demo_catalog()
    print(f"deep-oc demo: working in {workdir}", file=out)
    print(f"==> baking {len(catalog['modules'])} example modules from the template", file=out)
    modules = bake_modules(workdir, catalog, out)
    modules_file = write_modules_file(workdir, modules)
    print(f"==> wrote {modules_file}", file=out)
    out.flush()
    result = run_pipeline(
        modules_file,
        workdir / "work",
        site=workdir / "site",
        images_skip_reason=images_skip_reason(modules),
        out=out,
        allow_local=True,  # the demo's modules are local repositories it just baked
    )
    print("", file=out)
    print(format_summary(result), file=out)
    broken = [m.name for m in modules if m.broken]
    images = result.stage("Images")
    if images.status == "skipped":
        print(f"\nThe images stage was skipped ({images.note}); the rest ran.", file=out)
    if broken:
        print(
            f"{', '.join(broken)} carries a deliberate metadata mistake on master: "
            "sync reported it above, and its page shows the error with its place and a fix.",
            file=out,
        )
    if result.exit_code == EXIT_FAILED:
        print("deep-oc demo: a stage failed; see its output above", file=out)
        return EXIT_FAILED, result
    print(f"\nsite: {result.site}", file=out)
    if not serve:
        return 0, result
    port = port or free_port()
    print(f"Marketplace: http://127.0.0.1:{port}/  (Ctrl-C to stop)", file=out)
    for name in broken:
        page = _module_page(result.site, name)
        if page:
            print(f"  the module with the mistake: http://127.0.0.1:{port}/{page}", file=out)
    out.flush()
    code = call_cli(["site", "serve", str(result.site), "--port", str(port)])
    return (0 if code == 130 else code), result  # Ctrl-C is how a user stops the demo


def _module_page(site: Path, name: str) -> str | None:
    """The site-relative URL of a module's page, whichever layout the site uses."""
    for rel in (f"modules/{name}.html", f"modules/{name}/index.html", f"modules/{name}/"):
        if (site / rel).is_file():
            return rel.removesuffix("index.html")
    return None
