"""``deep-oc catalog add``: propose a module to a catalog with a pull request.

The entry is checked by the catalog's own lint before anything is changed on GitHub (a
duplicate or a bad URL stops here), the module's metadata is validated so reviewers see the
result in the PR body, and a rerun with a PR already open just points at it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deepoc.catalog.modules_file import lint
from deepoc.catalog.urls import module_name, normalise_url, url_kind
from deepoc.errors import DeepOCError, UsageError
from deepoc.metadata import files, validate_bytes
from deepoc.publish import gitops
from deepoc.publish.github_api import (
    ApiSettings,
    NameTaken,
    NotFound,
    api_errors,
    client,
    wait_until,
)
from deepoc.publish.plan import append_entry, branch_name, pr_body, pr_title

CATALOG_FILE = "MODULES.yml"
METADATA_FILES = files.METADATA_FILES  # the one precedence rule (sync reads the same file)
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class AddResult:
    """What ``catalog add`` did: the PR (new or already open) and the entry it carries."""

    pr_url: str
    pr_number: int
    entry: str
    branch: str
    created: bool


def _check_new_entry(text: str, url: str) -> tuple[str, str]:
    """Lint MODULES.yml with the entry appended; returns (new text, normalised URL)."""
    entry = normalise_url(url)
    new_text, line = append_entry(text, entry)
    mine = [p for p in lint(new_text, CATALOG_FILE) if p.line == line]
    blocking = [p for p in mine if p.code != "whitespace"] or mine
    if blocking:
        p = blocking[0]
        if p.code == "duplicate":
            raise DeepOCError(
                f"{url} is already in the catalog's {CATALOG_FILE}: the catalog lint says "
                f"{p.message}; nothing was changed"
            )
        hint = f" ({p.fix})" if p.fix else ""
        raise DeepOCError(
            f"{url}: the catalog lint refuses the new {CATALOG_FILE} entry: {p.message}{hint}; "
            "nothing was changed"
        )
    return new_text, entry


def _module_repo_name(entry: str) -> str:
    if url_kind(entry) != "network":
        raise UsageError(
            f"{entry}: give the web URL of the module's Docker repository, "
            "e.g. https://github.com/OWNER/DEEP-OC-NAME"
        )
    path = re.sub(r"^[a-z+]+://[^/]+/|^[^@/]+@[^:]+:|^[^/]+:", "", entry)
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2:
        raise UsageError(f"{entry}: the URL does not name OWNER/REPO")
    return f"{parts[-2]}/{parts[-1].removesuffix('.git')}"


def _validation(module_repo: Any, api_url: str) -> dict[str, Any]:
    """Validate the module's metadata file on its default branch, for the PR body."""
    ref = module_repo.default_branch
    for name in METADATA_FILES:
        try:
            with api_errors(f"reading {name} of {module_repo.full_name}", api_url):
                content = module_repo.get_contents(name, ref=ref)
        except NotFound:
            continue
        if isinstance(content, list):
            continue
        report = validate_bytes(content.decoded_content, name)
        return {
            "file": name, "ref": ref, "valid": bool(report.valid),
            "schema_version": report.schema_version,
            "errors": [str(i) for i in report.errors],
            "warnings": [str(i) for i in report.warnings],
        }
    return {"file": "metadata.json", "ref": ref, "valid": None,
            "note": f"no {' or '.join(METADATA_FILES)} on {ref}"}


