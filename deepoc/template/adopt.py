"""``deep-oc update --adopt``: give a module made without a record (the 2019-2023 DEEP
template, or by hand) a ``template`` branch, so that it can take template updates.

The answers are inferred from what the repos hold (metadata.json, setup.cfg or
pyproject.toml, the Dockerfile's ``FROM`` and ``ARG tag``, the git remote), shown, and
completed by asking (or by defaults with ``--no-input``). The template rendered with them
becomes the first commit of an unrelated ``template`` branch, merged once with
``--allow-unrelated-histories`` on a new branch: one pull request for the author to review.
"""

from __future__ import annotations

import configparser
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deepoc.errors import UsageError
from deepoc.template.pair import find_pair
from deepoc.template.update import (
    TEMPLATE_BRANCH,
    Outcome,
    UpdateError,
    git_identity,
    git_out,
    inspect_work_tree,
    run_git,
)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pyproject.toml is not read, setup.cfg still is
    tomllib = None

LICENSES = {"mit": "MIT", "apache-2.0": "Apache-2.0", "apache 2.0": "Apache-2.0",
            "apache license 2.0": "Apache-2.0", "apache2": "Apache-2.0",
            "bsd-3-clause": "BSD-3-Clause", "bsd 3-clause": "BSD-3-Clause",
            "agpl-3.0": "AGPL-3.0-only", "agpl-3.0-only": "AGPL-3.0-only"}


@dataclass
class Inferred:
    """One inferred answer and the file it came from."""

    value: str
    source: str


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _package_metadata(code: Path) -> tuple[dict[str, str], str]:
    """name, version, author(s), e-mail(s) from setup.cfg (pbr) or pyproject.toml."""
    cfg = code / "setup.cfg"
    if cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(cfg, encoding="utf-8")
        except configparser.Error:
            parser = configparser.ConfigParser()
        if parser.has_section("metadata"):
            m = parser["metadata"]
            return ({"name": m.get("name", ""), "version": m.get("version", ""),
                     "author": m.get("author", ""),
                     "email": m.get("author-email", m.get("author_email", "")),
                     "summary": m.get("summary", m.get("description", ""))}, "setup.cfg")
    toml = code / "pyproject.toml"
    if toml.is_file() and tomllib is not None:
        try:
            project = tomllib.loads(toml.read_text(encoding="utf-8")).get("project", {})
        except (OSError, ValueError):
            project = {}
        authors = [a for a in project.get("authors", []) if isinstance(a, dict)]
        return ({"name": str(project.get("name", "")), "version": str(project.get("version", "")),
                 "author": ", ".join(str(a.get("name", "")) for a in authors),
                 "email": ", ".join(str(a.get("email", "")) for a in authors),
                 "summary": str(project.get("description", ""))}, "pyproject.toml")
    return {}, ""


def _dockerfile(docker: Path) -> dict[str, str]:
    """The base image and its default tag from ``ARG tag=...`` and ``FROM image:${tag}``."""
    try:
        text = (docker / "Dockerfile").read_text(encoding="utf-8")
    except OSError:
        return {}
    out: dict[str, str] = {}
    tag = re.search(r"^\s*ARG\s+tag=(\S+)", text, re.M | re.I)
    if tag:
        out["tag"] = tag.group(1)
    base = re.search(r"^\s*FROM\s+(\S+?)(?::\$\{?tag\}?)?(?:\s|$)", text, re.M | re.I)
    if base and "$" not in base.group(1):
        out["image"] = base.group(1).split("@")[0]
    return out


def infer_answers(code: Path, docker: Path) -> dict[str, Inferred]:
    """What the repos say about the template's questions (only what they say)."""
    found: dict[str, Inferred] = {}

    def put(key: str, value: object, source: str) -> None:
        if isinstance(value, str) and value.strip() and key not in found:
            found[key] = Inferred(value.strip(), source)

    meta = _read_json(docker / "metadata.json")
    put("project_name", meta.get("title"), "metadata.json title")
    summary = meta.get("summary")
    put("description", summary.splitlines()[0] if isinstance(summary, str) else None,
        "metadata.json summary")
    license_ = meta.get("license")
    if isinstance(license_, str) and license_.strip().lower() in LICENSES:
        put("open_source_license", LICENSES[license_.strip().lower()], "metadata.json license")
    keywords = [k.lower() for k in meta.get("keywords", []) if isinstance(k, str)]
    if "trainable" in keywords:
        put("model_type", "trainable", "metadata.json keywords")
    elif "inference" in keywords:
        put("model_type", "inference", "metadata.json keywords")
    sources = meta.get("sources") if isinstance(meta.get("sources"), dict) else {}
    registry = sources.get("docker_registry_repo")
    if isinstance(registry, str) and "/" in registry:
        put("dockerhub_user", registry.split("/")[0], "metadata.json docker_registry_repo")
    package, where = _package_metadata(code)
    if package:
        name = package.get("name", "").replace("-", "_").lower()
        put("repo_name", name, f"{where} name")
        put("author_name", package.get("author"), f"{where} author")
        put("author_email", package.get("email"), f"{where} author e-mail")
        put("app_version", package.get("version"), f"{where} version")
        put("description", package.get("summary"), f"{where} summary")
    put("repo_name", code.name.replace("-", "_").lower(), "the code repo's folder name")
    remote = run_git(code, "remote", "get-url", "origin", check=False).stdout.strip()
    if remote.startswith(("https://", "http://")):
        put("git_base_url", remote.removesuffix("/").removesuffix(".git").rsplit("/", 1)[0],
            "the code repo's origin")
    code_url = sources.get("code")
    if isinstance(code_url, str) and code_url.startswith(("https://", "http://")):
        put("git_base_url", code_url.rstrip("/").rsplit("/", 1)[0], "metadata.json code")
    base = _dockerfile(docker)
    put("docker_baseimage", base.get("image"), "Dockerfile FROM")
    put("baseimage_cpu_tag", base.get("tag"), "Dockerfile ARG tag")
    return found


