"""``deep-oc pipeline run``, ``deep-oc pipeline merge-builds`` and ``deep-oc demo``."""

from __future__ import annotations

import argparse
from pathlib import Path

from deepoc.catalog.commands import ALLOW_LOCAL_HELP
from deepoc.pipeline.merge import merge_files
from deepoc.textsafe import for_terminal


def register(reg) -> None:
    """Add the pipeline area's commands to the ``deep-oc`` parser."""
    p = reg.group_command(
        "pipeline",
        "run",
        help="Run the catalog pipeline (lint, sync, images, site) on this machine, "
        "in the Jenkinsfile's order, and print a summary table.",
    )
    p.add_argument("modules", metavar="MODULES.yml", help="the catalog's module list")
    p.add_argument("--workdir", required=True, metavar="DIR",
                   help="mirrors, catalog.json, builds.json and logs go here")
    p.add_argument("--registry", metavar="REG",
                   help="push images here (default: build and smoke-test only, no push)")
    p.add_argument("--no-images", action="store_true", help="skip the images stage")
    p.add_argument("-o", "--output", metavar="SITE", help="site folder (default DIR/site)")
    p.add_argument("--build-number", metavar="N", help="build number for the immutable tags")
    p.add_argument("--base-url", metavar="URL",
                   help="public URL of the site (absolute links in its feed and sitemap)")
    p.add_argument("--allow-local", action="store_true", help=ALLOW_LOCAL_HELP)
    p.set_defaults(func=_run_pipeline)

    p = reg.group_command(
        "pipeline",
        "merge-builds",
        help="Merge the builds.json files written by fanned-out images builds into one.",
    )
    p.add_argument("output", metavar="DIR/builds.json", help="merged file (its records are kept)")
    p.add_argument("inputs", nargs="+", metavar="PART.json", help="builds.json from each agent")
    p.set_defaults(func=_run_merge)

    p = reg.command(
        "demo",
        help="Bake example modules, run the catalog pipeline on them and serve the "
        "marketplace on 127.0.0.1 (offline, no account, no configuration).",
    )
    p.add_argument("--workdir", metavar="DIR",
                   help="the demo's folder (default ./deep-oc-demo; re-runs reuse it)")
    p.add_argument("--port", type=int, metavar="P", help="serve on this port (default: a free one)")
    p.add_argument("--no-serve", action="store_true",
                   help="stop after building the site (for tests and scripts)")
    p.set_defaults(func=_run_demo)


def _run_pipeline(args: argparse.Namespace) -> int:
    # the runner and the demo load the Docker SDK and cookiecutter: only for their commands
    from deepoc.pipeline.runner import format_summary, run_pipeline

    result = run_pipeline(
        Path(args.modules),
        Path(args.workdir),
        registry=args.registry,
        no_images=args.no_images,
        site=Path(args.output) if args.output else None,
        build_number=args.build_number,
        base_url=args.base_url,
        allow_local=args.allow_local,
    )
    print()
    print(for_terminal(format_summary(result)))  # quotes module reasons
    print(f"\nsite: {result.site}")
    return result.exit_code


def _run_merge(args: argparse.Namespace) -> int:
    count = merge_files(Path(args.output), [Path(p) for p in args.inputs])
    print(f"{args.output}: {count} build records")
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from deepoc.pipeline.demo import run_demo

    code, _ = run_demo(
        Path(args.workdir) if args.workdir else None, port=args.port, serve=not args.no_serve
    )
    return code
