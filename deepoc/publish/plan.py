"""Pure decisions for publishing: names, topics, what to do with each repository, PR text.

Nothing here touches the network, git or the disk, so every rule is tested exhaustively
and the edges (``github_api``, ``gitops``) stay thin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BRANCHES = ("master", "test", "template")  # template: what deep-oc update merges from
DEFAULT_BRANCH = "master"
MAX_TOPICS = 20  # GitHub refuses more
MAX_TOPIC_LEN = 50
MAX_DESCRIPTION = 350
_TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
_REPO_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def github_topic(keyword: str) -> str | None:
    """Turn a metadata keyword into a valid GitHub topic, or None when nothing is left.

    GitHub topics are lower case, a-z, 0-9 and hyphens, start with a letter or digit and
    have at most 50 characters; anything else makes the whole topics call fail.
    """
    text = unicodedata.normalize("NFKD", str(keyword)).encode("ascii", "ignore").decode()
    text = text.strip().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = text[:MAX_TOPIC_LEN].rstrip("-")
    return text if text and _TOPIC_RE.match(text) else None


def github_topics(keywords: Any) -> list[str]:
    """Valid, de-duplicated topics from a keywords list (order kept, at most 20)."""
    if isinstance(keywords, str):
        keywords = [keywords]
    if not isinstance(keywords, (list, tuple)):
        return []
    out: list[str] = []
    for kw in keywords:
        if not isinstance(kw, (str, int, float)):
            continue
        topic = github_topic(str(kw))
        if topic and topic not in out:
            out.append(topic)
        if len(out) == MAX_TOPICS:
            break
    return out


def repo_description(metadata: Mapping[str, Any], *, docker: bool) -> str:
    """One line for a repository description: the summary (or title); Docker repo marked."""
    text = metadata.get("summary") or metadata.get("title") or ""
    if not isinstance(text, str) or not text.strip():
        desc = metadata.get("description")
        text = " ".join(desc) if isinstance(desc, list) else (desc if isinstance(desc, str) else "")
    text = " ".join(str(text).split())
    if docker:
        text = f"DEEP-OC Docker image: {text}" if text else "DEEP-OC Docker image"
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 1].rstrip() + "…"
    return text


def valid_repo_name(name: str) -> bool:
    """GitHub repository names: letters, digits, '.', '-', '_' (at most 100)."""
    return bool(_REPO_NAME_RE.match(name)) and name not in (".", "..")


# --- what to do with one repository -------------------------------------------------------


@dataclass(frozen=True)
class RemoteState:
    """What GitHub holds for a repository name (``exists=False``: nothing there yet)."""

    exists: bool
    heads: Mapping[str, str] = field(default_factory=dict)  # branch -> sha
    default_branch: str | None = None
    description: str | None = None
    topics: Sequence[str] = ()


@dataclass(frozen=True)
class RepoPlan:
    """The steps for one repository; ``conflict`` set means: leave it alone, say why."""

    full_name: str
    create: bool = False
    push: tuple[str, ...] = ()
    set_default: bool = False
    set_description: str | None = None
    set_topics: tuple[str, ...] | None = None
    conflict: str | None = None

    @property
    def nothing_to_do(self) -> bool:
        return not (
            self.create or self.push or self.set_default or self.set_description is not None
            or self.set_topics is not None or self.conflict
        )

    def describe(self) -> list[str]:
        """Human lines, one per step (used by --dry-run and the normal run's report)."""
        if self.conflict:
            return [f"{self.full_name}: left alone: {self.conflict}"]
        lines = []
        if self.create:
            lines.append(f"{self.full_name}: create repository")
        if self.push:
            lines.append(f"{self.full_name}: push {', '.join(self.push)}")
        if self.set_description is not None:
            lines.append(f"{self.full_name}: set description {self.set_description!r}")
        if self.set_topics is not None:
            lines.append(f"{self.full_name}: set topics {', '.join(self.set_topics) or '(none)'}")
        if self.set_default:
            lines.append(f"{self.full_name}: set default branch {DEFAULT_BRANCH}")
        if not lines:
            lines.append(f"{self.full_name}: up to date")
        return lines


def plan_repo(
    full_name: str,
    local_heads: Mapping[str, str],
    remote: RemoteState,
    ours: Mapping[str, bool],
    description: str,
    topics: Sequence[str],
) -> RepoPlan:
    """Decide what publishing does to one repository.

    ``local_heads``: branch -> sha of the baked repo (master and test). ``ours``: for each
    branch found on GitHub, whether its head is already part of the local history of the
    branch of the same name (or, for other branches, of any local branch), so pushing is a
    fast-forward of our own work. Rules: a missing
    repository is created and filled; an empty one is filled; one holding only our own
    history is brought up to date (a rerun after a failure); anything else is left alone.
    """
    push_branches = tuple(b for b in BRANCHES if b in local_heads)
    if not remote.exists:
        return RepoPlan(
            full_name, create=True, push=push_branches, set_default=True,
            set_description=description if description else None,
            set_topics=tuple(topics) if topics else None,
        )
    foreign = sorted(
        b for b in remote.heads
        if not ours.get(b, False) or (b in BRANCHES and b not in local_heads)
    )
    if foreign:
        return RepoPlan(
            full_name,
            conflict=(
                f"it already has history that is not in the local repository (branch "
                f"{', '.join(foreign)}): if it is yours, pull it first; otherwise publish under "
                "another --owner or delete it"
            ),
        )
    push = tuple(b for b in push_branches if remote.heads.get(b) != local_heads[b])
    filled_default = remote.default_branch == DEFAULT_BRANCH
    set_description = None
    if description and not (remote.description or "").strip():
        set_description = description
    set_topics = tuple(topics) if topics and not remote.topics else None
    return RepoPlan(
        full_name, push=push, set_default=not filled_default,
        set_description=set_description, set_topics=set_topics,
    )


# --- catalog pull request ------------------------------------------------------------------


def append_entry(text: str, url: str) -> tuple[str, int]:
    """MODULES.yml with ``- module: url`` appended as a last line; returns (text, its line).

    The rest of the file is kept byte for byte (comments, order, blank lines); a missing final
    newline is added first so the entry lands on its own line.
    """
    if text and not text.endswith("\n"):
        text += "\n"
    new = f"{text}- module: {yaml_scalar(url)}\n"
    return new, new.count("\n")


_PLAIN_URL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:/?@!$&()*+,;=%-]*")


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as exactly ``value``.

    Plain when it is an ordinary URL; otherwise double-quoted with escapes,
    so a ``#`` or a space cannot turn part of it into a comment the lint would never see.
    """
    plain = _PLAIN_URL.fullmatch(value) and "/" in value  # a "/" keeps YAML from typing it
    if plain and ": " not in value and not value.endswith(":"):
        return value
    out = []
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:  # escaped: no odd line breaks or unprintables in the file, and astral chars whole
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def branch_name(module: str) -> str:
    """The branch the catalog PR comes from: stable per module, so a rerun reuses it."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", module).strip("-.") or "module"
    return f"add-{safe}"


