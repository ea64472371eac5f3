"""``deep-oc publish``: create the two GitHub repositories of a baked module and push them.

Everything is decided first (``plan.plan_repo`` for each repository, from what GitHub and
git say), then done; a rerun recomputes the plan, so it finishes whatever a failed run left.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from deepoc.errors import DeepOCError, UsageError
from deepoc.publish import gitops
from deepoc.publish.github_api import (
    ApiSettings,
    NameTaken,
    NotFound,
    api_errors,
    client,
)
from deepoc.publish.plan import (
    BRANCHES,
    DEFAULT_BRANCH,
    RemoteState,
    RepoPlan,
    github_topics,
    plan_repo,
    repo_description,
    valid_repo_name,
)
from deepoc.template.pair import find_pair

Report = Callable[[str], None]


@dataclass(frozen=True)
class LocalRepo:
    """One baked repository on disk and what GitHub should show for it."""

    path: Path
    name: str
    heads: dict[str, str]
    description: str
    topics: tuple[str, ...]


def read_metadata(docker_repo: Path) -> dict[str, Any]:
    """The module's metadata (metadata.json, else ai4-metadata.yml), {} when unreadable."""
    meta = docker_repo / "metadata.json"
    try:
        if meta.is_file():
            data = json.loads(meta.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        meta = docker_repo / "ai4-metadata.yml"
        if meta.is_file():
            data = yaml.safe_load(meta.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
    except Exception:  # a broken file only costs the description and topics
        return {}
    return {}


def local_repos(directory: Path) -> tuple[LocalRepo, LocalRepo]:
    """Both baked repositories with their branches, description and topics."""
    code, docker = find_pair(directory)
    meta = read_metadata(docker)
    topics = tuple(github_topics(meta.get("keywords") or meta.get("tags") or []))
    repos = []
    for path, is_docker in ((code, False), (docker, True)):
        heads = {b: s for b, s in gitops.local_heads(path).items() if b in BRANCHES}
        if DEFAULT_BRANCH not in heads:
            raise DeepOCError(
                f"{path} has no {DEFAULT_BRANCH} branch: bake the module again or create it"
            )
        if not valid_repo_name(path.name):
            raise UsageError(f"{path.name!r} is not a valid GitHub repository name")
        base_topics = ("deep-oc", "docker") if is_docker else ("deep-oc",)
        merged = tuple(dict.fromkeys(topics + base_topics))[:20]
        repos.append(LocalRepo(path, path.name, heads, repo_description(meta, docker=is_docker),
                               merged))
    return repos[0], repos[1]


class _Owner:
    """Who the repositories go to: the token's user, or an organisation."""

    def __init__(self, gh: Any, owner: str | None, api_url: str) -> None:
        with api_errors("reading the token's user", api_url):
            user = gh.get_user()
            login = user.login
        self.login = login
        if owner is None or owner.lower() == login.lower():
            self.name, self.creator = login, user
        else:
            with api_errors(
                f"looking up owner {owner}", api_url,
                not_found=(
                    f"owner {owner!r} not found: give your login ({login}) or an organisation "
                    "the token belongs to with --owner"
                ),
            ):
                org = gh.get_organization(owner)
                self.name, self.creator = org.login, org


def _remote_state(gh: Any, full_name: str, token: str, api_url: str) -> tuple[Any, RemoteState]:
    try:
        with api_errors(f"looking up {full_name}", api_url):
            repo = gh.get_repo(full_name)
    except NotFound:
        return None, RemoteState(exists=False)
    heads = gitops.remote_heads(repo.clone_url, token, what=f"listing branches of {full_name}",
                                api_url=api_url)
    return repo, RemoteState(
        exists=True, heads=heads, default_branch=repo.default_branch,
        description=repo.description, topics=tuple(repo.topics or ()),
    )


def _ours(local: LocalRepo, remote: RemoteState) -> dict[str, bool]:
    out = {}
    for branch, sha in remote.heads.items():
        if branch in local.heads:
            out[branch] = gitops.is_ancestor(local.path, sha, local.heads[branch])
        else:
            out[branch] = any(gitops.is_ancestor(local.path, sha, h) for h in local.heads.values())
    return out


def _plan(gh: Any, owner: str, local: LocalRepo, token: str, api_url: str):
    full_name = f"{owner}/{local.name}"
    repo, remote = _remote_state(gh, full_name, token, api_url)
    plan = plan_repo(full_name, local.heads, remote, _ours(local, remote), local.description,
                     local.topics)
    return repo, plan


def publish(
    directory: Path,
    token: str | None,
    api_url: str,
    owner: str | None = None,
    private: bool = False,
    dry_run: bool = False,
    settings: ApiSettings | None = None,
    report: Report = lambda _line: None,
) -> list[RepoPlan]:
    """Create, fill and configure both repositories; returns the plans that were carried out.

    With ``dry_run`` only read-only API calls are made (none without a token) and nothing is
    pushed; the plan is reported line by line.
    """
    settings = settings or ApiSettings()
    pair = local_repos(directory)
    if dry_run and not token:
        who = owner or "<your login>"
        for local in pair:
            report(f"would create or fill {who}/{local.name} and push "
                   f"{', '.join(local.heads)} (no token: GitHub not checked)")
        return []
    if not token:
        raise UsageError("no GitHub token: set GITHUB_TOKEN or pass --token-file FILE")
    gh = client(token, api_url, settings)
    who = _Owner(gh, owner, api_url)
    planned = [(local, *_plan(gh, who.name, local, token, api_url)) for local in pair]
    conflicts = [p for _, _, p in planned if p.conflict]
    if dry_run:
        for _, _, plan in planned:
            for line in plan.describe():
                report(f"would: {line}" if not plan.conflict else line)
        if conflicts:
            report("nothing would be changed: a repository is not this module's")
        return [p for _, _, p in planned]
    if conflicts:
        raise DeepOCError(
            "; ".join(p.describe()[0] for p in conflicts)
            + " (nothing was changed: both repositories are published together)"
        )
    done = []
    for local, repo, plan in planned:
        done.append(_apply(gh, who, local, repo, plan, token, api_url, private, report))
    return done


def _apply(gh: Any, who: _Owner, local: LocalRepo, repo: Any, plan: RepoPlan, token: str,
           api_url: str, private: bool, report: Report) -> RepoPlan:
    if plan.nothing_to_do:
        report(f"{plan.full_name}: up to date")
        return plan
    if plan.create:
        try:
            with api_errors(f"creating {plan.full_name}", api_url):
                repo = who.creator.create_repo(
                    local.name, description=local.description, private=private,
                    auto_init=False, has_wiki=False,
                )
            report(f"{plan.full_name}: created ({'private' if private else 'public'})")
        except NameTaken:
            # A retried POST may have created it, or it exists but the token cannot see it.
            repo, plan = _plan(gh, who.name, local, token, api_url)
            if repo is None:
                raise DeepOCError(
                    f"creating {plan.full_name}: the name is taken (422) by a repository the "
                    "token cannot see: publish under another --owner or rename it"
                ) from None
            if plan.conflict:
                raise DeepOCError(plan.describe()[0]) from None
    if plan.push:
        gitops.push(local.path, repo.clone_url, plan.push, token,
                    what=f"pushing {', '.join(plan.push)} to {plan.full_name}", api_url=api_url)
        report(f"{plan.full_name}: pushed {', '.join(plan.push)}")
    if plan.set_description is not None and not plan.create:
        with api_errors(f"setting the description of {plan.full_name}", api_url):
            repo.edit(description=plan.set_description)
    if plan.set_topics is not None:
        with api_errors(f"setting the topics of {plan.full_name}", api_url):
            repo.replace_topics(list(plan.set_topics))
        report(f"{plan.full_name}: topics {', '.join(plan.set_topics)}")
    if plan.set_default:
        with api_errors(f"setting the default branch of {plan.full_name}", api_url):
            repo.edit(default_branch=DEFAULT_BRANCH)
        report(f"{plan.full_name}: default branch {DEFAULT_BRANCH}")
    origin = gitops.remote_url(local.path, "origin")
    if origin is None:
        gitops.add_remote(local.path, "origin", repo.clone_url,
                          what=f"adding remote origin to {local.path}", api_url=api_url)
    elif origin.rstrip("/").removesuffix(".git") != repo.clone_url.removesuffix(".git"):
        report(f"note: the origin remote of {local.path} is {origin}, not {repo.clone_url}")
    return plan
