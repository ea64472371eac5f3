"""Find the ``deep-oc`` command lines in Jenkinsfiles and workflows, ready for the real parser.

Variables (``$X``, ``${X}``, ``${env.X}``, ``${{ matrix.x }}``, ``"$@"``) become placeholder
values; the Groovy string or shell pipeline around a command is cut off, so what remains is the
argv a shell would hand to ``deep-oc``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

_VAR = re.compile(
    r"""(?P<q>["']?)(?:\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$[@*#?0-9])(?P=q)"""
)
_START = re.compile(r"""(?:^|(?<=[\s'"(;&|`]))deep-oc\s+(?=[a-z-])""")
_STOP = {"|", "||", "&&", ";", ">", ">>", "<", "&", ")", "(", "2>", "2>&1"}


@dataclass(frozen=True)
class CommandLine:
    """One ``deep-oc`` command found in a file: where, the text, and the argv after deep-oc."""

    path: str
    line: int
    text: str
    argv: tuple[str, ...]


def _placeholder(var: str) -> str:
    low = var.lower()
    if "variant" in low:
        return "cpu"
    return "1"


def _argv_from(text: str) -> tuple[str, ...]:
    m = _START.search(text)
    assert m is not None
    before = text[m.start() - 1] if m.start() > 0 else ""
    rest = _VAR.sub(lambda v: _placeholder(v.group(0)), text[m.end():])
    if before and before in "'\"":
        cut = rest.find(before)
        if cut >= 0:
            rest = rest[:cut]
    rest = rest.rstrip().removesuffix("\\")
    lex = shlex.shlex(rest, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    argv: list[str] = []
    for tok in lex:
        if tok in _STOP:
            break
        argv.append(tok)
    return tuple(argv)


def _is_comment(line: str) -> bool:
    s = line.lstrip()
    return s.startswith(("//", "#", "*", "/*"))


def from_text(text: str, path: str) -> list[CommandLine]:
    """Every ``deep-oc`` command in ``text`` (comment lines excepted)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if _is_comment(line) or not _START.search(line):
            continue
        found.append(CommandLine(path, number, line.strip(), _argv_from(line)))
    return found


def from_workflow(path: Path) -> list[CommandLine]:
    """Every ``deep-oc`` command in the ``run:`` steps of a GitHub Actions workflow."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for job_id, job in (data.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            run = step.get("run")
            if isinstance(run, str):
                found += from_text(run, f"{path}:{job_id}.steps[{i}]")
    return found


def from_file(path: Path) -> list[CommandLine]:
    """Commands in a Jenkinsfile or a workflow file, by its kind."""
    if path.suffix in (".yml", ".yaml"):
        return from_workflow(path)
    return from_text(path.read_text(encoding="utf-8"), str(path))