def adopt(directory: Path, changes: dict[str, str], no_input: bool, branch: str,
          ask: Callable[[str, str], str], say: Callable[[str], None]) -> list[Outcome]:
    """Infer, complete, render, and merge the rendered template once into ``branch``."""
    from deepoc.template import bake, check, questions, resolve_answers, template_dir

    code, docker = find_pair(directory)
    for repo in (code, docker):
        inspect_work_tree(repo)
        if run_git(repo, "rev-parse", "-q", "--verify", f"refs/heads/{TEMPLATE_BRANCH}",
                check=False).returncode == 0:
            raise UpdateError(f"{repo}: has a '{TEMPLATE_BRANCH}' branch already: run "
                              "deep-oc update instead of --adopt")
        if run_git(repo, "rev-parse", "-q", "--verify", f"refs/heads/{branch}",
                check=False).returncode == 0:
            raise UpdateError(f"{repo}: branch {branch} exists already: choose another "
                              "--branch; nothing was changed")
    template = template_dir()
    spec = questions(template)
    inferred = infer_answers(code, docker)
    say(f"answers inferred from {code.name}/ and {docker.name}/:")
    answers: dict[str, str] = {}
    for key in (k for k in spec if not k.startswith("_")):
        if key in changes:
            answers[key] = changes[key]
            say(f"  {key} = {changes[key]!r}  (given)")
        elif key in inferred:
            answers[key] = inferred[key].value
            say(f"  {key} = {inferred[key].value!r}  (from {inferred[key].source})")
        elif not no_input:
            default = resolve_answers(template, answers)[key]
            answers[key] = ask(key, str(default))
    unknown = sorted(set(changes) - set(spec))
    if unknown:
        raise UsageError(f"unknown answer(s) {', '.join(unknown)}")
    resolved = resolve_answers(template, answers)
    problems = check(resolved, None, template)
    if problems:
        raise UsageError(f"{len(problems)} problem(s) with the answers (give key=value to "
                         "correct them), nothing was changed: " + "; ".join(problems))
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="deep-oc-adopt-") as tmp:
        rendered_code, rendered_docker = bake(Path(tmp), {**answers, **changes})
        for repo, rendered in ((code, rendered_code), (docker, rendered_docker)):
            outcomes.append(_merge_unrelated(repo, rendered, branch, resolved))
    return outcomes


def _merge_unrelated(repo: Path, rendered: Path, branch: str, answers: dict) -> Outcome:
    version = json.loads((rendered / ".cookiecutter.json").read_text("utf-8")).get(
        "_template_version", "?")
    run_git(repo, "fetch", "-q", "--no-tags", str(rendered),
         f"refs/heads/{TEMPLATE_BRANCH}:refs/deep-oc/rendered")
    tree = git_out(repo, "rev-parse", "refs/deep-oc/rendered^{tree}")
    run_git(repo, "update-ref", "-d", "refs/deep-oc/rendered")
    ident = git_identity(repo, answers)
    root = git_out(repo, *ident, "commit-tree", tree, "-m",
                f"Template {version}: adopted (rendered from the inferred answers)")
    run_git(repo, "update-ref", f"refs/heads/{TEMPLATE_BRANCH}", root, "")
    run_git(repo, "switch", "-q", "-c", branch)
    outcome = Outcome(repo, True, "none", str(version), merged_into=branch)
    proc = run_git(repo, *ident, "merge", "--allow-unrelated-histories", "--no-edit", "-m",
                f"Adopt the DEEP-OC template {version}", TEMPLATE_BRANCH, check=False)
    if proc.returncode != 0:
        outcome.conflicts = git_out(repo, "diff", "--name-only", "--diff-filter=U").splitlines()
        if not outcome.conflicts:
            raise UpdateError(f"{repo}: git merge failed: {proc.stderr.strip()[-300:]}")
    return outcome
