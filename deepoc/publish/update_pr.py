"""``deep-oc update --branch NAME --open-pr``: push the update branch (and ``template``) of
each repo to GitHub and open its pull request, through the same checked API and git paths
as ``deep-oc publish``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from deepoc.errors import DeepOCError
from deepoc.publish import gitops
from deepoc.publish.git_host import git_host
from deepoc.publish.github_api import ApiSettings, api_errors, client
from deepoc.template.update import TEMPLATE_BRANCH, Outcome


def repo_full_name(origin: str | None, api_url: str, repo: Path) -> str:
    """``owner/name`` of the GitHub repository ``origin`` names, which must be on the API's
    own git host (https or scp-style ssh)."""
    host = git_host(api_url)
    if origin and "://" not in origin and ":" in origin and "@" in origin.split(":")[0]:
        where, _, path = origin.partition(":")  # git@github.com:owner/name.git
        netloc = where.split("@", 1)[1]
    else:
        parts = urlsplit(origin or "")
        netloc, path = (parts.netloc.rsplit("@", 1)[-1], parts.path) if parts.scheme else ("", "")
    bits = path.strip("/").removesuffix(".git").split("/")
    if netloc.lower() != host.netloc or len(bits) != 2 or not all(bits):
        raise DeepOCError(f"{repo}: its origin {origin!r} is not a repository on "
                          f"{host.netloc}: publish the module first (deep-oc publish) or set "
                          "origin to its GitHub URL")
    return "/".join(bits)


def open_update_prs(outcomes: Sequence[Outcome], token: str, api_url: str,
                    settings: ApiSettings, report: Callable[[str], None]) -> None:
    """One pull request per updated repo, from its update branch into the branch the update
    started from. Repos already up to date get none."""
    gh = client(token, api_url, settings)
    for o in outcomes:
        if not o.merged_into or not o.base:
            report(f"{o.repo.name}: up to date, no pull request")
            continue
        full_name = repo_full_name(gitops.remote_url(o.repo, "origin"), api_url, o.repo)
        with api_errors(f"looking up {full_name}", api_url,
                        not_found=f"{full_name} does not exist: publish the module first"):
            repo = gh.get_repo(full_name)
            clone_url = repo.clone_url
        gitops.push(o.repo, clone_url, [o.merged_into, TEMPLATE_BRANCH], token,
                    what=f"pushing {o.merged_into}, {TEMPLATE_BRANCH} to {full_name}",
                    api_url=api_url)
        with api_errors(f"opening the pull request on {full_name}", api_url):
            pr = repo.create_pull(
                title=f"Update to the DEEP-OC template {o.to_version}",
                body=(f"This merges the DEEP-OC template {o.to_version} (the module was made "
                      f"with {o.from_version}), rendered from the answers recorded in "
                      "`.cookiecutter.json`, by `deep-oc update`. The `template` branch holds "
                      "only template output; your own changes were kept by git's merge."),
                base=o.base, head=o.merged_into)
        report(f"{full_name}: opened pull request #{pr.number}: {pr.html_url}")
