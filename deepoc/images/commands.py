"""``deep-oc images build`` and ``deep-oc images tags``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from deepoc.errors import UsageError
from deepoc.images import naming
from deepoc.images.records import BuildsFile
from deepoc.images.tags import image_tags
from deepoc.textsafe import for_terminal


def register(reg) -> None:
    """Add the images commands to the CLI."""
    p = reg.group_command(
        "images",
        "build",
        help="Build each module image once, smoke-test it, apply all its tags and push it.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--catalog", metavar="DIR/catalog.json",
                     help="build every buildable module branch of this catalog")
    src.add_argument("--repo", metavar="PATH", help="build one Docker repo checkout")
    ref = p.add_mutually_exclusive_group()
    ref.add_argument("--branch", metavar="B", help="with --repo: the branch being built")
    ref.add_argument("--git-tag", metavar="T", help="with --repo: the git tag being built")
    p.add_argument("--registry", required=True, metavar="REG",
                   help="registry host[:port][/prefix], e.g. localhost:5000")
    p.add_argument("--namespace", metavar="NS",
                   help="with --catalog: images go to <registry>/<NS>/<module name> unless "
                   "MODULES.yml gives an 'image:' (default deephdc)")
    p.add_argument("--build-number", metavar="N",
                   help="CI build number for the <sha7>_<N> tag (default: $BUILD_NUMBER)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="with --catalog: only this module (repeatable)")
    p.add_argument("--jobs", type=int, default=1, metavar="J",
                   help="modules built in parallel (default 1)")
    p.add_argument("--no-push", action="store_true", help="build, smoke-test and tag locally only")
    p.add_argument("--code-repo", metavar="URL",
                   help="with --repo: code repo to install (default: metadata.json sources.code)")
    p.add_argument("--builds", metavar="FILE",
                   help="builds.json to update (default: beside the catalog; none for --repo)")
    p.add_argument("--no-cache", action="store_true",
                   help="ignore the build key and the layer cache: rebuild everything")
    p.add_argument("--smoke-timeout", type=float, metavar="S",
                   help="seconds to wait for the DEEPaaS API (default 120)")
    p.set_defaults(func=_run_build)

    r = reg.command(
        "run",
        help="Build the module's image from your local code (committed, pushed or not), "
        "smoke-test it and serve its API on 127.0.0.1 until Ctrl-C.",
    )
    r.add_argument("dir", nargs="?", default=".", metavar="DIR",
                   help="the module: the folder holding <repo>/ and DEEP-OC-<repo>/, or one "
                   "of them (default: the current folder)")
    r.add_argument("--gpu", action="store_true",
                   help="the GPU image (build.json gpu_tag), run with every GPU")
    r.add_argument("--port", type=int, default=5000, metavar="P",
                   help="serve the API on 127.0.0.1:P (default 5000)")
    r.add_argument("--no-build", action="store_true",
                   help="run the image deep-oc run built last for this module")
    r.add_argument("--code", metavar="PATH",
                   help="the code repo, when DIR is a Docker repo without it beside it")
    r.add_argument("--allow-dirty", action="store_true",
                   help="build from the work trees, uncommitted changes included")
    r.add_argument("--smoke-timeout", type=float, metavar="S",
                   help="seconds to wait for the DEEPaaS API (default 120)")
    r.set_defaults(func=_run_local)

    t = reg.group_command("images", "tags", help="Print the tags one image gets, one per line.")
    ref = t.add_mutually_exclusive_group(required=True)
    ref.add_argument("--branch", metavar="B")
    ref.add_argument("--git-tag", metavar="T")
    t.add_argument("--commit", required=True, metavar="SHA")
    t.add_argument("--build-number", required=True, metavar="N")
    t.add_argument("--variant", required=True, choices=("cpu", "gpu"))
    t.set_defaults(func=_run_tags)


def _run_local(args: argparse.Namespace) -> int:
    # the Docker SDK loads only for this command
    from deepoc.images import localrun

    if args.no_build and (args.allow_dirty or args.code):
        raise UsageError("--no-build runs the last image: --allow-dirty and --code go with a "
                         "build")
    return localrun.run(localrun.RunOptions(
        directory=Path(args.dir), code=Path(args.code) if args.code else None, gpu=args.gpu,
        port=args.port, build=not args.no_build, allow_dirty=args.allow_dirty,
        smoke_timeout=args.smoke_timeout,
    ))


def _run_tags(args: argparse.Namespace) -> int:
    for tag in image_tags(commit=args.commit, variant=args.variant,
                          build_number=args.build_number, branch=args.branch,
                          git_tag=args.git_tag):
        print(tag)
    return 0


def _run_build(args: argparse.Namespace) -> int:
    # the Docker SDK loads only for this command
    from deepoc.images import builder, engine

    if args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    build_number = args.build_number or os.environ.get("BUILD_NUMBER") or None
    if args.catalog:
        if args.branch or args.git_tag or args.code_repo:
            raise UsageError("--branch, --git-tag and --code-repo go with --repo, not --catalog")
        jobs, notes = builder.jobs_from_catalog(
            args.catalog, args.only, args.namespace or naming.DEFAULT_NAMESPACE)
        workdir = Path(args.catalog).parent
        builds_path = Path(args.builds) if args.builds else workdir / "builds.json"
    else:
        if args.only or args.namespace:
            raise UsageError("--only and --namespace go with --catalog, not --repo")
        if not (args.branch or args.git_tag):
            raise UsageError("--repo needs --branch B or --git-tag T")
        jobs = [builder.job_from_repo(args.repo, args.branch, args.git_tag, args.code_repo)]
        notes = []
        builds_path = Path(args.builds) if args.builds else None
    log_dir = builds_path.parent / "logs" if builds_path else Path(
        tempfile.mkdtemp(prefix="deep-oc-images-logs-")
    )
    for note in notes:
        print(for_terminal(note, keep_newlines=False), file=sys.stderr)
    if jobs:
        engine.connect()  # no engine: one line now, not one failure per module
    options = builder.Options(
        registry=args.registry,
        build_number=build_number,
        push=not args.no_push,
        jobs=args.jobs,
        no_cache=args.no_cache,
        smoke_timeout=args.smoke_timeout,
        log_dir=log_dir,
        builds=BuildsFile(builds_path),
    )
    counts = builder.Runner(options).run(jobs)
    print(
        f"images: {counts.built} built, {counts.reused} reused, {counts.pushed} pushed, "
        f"{counts.failed} failed; logs in {log_dir}",
        file=sys.stderr,
    )
    return 1 if counts.failed else 0
