"""Bake the module template (the repository root) into a code repo and its Docker repo.

The rules for the answers live once, in ``hooks/pre_gen_project.py``; :func:`bake` runs
them before cookiecutter so that problems come back as one :class:`DeepOCError` instead
of hook output, and cookiecutter runs them again (as a plain ``cookiecutter`` user gets).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from deepoc.errors import DeepOCError, UsageError
from deepoc.interrupt import terminate_as_interrupt
from deepoc.resources import data_dir

#: Environment variable naming another template (a folder or a git URL).
TEMPLATE_ENV = "DEEPOC_TEMPLATE"


def template_dir() -> Path:
    """The template: ``$DEEPOC_TEMPLATE`` (for template authors), else the one deep-oc ships."""
    env = os.environ.get(TEMPLATE_ENV)
    if env:
        path = Path(env).expanduser()
        if not (path / "cookiecutter.json").is_file():
            raise DeepOCError(
                f"{TEMPLATE_ENV}={env} has no cookiecutter.json: point it at a checkout of deep-oc"
            )
        return path.resolve()
    shipped = data_dir("template")
    if shipped is None or not (shipped / "hooks").is_dir():
        raise DeepOCError(
            "the module template is missing from this deep-oc installation: reinstall deep-oc, "
            f"or set {TEMPLATE_ENV} to a checkout of its repository"
        )
    return shipped


def questions(template: Path | None = None) -> dict[str, Any]:
    """The template's questions and defaults (``cookiecutter.json``)."""
    path = (template or template_dir()) / "cookiecutter.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _checks(template: Path) -> ModuleType:
    """Import the pre-generation hook as a module (its ``main()`` does not run)."""
    path = template / "hooks" / "pre_gen_project.py"
    spec = importlib.util.spec_from_file_location("_deepoc_template_checks", path)
    if spec is None or spec.loader is None:
        raise DeepOCError(f"cannot load the template checks from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolve_answers(template: Path, extra_context: dict[str, Any] | None) -> dict[str, Any]:
    """The answers ``--no-input`` would give: defaults, overrides, derived ``repo_name``."""
    # cookiecutter (with Jinja2) is imported where it is used: deep-oc's parser imports this
    # package for `deep-oc new`, and the other commands need none of it
    from cookiecutter.environment import StrictEnvironment
    from cookiecutter.prompt import render_variable

    spec = questions(template)
    extra = dict(extra_context or {})
    unknown = sorted(k for k in extra if k not in spec or k.startswith("_"))
    if unknown:
        known = ", ".join(k for k in spec if not k.startswith("_"))
        raise UsageError(f"unknown template question(s) {', '.join(unknown)}; known: {known}")
    with _importable(template):  # the template's local Jinja extension
        env = StrictEnvironment(context={"cookiecutter": spec})
    answers: dict[str, Any] = {}
    for key, default in spec.items():
        if key.startswith("_"):
            continue
        if key in extra:
            value = extra[key]
            if isinstance(default, list) and value not in default:
                raise UsageError(
                    f"{key}={value!r} is not one of the choices: {', '.join(map(str, default))}"
                )
        elif isinstance(default, list):
            value = render_variable(env, default[0], answers)
        else:
            value = render_variable(env, default, answers)
        answers[key] = value
    return answers


@contextlib.contextmanager
def _importable(template: Path) -> Iterator[None]:
    """Let Jinja import the template's ``local_extensions`` (cookiecutter does the same)."""
    sys.path.insert(0, str(template))
    try:
        yield
    finally:
        sys.path.remove(str(template))


def check(answers: dict[str, Any], output_dir: str | os.PathLike[str] | None = None,
          template: Path | None = None) -> list[str]:
    """Every problem with ``answers`` (and the output folder), by the template's own rules."""
    return list(_checks(template or template_dir()).problems(
        answers, None if output_dir is None else str(output_dir)
    ))


_TEMPDIR_LOCK = threading.Lock()  # tempfile.tempdir is process-wide: one bake at a time


@contextlib.contextmanager
def _private_tempdir() -> Iterator[None]:
    """Cookiecutter writes each rendered hook to a temp file it never deletes; keep them
    in a folder of our own and remove it, so bakes do not litter the system temp folder."""
    with _TEMPDIR_LOCK, tempfile.TemporaryDirectory(prefix="deep-oc-bake-") as tmp:
        old = tempfile.tempdir
        tempfile.tempdir = tmp
        try:
            yield
        finally:
            tempfile.tempdir = old


@contextlib.contextmanager
def _quiet_cookiecutter_log() -> Iterator[None]:
    """A failing hook prints its own message; cookiecutter then logs the exception with its
    traceback, which tells a user nothing more. Keep that log quiet during a bake."""
    log = logging.getLogger("cookiecutter")
    old = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(old)


def _move_into_place(repos: list[Path], out: Path) -> list[Path]:
    """Rename the finished repos from the staging folder into ``out``, both or neither."""
    moved: list[Path] = []
    try:
        for repo in repos:
            target = out / repo.name
            if target.exists() or target.is_symlink():
                raise DeepOCError(
                    f"{target} already exists: move it away or choose another repo_name; "
                    "nothing was written")
            repo.rename(target)
            moved.append(target)
    except BaseException:
        for target, repo in zip(moved, repos, strict=False):
            target.rename(repo)
        raise
    return moved


#: recorded values a later render must reuse to give the same files (the bake's date)
REPLAYED = ("__date_creation",)


def bake(output_dir: str | os.PathLike[str],
         extra_context: dict[str, Any] | None = None,
         no_input: bool = True,
         recorded: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Make ``<repo>`` and ``DEEP-OC-<repo>`` in ``output_dir``; return their paths.

    Answers not given in ``extra_context`` take their defaults (``no_input``) or are asked;
    ``recorded`` (a repo's ``.cookiecutter.json``) gives the :data:`REPLAYED` values.
    Raises :class:`DeepOCError` listing every problem. Both repos are made in a staging
    folder beside them and renamed into place only once both are complete, so a failure or
    an interruption (Ctrl-C, SIGTERM) leaves nothing; SIGKILL can leave only the staging
    folder ``.deep-oc-bake-*``, never a half-made repo.
    """
    from cookiecutter.exceptions import CookiecutterException, FailedHookException  # see above
    from cookiecutter.main import cookiecutter

    template = template_dir()
    out = Path(output_dir).expanduser().resolve()
    extra = {k: str(v) for k, v in (extra_context or {}).items()}
    if no_input:
        answers = resolve_answers(template, extra)
        found = check(answers, out, template)
        if found:
            raise DeepOCError(
                f"{len(found)} problem(s) with the answers, nothing was written: "
                + "; ".join(found)
            )
        extra = {k: v for k, v in answers.items() if k in extra or k == "repo_name"}
    extra.update({k: str(v) for k, v in (recorded or {}).items() if k in REPLAYED and v})
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".deep-oc-bake-", dir=out))
    except OSError as exc:
        raise DeepOCError(f"cannot write into {out} ({exc.strerror}); choose another -o "
                          "folder") from None
    try:
        with terminate_as_interrupt(), _private_tempdir(), _quiet_cookiecutter_log():
            code = Path(cookiecutter(
                str(template), no_input=no_input, extra_context=extra, output_dir=str(staging)
            ))
            docker = code.parent / f"DEEP-OC-{code.name}"
            if not docker.is_dir():
                raise DeepOCError(f"the template did not produce {docker.name}")
            code, docker = _move_into_place([code, docker], out)
    except FailedHookException as exc:
        raise DeepOCError(
            f"the template stopped: {exc} (its message is printed above); nothing was kept"
        ) from exc
    except CookiecutterException as exc:
        raise DeepOCError(f"cookiecutter failed: {exc}; nothing was kept") from exc
    except OSError as exc:
        raise DeepOCError(f"the bake failed writing {exc.filename or out} ({exc.strerror}); "
                          "nothing was kept: free some space or fix the folder, and rerun") from exc
    finally:
        _remove_staging(staging)
    return code, docker


def _remove_staging(staging: Path) -> None:
    """Remove the staging folder. After an interrupt a hook may still be finishing a git
    command in it (a signal sent to deep-oc alone does not reach its children), so retry
    for a moment rather than leave half of it."""
    for _ in range(20):
        shutil.rmtree(staging, ignore_errors=True)
        if not staging.exists():
            return
        time.sleep(0.1)
