"""``deep-oc site build`` and ``deep-oc site serve``."""

from __future__ import annotations

from deepoc.cliopts import Option

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence


BUILD_OPTIONS = (
    Option("--catalog", required=True, metavar="DIR/catalog.json",
           help="catalog written by 'deep-oc catalog sync'"),
    Option("--builds", metavar="DIR/builds.json",
           help="build records written by 'deep-oc images build' (run commands and build "
                "status come from here)"),
    Option("-o", "--output", required=True, metavar="SITE", help="folder of the site"),
    Option("--base-url", metavar="URL",
           help="public URL of the site, used only for absolute links in the feed, sitemap "
                "and canonical links"),
    Option("-q", "--quiet", flag=True, help="print nothing on success"),
)


def quick_commands() -> dict[tuple[str, ...], tuple[Sequence[Option], Callable[..., int]]]:
    """Commands whose lines the CLI may read without argparse (see deepoc.cliopts)."""
    return {("site", "build"): (BUILD_OPTIONS, _run_build)}


def register(reg) -> None:  # noqa: ANN001 - the CLI registry
    """Add the site commands to the ``deep-oc`` parser."""
    p = reg.group_command(
        "site", "build",
        help="render the marketplace (a self-contained static site) from catalog.json",
    )
    for option in BUILD_OPTIONS:
        option.add_to(p)
    p.set_defaults(func=_run_build)

    p = reg.group_command("site", "serve",
                          help="serve a built site on http://127.0.0.1:PORT/ (for a demo)")
    p.add_argument("site", metavar="SITE", help="folder written by 'deep-oc site build'")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    p.set_defaults(func=_run_serve)


def _run_build(args: argparse.Namespace) -> int:
    from deepoc.cli import process_ends_after_command
    from deepoc.site.render import build_site

    if process_ends_after_command():
        import gc

        # build_site turns the cycle collector off while it runs and back on at the end;
        # its first run after that would scan every object the build left (about 1.3 ms
        # of a one-module rebuild at 1,000 modules) in a process that is about to end.
        gc.disable()
    report = build_site(args.catalog, args.output, builds=args.builds, base_url=args.base_url)
    if not args.quiet:
        print(f"site: {report.modules} modules, {report.files} files "
              f"({report.pages_rendered} rendered, {report.pages_reused} unchanged"
              f"{'; delta build' if report.delta else ''}) "
              f"in {report.seconds:.2f}s ({report.cpu_seconds:.2f}s CPU) -> {args.output}")
        for problem in report.problems:
            print(f"site: warning: {problem}")
        if args.base_url is None:
            print("site: note: without --base-url the feed and sitemap links are relative; "
                  "pass the site's public URL (--base-url https://...) when publishing it")
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    from deepoc.site.serve import serve

    serve(args.site, args.port)
    return 0
