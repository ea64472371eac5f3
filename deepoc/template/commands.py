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

    p = reg.command(
        "update",
        help="Bring a module's repos up to the installed template: render it with the "
        "recorded answers, commit onto the 'template' branch, merge into your branch.",
    )
    p.add_argument("directory", nargs="?", default=".", metavar="DIR",
                   help="the folder holding <repo>/ and DEEP-OC-<repo>/, or one of them "
                   "(default: the current folder)")
    p.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 when a repo is behind the installed template")
    p.add_argument("--branch", metavar="NAME",
                   help="merge into a new branch NAME (from the current one), ready for a "
                   "pull request")
    p.add_argument("--open-pr", action="store_true",
                   help="with --branch: push the branch and 'template' to each repo's GitHub "
                   "origin and open a pull request (token: GITHUB_TOKEN or --token-file)")
    p.add_argument("--api-url", metavar="URL",
                   help="GitHub API address (default: api.github.com), for --open-pr")
    p.add_argument("--allow-insecure-api", action="store_true",
                   help="accept an http:// --api-url (only for a local test server)")
    p.add_argument("--token-file", metavar="F",
                   help="file holding the GitHub token, for --open-pr (default: GITHUB_TOKEN)")
    p.add_argument("--adopt", action="store_true",
                   help="for a module made without a record (the older DEEP template, or by "
                   "hand): infer the answers, ask for the rest, merge the template once into "
                   "a new branch (--branch, default template-adopt)")
    p.add_argument("--no-input", action="store_true",
                   help="with --adopt: ask nothing, take defaults for what cannot be inferred")
    p.add_argument("answers", nargs="*", metavar="key=value",
                   help="answers to change, checked like a bake's (e.g. baseimage_cpu_tag=2.16.0)")
    p.set_defaults(func=_run_update)


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


def _run_update(args: argparse.Namespace) -> int:
    from pathlib import Path

    from deepoc.template.update import EXIT_BEHIND, EXIT_CONFLICTS, update

    directory, items = args.directory, list(args.answers)
    token = api_url = None
    if args.open_pr:  # the token and API are checked before anything changes
        from deepoc.publish.github_api import check_api_url, read_token

        if not args.branch or args.check:
            raise UsageError("--open-pr needs --branch NAME (the pull request's branch) and "
                             "no --check")
        api_url = check_api_url(args.api_url, args.allow_insecure_api)
        token = read_token(args.token_file)
    if "=" in directory and not Path(directory).exists():  # no DIR given, only answers
        directory, items = ".", [directory, *items]
    if args.adopt:
        from deepoc.template.adopt import adopt

        if args.check:
            raise UsageError("--check and --adopt do not go together: adopt first")

        def ask(key: str, default: str) -> str:
            return input(f"{key} [{default}]: ").strip() or default

        outcomes = adopt(Path(directory), parse_answers(items), no_input=args.no_input,
                         branch=args.branch or "template-adopt", ask=ask, say=print)
    else:
        outcomes = update(Path(directory), parse_answers(items), check_only=args.check,
                          branch=args.branch)
    conflicted = []
    for o in outcomes:
        if not o.behind:
            print(f"{o.repo.name}: up to date with the template {o.to_version}")
        elif args.check:
            print(f"{o.repo.name}: template outdated: made with {o.from_version}, installed "
                  f"{o.to_version} (run deep-oc update)")
        elif o.conflicts:
            conflicted.append(o)
            print(f"{o.repo.name}: template {o.to_version} merged into {o.merged_into} with "
                  f"conflicts in: {', '.join(o.conflicts)}")
        else:
            print(f"{o.repo.name}: template {o.from_version} -> {o.to_version}, merged into "
                  f"{o.merged_into}")
    if args.open_pr and not conflicted:
        from deepoc.publish.github_api import ApiSettings
        from deepoc.publish.update_pr import open_update_prs
        from deepoc.textsafe import for_terminal

        open_update_prs(outcomes, token, api_url, ApiSettings.from_env(),
                        report=lambda line: print(for_terminal(line, False), flush=True))
    if conflicted:
        if args.open_pr:
            print("No pull request was opened: resolve the conflicts and commit, then push "
                  f"{args.branch} and template and open it yourself.")
        print("Resolve the conflict markers in those files, `git add` them and run "
              "`git merge --continue` in each repo (or `git merge --abort` to undo the merge).")
        return EXIT_CONFLICTS
    if args.check and any(o.behind for o in outcomes):
        return EXIT_BEHIND
    return 0
