"""``deep-oc site build`` and ``deep-oc site serve``."""

from __future__ import annotations

import argparse

from deepoc.textsafe import for_terminal


def register(reg) -> None:  # noqa: ANN001 - the CLI registry
    """Add the site commands to the ``deep-oc`` parser."""
    p = reg.group_command(
        "site", "build",
        help="render the marketplace (a self-contained static site) from catalog.json",
    )
    p.add_argument("--catalog", required=True, metavar="DIR/catalog.json",
                   help="catalog written by 'deep-oc catalog sync'")
    p.add_argument("--builds", metavar="DIR/builds.json",
                   help="build records written by 'deep-oc images build' (run commands and "
                        "build status come from here)")
    p.add_argument("-o", "--output", required=True, metavar="SITE", help="folder of the site")
    p.add_argument("--base-url", metavar="URL",
                   help="public URL of the site, used only for absolute links in the feed, "
                        "sitemap and canonical links")
    p.add_argument("--no-remote-images", action="store_true",
                   help="show the pictures of module descriptions as links, so pages make "
                        "no requests to other sites")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_run_build)

    p = reg.group_command("site", "serve",
                          help="serve a built site on http://127.0.0.1:PORT/ (for a demo)")
    p.add_argument("site", metavar="SITE", help="folder written by 'deep-oc site build'")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    p.set_defaults(func=_run_serve)


def _run_build(args: argparse.Namespace) -> int:
    from deepoc.site.build import build_site

    report = build_site(args.catalog, args.output, builds=args.builds, base_url=args.base_url,
                        remote_images=not args.no_remote_images)
    if not args.quiet:
        print(f"site: {report.modules} modules, {report.files} files ({report.changed} "
              f"changed) in {report.seconds:.2f}s -> {args.output}")
        for problem in report.problems:
            print(f"site: warning: {for_terminal(str(problem), keep_newlines=False)}")
        if args.base_url is None:
            print("site: note: without --base-url the feed and sitemap links are relative; "
                  "pass the site's public URL (--base-url https://...) when publishing it")
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    from deepoc.site.serve import serve

    serve(args.site, args.port)
    return 0
