"""CLI registration for ``deep-oc publish`` and ``deep-oc catalog add``."""

from __future__ import annotations

import argparse
from pathlib import Path

from deepoc.textsafe import for_terminal

TOKEN_HELP = "file holding the GitHub token (default: the GITHUB_TOKEN environment variable)"
INSECURE_HELP = ("accept an http:// --api-url (the token travels unencrypted: only for a "
                 "local test server)")
API_HELP = "GitHub API address, e.g. https://ghe.example.org/api/v3 (default: api.github.com)"


def register(reg) -> None:
    """Add ``publish`` and ``catalog add`` to the parser."""
    p = reg.command(
        "publish",
        help="create the GitHub repositories of a baked module and push master, test and template",
    )
    p.add_argument("dir", metavar="DIR",
                   help="the folder holding <repo>/ and DEEP-OC-<repo>/ (or one of them)")
    p.add_argument("--owner", metavar="O", help="user or organisation (default: the token's user)")
    p.add_argument("--private", action="store_true", help="create private repositories")
    p.add_argument("--api-url", metavar="URL", help=API_HELP)
    p.add_argument("--allow-insecure-api", action="store_true", help=INSECURE_HELP)
    p.add_argument("--token-file", metavar="F", help=TOKEN_HELP)
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be done; change nothing on GitHub, push nothing")
    p.set_defaults(func=_run_publish)

    a = reg.group_command(
        "catalog", "add",
        help="propose a module to a catalog: fork, add the MODULES.yml entry, open a PR",
    )
    a.add_argument("url", metavar="URL", help="the module's Docker repository URL")
    a.add_argument("--catalog-repo", metavar="OWNER/REPO", required=True,
                   help="the catalog repository holding MODULES.yml, e.g. deephdc/deep-oc")
    a.add_argument("--api-url", metavar="URL", help=API_HELP)
    a.add_argument("--allow-insecure-api", action="store_true", help=INSECURE_HELP)
    a.add_argument("--token-file", metavar="F", help=TOKEN_HELP)
    a.set_defaults(func=_run_catalog_add)


def _run_publish(args: argparse.Namespace) -> int:
    # PyGithub loads only for the commands that talk to GitHub
    from deepoc.publish.github_api import ApiSettings, check_api_url, read_token
    from deepoc.publish.publish import publish

    api_url = check_api_url(args.api_url, args.allow_insecure_api)
    settings = ApiSettings.from_env()
    if args.dry_run:
        try:
            token = read_token(args.token_file)
        except Exception:
            if args.token_file:
                raise
            token = None
    else:
        token = read_token(args.token_file)
    publish(Path(args.dir), token, api_url, owner=args.owner, private=args.private,
            dry_run=args.dry_run, settings=settings, report=_say)
    return 0


def _run_catalog_add(args: argparse.Namespace) -> int:
    from deepoc.publish.catalog_add import catalog_add
    from deepoc.publish.github_api import ApiSettings, check_api_url, read_token

    api_url = check_api_url(args.api_url, args.allow_insecure_api)
    token = read_token(args.token_file)
    catalog_add(args.url, args.catalog_repo, token, api_url, settings=ApiSettings.from_env(),
                report=_say)
    return 0


def _say(line: str) -> None:
    """One progress line; it quotes GitHub's answers and module text, so it is escaped."""
    print(for_terminal(line, keep_newlines=False), flush=True)
