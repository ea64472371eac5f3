"""``deep-oc new``: bake the module template, asking questions or from key=value answers."""

from __future__ import annotations

import argparse

from deepoc.errors import UsageError
from deepoc.template import bake, questions, template_dir


def register(reg) -> None:
    p = reg.command(
        "new",
        help="Create a module: a code repo and its DEEP-OC Docker repo, from the template.",
    )
    p.add_argument("--no-input", action="store_true",
                   help="ask nothing: defaults plus the key=value answers given")
    p.add_argument("-o", "--output-dir", default=".", metavar="DIR",
                   help="folder to create the two repositories in (default: current folder)")
    p.add_argument("answers", nargs="*", metavar="key=value",
                   help="answers, e.g. project_name='Plant classifier' (see docs: template)")
    p.set_defaults(func=_run_new)


def parse_answers(items: list[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``; a malformed item is a UsageError."""
    answers: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").isalnum():
            raise UsageError(
                f"answer {item!r} is not key=value: write e.g. project_name='Plant classifier'"
            )
        if key in answers:
            raise UsageError(f"answer {key} is given twice: keep one")
        answers[key] = value
    return answers


def _run_new(args: argparse.Namespace) -> int:
    answers = parse_answers(args.answers)
    known = {k for k in questions(template_dir()) if not k.startswith("_")}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise UsageError(
            f"unknown answer(s) {', '.join(unknown)}: known keys are {', '.join(sorted(known))}"
        )
    code, docker = bake(args.output_dir, answers, no_input=args.no_input)
    print(f"created {code}")
    print(f"created {docker}")
    print("both on branch master (and test), remote origin set; next: push them and "
          "`deep-oc publish`")
    return 0
