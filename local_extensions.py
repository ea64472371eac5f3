"""Answers are text: cookiecutter must never evaluate one as a Jinja template.

Cookiecutter renders every answer with Jinja before the hooks see it (``--no-input
project_name='{{ 7*7 }}'`` becomes ``49``, and Jinja can reach Python objects, so a crafted
answer could run a command). Cookiecutter loads this module as a local extension
(``_extensions`` in cookiecutter.json); its :meth:`AnswersAreText.preprocess` sees every
string cookiecutter compiles. A string whose Jinja tags are all the template's own (the
derived ``repo_name`` default, the templated file names, the hooks) is rendered as usual;
any other string is an answer and is turned into a template that prints it unchanged.

Only the standard library and Jinja (which cookiecutter brings) are used: this runs wherever
plain ``cookiecutter`` does.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from jinja2.ext import Extension

HERE = Path(__file__).resolve().parent
# a tag as Jinja reads it, or an opener left without its closer
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
OPENER = re.compile(r"\{[{%#]")


def _strings(value: object):
    """Every string in a JSON value, dictionary keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def template_tags(root: Path = HERE) -> frozenset[str]:
    """The Jinja tags the template itself puts in strings cookiecutter compiles: in
    cookiecutter.json, in file and folder names, and in the hook scripts."""
    sources = list(_strings(json.loads((root / "cookiecutter.json").read_text("utf-8"))))
    for tree in root.glob("*{{*cookiecutter*}}*"):  # the tree cookiecutter renders
        sources.append(tree.name)
        for _folder, dirs, files in os.walk(tree):
            sources += dirs + files
    sources += [p.read_text("utf-8") for p in (root / "hooks").glob("*.py")]
    return frozenset(tag for text in sources for tag in TAG.findall(text))


def literal(text: str) -> str:
    """A template that renders to ``text`` itself: every ``{`` is printed by an expression,
    so no tag can start."""
    return text.replace("{", '{{ "{" }}')


def is_templates_own(source: str, tags: frozenset[str]) -> bool:
    """Whether ``source`` uses only the template's own tags (an answer containing any other
    tag, or a stray opener, is not)."""
    return all(tag in tags for tag in TAG.findall(source)) and not OPENER.search(
        TAG.sub("", source))


class AnswersAreText(Extension):
    """Render strings that are not the template's own as literal text."""

    def __init__(self, environment) -> None:  # noqa: ANN001 - a jinja2 Environment
        super().__init__(environment)
        self.tags = template_tags()

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name is not None:  # a file of the template, loaded by name
            return source
        if not OPENER.search(source) or is_templates_own(source, self.tags):
            return source
        return literal(source)
