"""The catalog pipeline's stages, defined once as data.

Each stage is one ``deep-oc`` command line. ``deep-oc pipeline run`` executes these argv
lists in-process through ``deepoc.cli`` (the same parser and functions Jenkins reaches through
the console script), and tests check that the top-level Jenkinsfile declares the same stages
in the same order and that every argv here parses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: its Jenkins stage name and the ``deep-oc`` argv it runs.

    ``argv`` items are templates: ``{name}`` inside an item is replaced by a string, and an item
    that is exactly ``{name}`` whose value is a list expands to zero or more items (optional
    flags). ``argv`` is None for a stage that only runs in Jenkins (``Publish``).
    ``tolerant`` means a non-zero exit with the stage's output file present makes the run
    unstable (some modules failed) rather than stopping it, as the Jenkinsfile does.
    """

    name: str
    argv: tuple[str, ...] | None
    summary: str
    tolerant: bool = False
    output: str | None = None  # file under the workdir whose presence means "partly done"
    partial_exit_codes: tuple[int, ...] | None = None  # None: any code but 2 may be partial


STAGES: tuple[Stage, ...] = (
    Stage(
        "Lint",
        ("catalog", "lint", "{modules}", "{local_flags}"),
        "check MODULES.yml: syntax, URLs, duplicates",
    ),
    Stage(
        "Sync",
        ("catalog", "sync", "{modules}", "--workdir", "{workdir}", "{local_flags}"),
        "mirror each module, validate its metadata, write catalog.json",
        tolerant=True,
        output="catalog.json",
        partial_exit_codes=(3,),  # catalog sync: some modules failed, catalog.json written
    ),
    Stage(
        "Images",
        (
            "images", "build", "--catalog", "{workdir}/catalog.json", "--registry", "{registry}",
            "--build-number", "{build_number}", "{push_flags}",
        ),
        "build, smoke-test, tag and push each module's images",
        tolerant=True,
        output="builds.json",
    ),
    Stage(
        "Site",
        ("site", "build", "--catalog", "{workdir}/catalog.json", "{builds_flags}", "-o", "{site}",
         "{site_flags}"),
        "render the marketplace from catalog.json and builds.json",
    ),
    Stage(
        "Publish",
        None,
        "Jenkins only: publish the site (ghp-import to gh-pages or a copy to a web root)",
    ),
)


def stage_names() -> list[str]:
    """The stage names in order, as the Jenkinsfile's ``stage('...')`` declares them."""
    return [s.name for s in STAGES]


def expand(argv: tuple[str, ...], values: Mapping[str, str | list[str]]) -> list[str]:
    """Fill a stage's argv template; a whole-item ``{name}`` with a list value splices it in."""
    out: list[str] = []
    for item in argv:
        if item.startswith("{") and item.endswith("}") and item[1:-1] in values:
            value = values[item[1:-1]]
            if isinstance(value, list):
                out.extend(value)
                continue
            out.append(value)
            continue
        text = item
        for key, value in values.items():
            if isinstance(value, str):
                text = text.replace("{" + key + "}", value)
        out.append(text)
    return out