def catalog_add(
    url: str,
    catalog_repo: str,
    token: str,
    api_url: str,
    settings: ApiSettings | None = None,
    report: Callable[[str], None] = lambda _line: None,
) -> AddResult:
    """Fork the catalog if needed, push a branch adding ``url`` to MODULES.yml, open the PR."""
    settings = settings or ApiSettings()
    if not _REPO_RE.match(catalog_repo):
        raise UsageError(
            f"--catalog-repo {catalog_repo!r} must be OWNER/REPO, e.g. deephdc/deep-oc"
        )
    gh = client(token, api_url, settings)
    with api_errors("reading the token's user", api_url):
        user = gh.get_user()
        login, uid = user.login, user.id
        author_name = user.name or login
        author_email = user.email or f"{uid}+{login}@users.noreply.github.com"
    with api_errors(f"looking up the catalog {catalog_repo}", api_url,
                    not_found=f"catalog repository {catalog_repo} not found: check --catalog-repo"):
        upstream = gh.get_repo(catalog_repo)
        base = upstream.default_branch
        upstream_owner = upstream.owner.login

    with tempfile.TemporaryDirectory(prefix="deepoc-catalog-add-") as tmp:
        work = Path(tmp) / "catalog"
        gitops.clone(upstream.clone_url, work, base, token,
                     what=f"cloning {catalog_repo} ({base})", api_url=api_url)
        modules = work / CATALOG_FILE
        if not modules.is_file():
            raise DeepOCError(
                f"{catalog_repo} has no {CATALOG_FILE} on {base}: is it a catalog repository?"
            )
        text = modules.read_bytes().decode("utf-8")
        new_text, entry = _check_new_entry(text, url)
        module = module_name(entry)
        module_full = _module_repo_name(entry)
        with api_errors(f"looking up the module repository {module_full}", api_url,
                        not_found=(f"module repository {module_full} not found: publish it "
                                   "first with `deep-oc publish`")):
            module_repo = gh.get_repo(module_full)
        validation = _validation(module_repo, api_url)
        branch = branch_name(module)

        own_catalog = login.lower() == upstream_owner.lower()
        head_owner = upstream_owner if own_catalog else login
        with api_errors(f"listing pull requests of {catalog_repo}", api_url):
            open_prs = list(upstream.get_pulls(state="open", head=f"{head_owner}:{branch}"))
        if open_prs:
            pr = open_prs[0]
            report(f"pull request already open: {pr.html_url}")
            return AddResult(pr.html_url, pr.number, entry, branch, created=False)

        if own_catalog:
            target = upstream
        else:
            with api_errors(f"forking {catalog_repo}", api_url):
                target = upstream.create_fork()
            report(f"fork: {target.full_name}")

            def ready() -> bool:
                try:
                    with api_errors(f"waiting for the fork {target.full_name}", api_url):
                        target.get_branch(base)
                    return True
                except NotFound:
                    return False

            if not wait_until(ready, settings.fork_wait, settings.poll):
                raise DeepOCError(
                    f"GitHub has not finished forking {catalog_repo} to {target.full_name} "
                    f"after {settings.fork_wait:.0f} s: rerun `deep-oc catalog add` in a minute"
                )

        modules.write_bytes(new_text.encode("utf-8"))
        ident = {"GIT_AUTHOR_NAME": author_name, "GIT_AUTHOR_EMAIL": author_email,
                 "GIT_COMMITTER_NAME": author_name, "GIT_COMMITTER_EMAIL": author_email}
        gitops.git(["add", CATALOG_FILE], work, what="staging MODULES.yml")
        gitops.git(["commit", "--quiet", "--no-verify", "-m", f"Add {module} to {CATALOG_FILE}",
                    "-m", f"Entry: {entry}"], work, env=ident, what="committing MODULES.yml")
        gitops.force_push(work, target.clone_url, "HEAD", branch, token,
                          what=f"pushing branch {branch} to {target.full_name}",
                          api_url=api_url)
        report(f"branch {branch} pushed to {target.full_name}")

    try:
        with api_errors(f"opening the pull request on {catalog_repo}", api_url):
            pr = upstream.create_pull(
                title=pr_title(module), body=pr_body(entry, module, validation),
                head=f"{head_owner}:{branch}", base=base, maintainer_can_modify=True,
            )
    except NameTaken:
        # "A pull request already exists": a retried POST whose first try went through.
        with api_errors(f"listing pull requests of {catalog_repo}", api_url):
            open_prs = list(upstream.get_pulls(state="open", head=f"{head_owner}:{branch}"))
        if not open_prs:
            raise
        pr = open_prs[0]
    report(f"pull request opened: {pr.html_url}")
    return AddResult(pr.html_url, pr.number, entry, branch, created=True)