def pr_title(module: str) -> str:
    return f"Add {module} to the marketplace"


def pr_body(url: str, module: str, validation: Mapping[str, Any]) -> str:
    """The PR body: the entry and the module's metadata validation result, for reviewers.

    ``validation``: ``file`` (name), ``ref``, ``valid`` (True/False/None when not found),
    ``schema_version``, ``errors`` and ``warnings`` (lists of one-line strings), ``note``.
    """
    lines = [
        f"This adds `{module}` to `MODULES.yml`:",
        "",
        "```yaml",
        f"- module: {url}",
        "```",
        "",
        "### Metadata validation",
        "",
    ]
    fname = validation.get("file") or "metadata"
    ref = validation.get("ref")
    where = f"`{fname}`" + (f" on `{ref}`" if ref else "")
    valid = validation.get("valid")
    version = validation.get("schema_version")
    vtxt = f" (schema {version})" if version else ""
    if valid is None:
        lines.append(f"- {where}: not checked: {validation.get('note') or 'not found'}")
    elif valid:
        lines.append(f"- {where}: **valid**{vtxt}")
    else:
        errors = list(validation.get("errors") or [])
        lines.append(f"- {where}: **invalid**{vtxt}, {len(errors)} error(s):")
        lines.extend(f"  - {e}" for e in errors)
    warnings = list(validation.get("warnings") or [])
    if warnings:
        lines.append(f"- {len(warnings)} warning(s):")
        lines.extend(f"  - {w}" for w in warnings)
    lines += ["", "_Opened by `deep-oc catalog add`._", ""]
    return "\n".join(lines)
