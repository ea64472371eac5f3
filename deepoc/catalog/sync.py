"""``deep-oc catalog sync``: MODULES.yml -> bare mirrors, DIR/modules.lock, DIR/catalog.json.

Per module: one ``git ls-remote`` (the heads and the remote's default branch); a fetch into
``DIR/mirrors/<name>.git`` only when a followed branch head moved; the metadata file (the
first present of ``metadata.files.METADATA_FILES``), build.json, the template record and
the LICENSE file read at each new head with ``git cat-file`` (no checkout) and validated
in-process. A branch whose head matches modules.lock and the previous catalog.json entry
is reused as is: no fetch, no parse. An entry with no ``branches:`` follows the remote's
default branch and ``test`` (``modules_file.followed_branches``), asked anew every run, so
a changed default branch is followed from the next sync on.

Failures are values: a broken module gets a status and a one-line reason, keeps its last
good entry flagged stale, and never stops the others. Both output files are written
atomically at the very end, catalog.json first, so an interrupted run leaves the previous
pair readable and complete (a lock older than the catalog only causes a re-read).
"""

from __future__ import annotations

import copy
import datetime as _dt
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from deepoc import jsondoc
from deepoc.catalog import git, urls
from deepoc.catalog.licenses import LICENSE_FILES, license_file, metadata_license
from deepoc.catalog.lockfile import read_lock, write_lock
from deepoc.catalog.modules_file import (
    Entry,
    assign_names,
    followed_branches,
    parse,
    read_text,
)
from deepoc.errors import DeepOCError, UsageError
from deepoc.fsutil import atomic_write_json
from deepoc.limits import MAX_TEMPLATE_CHARS, human_size
from deepoc.metadata import validate_bytes
from deepoc.metadata.files import METADATA_FILES, choose
from deepoc.metadata.parse import ParseFailure, Source, decode, parse_json
from deepoc.template.record import RECORD_FILE, recorded_version
from deepoc.textsafe import neutralise

__all__ = [
    "CATALOG_VERSION",
    "METADATA_FILES",
    "ModuleOutcome",
    "SyncResult",
    "SyncStats",
    "assign_names",
    "default_jobs",
    "read_catalog",
    "sync",
]

CATALOG_VERSION = 1
BUILD_FILE = "build.json"


@dataclass
class SyncStats:
    """What the run cost: how many remote calls, fetches and metadata reads it made."""

    ls_remote: int = 0
    fetches: int = 0
    parses: int = 0
    logs: int = 0
    reused_branches: int = 0
    read_branches: int = 0

    def add(self, other: SyncStats) -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)


@dataclass
class ModuleOutcome:
    """One module's result, as the CLI reports it."""

    name: str
    url: str
    status: str
    reason: str | None
    failed: bool
    changed: bool
    fetched: bool
    read_branches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class SyncResult:
    """Everything a caller needs: the files written, per-module outcomes, removals, cost."""

    catalog_path: Path
    lock_path: Path
    modules: list[ModuleOutcome]
    removed: list[str]
    stats: SyncStats
    duration: float
    written: bool = True

    @property
    def failed(self) -> list[ModuleOutcome]:
        return [m for m in self.modules if m.failed]

    @property
    def ok(self) -> bool:
        return not self.failed


ProgressFn = Callable[[int, int, ModuleOutcome], None]


def default_jobs() -> int:
    """Git work is mostly waiting on processes and the network: twice the CPUs, at most 16."""
    return max(2, min(16, (os.cpu_count() or 2) * 2))


def read_catalog(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a catalog.json, refusing files this version does not understand."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeepOCError(f"{p}: no such catalog; run 'deep-oc catalog sync' first") from None
    except (OSError, ValueError) as exc:
        raise DeepOCError(f"{p}: cannot read the catalog: {exc}") from None
    if not isinstance(data, dict) or data.get("catalog_version") != CATALOG_VERSION:
        raise DeepOCError(
            f"{p}: not a version {CATALOG_VERSION} catalog.json; regenerate it with "
            "'deep-oc catalog sync'"
        )
    return data


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git_target(url: str, base: Path) -> str:
    """What git is pointed at: relative local paths resolve against MODULES.yml's folder."""
    if urls.url_kind(url) == "path":
        p = Path(os.path.expanduser(url))
        return str(p if p.is_absolute() else (base / p).resolve())
    return url


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)


def _read_build(data: bytes) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """build.json as strict JSON (the validator's parser: no NaN, no lone surrogates, no
    huge numbers), or None and a located warning: the image build then uses defaults."""
    text = ""
    try:
        text, _notes = decode(data)
        build, _src = parse_json(text)
        if not isinstance(build, dict):
            raise ParseFailure("not a JSON object", 0, None, 1, 1)
        return build, None
    except ParseFailure as exc:
        line, col = exc.line, exc.column
        if line is None and exc.offset is not None:
            line, col = Source(text).line_col(exc.offset)
        return None, {
            "path": BUILD_FILE,
            "line": line,
            "column": col,
            "message": f"build.json is not valid JSON: {_one_line(exc.message, 160)}",
            "hint": "the image build will use defaults until it is fixed",
        }


def apply_metadata(rec: dict[str, Any], data: bytes, meta_file: str, branch: str) -> None:
    """Validate a metadata file's bytes into a branch record (``rec["commit"]`` set): the
    in-process half of reading a branch, without git (the fuzz tests drive it directly)."""
    head = rec.get("commit") or ""
    rec["metadata_hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    report = validate_bytes(data, meta_file)
    rec["schema_version"] = report.schema_version
    rec["valid"] = bool(report.valid)
    rec["errors"] = [_issue(i) for i in report.errors]
    rec["warnings"] += [_issue(i) for i in report.warnings]
    rec["metadata"] = _jsonable(report.data) if report.data is not None else None
    rec["code_repo"] = _code_repo(report.data)
    rec["template"] = template_of_record(report.data)
    if report.valid:
        rec["status"] = "ok"
    else:
        rec["status"] = "invalid"
        n = sum(1 for i in report.errors if i.line is not None or not i.message.startswith("..."))
        first = str(report.errors[0]) if report.errors else "invalid"
        what = (
            "does not parse"
            if not getattr(report, "readable", True)
            else f"is invalid ({n}{'+' if n < len(report.errors) else ''} "
                 f"error{'s' if n != 1 else ''})"
        )
        rec["reason"] = _one_line(f"{meta_file} on {branch} at {head[:7]} {what}: {first}")


def _unwritable(value: Any) -> str | None:
    """Why ``value`` cannot go into a strict UTF-8 JSON file, or None (the last guard: one
    module's record must never stop catalog.json from being written)."""
    try:
        jsondoc.dumps(value).encode("utf-8")
    except (ValueError, TypeError, UnicodeError, RecursionError) as exc:
        return f"{type(exc).__name__}: {_one_line(repr(str(exc)), 120)}"
    return None


def _issue(issue: Any) -> dict[str, Any]:
    return {
        "path": getattr(issue, "path", None),
        "line": getattr(issue, "line", None),
        "column": getattr(issue, "column", None),
        "message": getattr(issue, "message", str(issue)),
        "hint": getattr(issue, "hint", None),
    }


def _code_repo(meta: Any) -> str | None:
    if not isinstance(meta, dict):
        return None
    sources = meta.get("sources")
    if isinstance(sources, dict) and isinstance(sources.get("code"), str):
        return sources["code"]
    links = meta.get("links")
    if isinstance(links, dict) and isinstance(links.get("source_code"), str):
        return links["source_code"]
    return None


def template_of_record(meta: Any) -> str | None:
    """The template that made the module, as v2 metadata records it (``links.ai4_template``,
    e.g. "ai4-template/1.9.9"): one line of neutralised text, at most MAX_TEMPLATE_CHARS."""
    links = meta.get("links") if isinstance(meta, dict) else None
    value = links.get("ai4_template") if isinstance(links, dict) else None
    if not isinstance(value, str):
        return None
    return _one_line(neutralise(value), MAX_TEMPLATE_CHARS) or None


def _ignored(path: str, read: str) -> dict[str, Any]:
    """The warning of a metadata file present but not read (``metadata.files``)."""
    return {
        "path": path,
        "line": None,
        "column": None,
        "message": f"{path} is ignored: {read} is read instead (the first present of "
                   f"{', '.join(METADATA_FILES)})",
        "hint": f"delete {path}, or keep it in step with {read}",
    }


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _record(commit: str | None, status: str, reason: str | None) -> dict[str, Any]:
    """A branch record with every field present, so readers never miss a key."""
    return {
        "commit": commit,
        "commit_time": None,
        "metadata_file": None,
        "metadata_hash": None,
        "schema_version": None,
        "valid": False,
        "errors": [],
        "warnings": [],
        "metadata": None,
        "code_repo": None,
        "created": None,
        "updated": None,
        "build": None,
        "template_version": None,
        "template": None,
        "license_file": None,
        "status": status,
        "reason": reason,
    }


#: the fields every branch record has; a record from an older deep-oc lacking one is read
#: again (once) rather than reused, so new fields and rules reach every module
_RECORD_KEYS = frozenset(_record(None, "", None))


def _complete(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """A module entry with every field present (one kept from an older run by --only or
    as stale may predate a field): the fields are only ever added, as null."""
    if entry is None:
        return None
    entry.setdefault("default_branch", None)
    for rec in (entry.get("branches") or {}).values():
        if isinstance(rec, dict):
            for key in _RECORD_KEYS - set(rec):
                rec[key] = [] if key in ("errors", "warnings") else None
    return entry


@dataclass
class _BranchState:
    """What one module's sync has found so far, branch by branch."""

    branches: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock_branches: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: branches whose commit changed since the last run: read and validated again
    to_read: list[str] = field(default_factory=list)


class _ModuleSync:
    """Syncs one module; holds only its own state so many can run in parallel threads."""

    def __init__(
        self,
        entry: Entry,
        name: str,
        workdir: Path,
        base: Path,
        prev: dict[str, Any] | None,
        prev_lock: dict[str, Any] | None,
        allow_local: bool = False,
    ) -> None:
        self.entry = entry
        self.allow_local = allow_local
        self.name = name
        self.url = entry.normalised_url
        self.target = _git_target(self.url, base)
        self.mirror_rel = f"mirrors/{name}.git"
        self.mirror = workdir / self.mirror_rel
        # A previous entry only counts if it was for the same repository.
        same = prev is not None and prev.get("url") == self.url
        self.prev = prev if same else None
        self.prev_lock = (
            prev_lock if same and prev_lock and prev_lock.get("url") == self.url else None
        )
        self.stats = SyncStats()
        self.notes: list[str] = []
        #: the remote's default branch (from ls-remote) and the branches followed
        self.default: str | None = None
        self.branches: tuple[str, ...] = entry.branches

    # -- the pieces -------------------------------------------------------------------
    def _prev_branch(self, b: str) -> dict[str, Any] | None:
        if self.prev:
            rec = (self.prev.get("branches") or {}).get(b)
            return rec if isinstance(rec, dict) else None
        return None

    def _lock_branch(self, b: str) -> dict[str, Any] | None:
        if self.prev_lock:
            rec = (self.prev_lock.get("branches") or {}).get(b)
            return rec if isinstance(rec, dict) else None
        return None

    @staticmethod
    def _good(rec: dict[str, Any] | None) -> bool:
        """Does a previous branch record hold a good (valid) reading to fall back on?"""
        return bool(rec) and rec.get("status") in ("ok", "stale") and bool(rec.get("valid"))

    @staticmethod
    def _stale_from(prev_b: dict[str, Any], failure: dict[str, Any]) -> dict[str, Any]:
        rec = copy.deepcopy(prev_b)
        rec["status"] = "stale"
        rec["reason"] = failure["reason"]
        rec["failure"] = failure
        return rec

    def _read(self, b: str, head: str, files: tuple[str, list[git.Blob]]) -> dict[str, Any]:
        """Validate the metadata read at ``head``: a fresh branch record."""
        self.stats.read_branches += 1
        commit_time, blobs = files
        by_path = {blob.path: blob for blob in blobs}
        meta_file, ignored = choose(
            p for p, blob in by_path.items() if blob.data is not None or blob.too_large
        )
        rec = _record(head, "missing", None)
        rec.update(commit_time=commit_time, metadata_file=meta_file)
        if meta_file is not None:
            rec["warnings"] += [_ignored(p, meta_file) for p in ignored]
        big = [blob for blob in blobs
               if blob.too_large and blob.path in (meta_file, BUILD_FILE, RECORD_FILE)]
        if big:
            return self._too_large(rec, b, head, big)
        rec["template_version"] = recorded_version(by_path[RECORD_FILE].data)
        build_data = by_path[BUILD_FILE].data
        if build_data is not None:
            rec["build"], warning = _read_build(build_data)
            if warning:
                rec["warnings"].append(warning)
        if meta_file is not None:
            data = by_path[meta_file].data
            assert data is not None
            self.stats.parses += 1
            apply_metadata(rec, data, meta_file, b)
            self.stats.logs += 1
            rec["created"], rec["updated"] = git.file_dates(self.mirror, head, meta_file)
        else:
            rec["reason"] = (
                f"branch {b} at {head[:7]} has no {' or '.join(METADATA_FILES)}; "
                "add the metadata file to the module repository"
            )
        if metadata_license(rec["metadata"]) is None:
            rec["license_file"], warning = license_file(by_path)
            if warning:
                rec["warnings"].append(warning)
        return rec

    def _too_large(self, rec: dict[str, Any], b: str, head: str,
                   big: list[git.Blob]) -> dict[str, Any]:
        """The branch record of files over their size limit (never read into memory)."""
        rec["status"] = "invalid"
        rec["errors"] = [
            {"path": blob.path, "line": None, "column": None,
             "message": f"{blob.path} is too large: {human_size(blob.size or 0)} "
                        f"(limit {human_size(blob.limit or 0)})",
             "hint": "module files are a few KB; commit the real file"}
            for blob in big
        ]
        first = big[0]
        rec["reason"] = _one_line(
            f"{first.path} on {b} at {head[:7]} is too large: {human_size(first.size or 0)} "
            f"(limit {human_size(first.limit or 0)}); it was not read"
        )
        return rec

    # -- the whole module -------------------------------------------------------------
    def run(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None, ModuleOutcome]:
        """Never raises: even an unexpected bug costs this module only, with its reason."""
        try:
            return self._run()
        except Exception as exc:  # noqa: BLE001 - isolation is the point
            return self._keep_last_good(
                f"internal error while syncing: {type(exc).__name__}: {_one_line(str(exc))} "
                "(please report it)"
            )

    def _run(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None, ModuleOutcome]:
        refused = self.entry.refused or urls.refusal(self.entry.url, self.allow_local)
        if refused:  # git never sees a URL the policy refuses
            return self._fresh_error(f"URL refused: {refused}")
        self.stats.ls_remote += 1
        try:
            remote = git.ls_remote(self.target, allow_local=self.allow_local)
        except git.GitError as exc:
            return self._keep_last_good(f"unreachable: {_one_line(str(exc))}")
        heads = remote.heads
        self.default = remote.default
        self.branches = followed_branches(self.entry, remote.default)
        was = (self.prev or {}).get("default_branch")
        if not self.entry.explicit_branches and was and remote.default and was != remote.default:
            self.notes.append(f"default branch is now {remote.default} (was {was})")
        present = [b for b in self.branches if b in heads]
        if not present:
            have = ", ".join(sorted(heads)[:10]) or "no branches"
            why = ("" if self.entry.explicit_branches or remote.default
                   else "; the remote's HEAD names no branch")
            reason = (
                f"none of the branches {', '.join(self.branches)} exist on the remote "
                f"(it has: {have}){why}; list the right ones under 'branches:' in MODULES.yml"
            )
            if self.prev:
                return self._keep_last_good(reason)
            return self._fresh_error(reason)
        state = _BranchState()
        for b in self.branches:
            head = heads.get(b)
            if head is None:
                self._missing_branch(b, state)
            elif not self._reuse_unchanged(b, head, state):
                state.to_read.append(b)
        fetched = self._fetch(heads, present, state)
        self._read_changed(heads, state)
        return self._result(state, fetched)

    def _missing_branch(self, b: str, state: _BranchState) -> None:
        """A listed branch the remote does not have (any more): its record and failure."""
        prev_b = self._prev_branch(b)
        if prev_b and prev_b.get("commit"):
            reason = f"branch {b} vanished from the remote (last seen at {prev_b['commit'][:7]})"
            if self._good(prev_b):
                state.branches[b] = self._stale_from(
                    prev_b, {"commit": None, "status": "missing", "reason": reason}
                )
            else:
                state.branches[b] = _record(None, "missing", reason)
            state.failures.append(reason)
            return
        reason = f"no branch {b} on the remote"
        state.branches[b] = _record(None, "missing", reason)
        if self.entry.explicit_branches:
            state.failures.append(reason + " (listed under 'branches:')")
        else:
            self.notes.append(reason)

    def _reuse_unchanged(self, b: str, head: str, state: _BranchState) -> bool:
        """Keep the previous record of a branch still at the commit the lock says was read."""
        prev_b = self._prev_branch(b)
        lock_b = self._lock_branch(b)
        unchanged = (
            lock_b
            and lock_b.get("commit") == head
            and prev_b
            and _RECORD_KEYS <= prev_b.keys()
            and (
                prev_b.get("commit") == head
                or (prev_b.get("failure") or {}).get("commit") == head
            )
        )
        if not unchanged:
            return False
        assert prev_b is not None and lock_b is not None
        state.branches[b] = prev_b
        state.lock_branches[b] = lock_b
        self.stats.reused_branches += 1
        if prev_b.get("status") not in ("ok",):
            state.failures.append(prev_b.get("reason") or f"branch {b}: {prev_b.get('status')}")
        return True

    def _fetch(self, heads: dict[str, str], present: list[str], state: _BranchState) -> bool:
        """Fetch the present branches into the mirror when any changed (or there is none);
        a failed fetch turns every changed branch into a failure and reads none."""
        if not state.to_read and (self.mirror / "HEAD").exists():
            return False
        self.stats.fetches += 1
        try:
            git.fetch(self.mirror, self.target, present, allow_local=self.allow_local)
            return True
        except git.GitError as exc:
            reason = f"fetch failed: {_one_line(str(exc))}"
            for b in state.to_read:
                prev_b = self._prev_branch(b)
                fail = {"commit": heads[b], "status": "error", "reason": reason}
                state.branches[b] = (
                    self._stale_from(prev_b, fail)
                    if self._good(prev_b)
                    else _record(None, "error", reason)
                )
                state.failures.append(reason)
            state.to_read = []
            return False

    def _read_changed(self, heads: dict[str, str], state: _BranchState) -> None:
        """Read and validate every changed branch (their files in one git call)."""
        if not state.to_read:
            return
        files: dict[str, tuple[str, list[git.Blob]]] = {}
        read_error: str | None = None
        try:
            files = git.cat_many(
                self.mirror, sorted({heads[b] for b in state.to_read}),
                [*METADATA_FILES, BUILD_FILE, RECORD_FILE, *LICENSE_FILES],
            )
        except git.GitError as exc:
            read_error = _one_line(str(exc))
        for b in state.to_read:
            head = heads[b]
            prev_b = self._prev_branch(b)
            try:
                if read_error:
                    raise git.GitError(read_error)
                rec = self._read(b, head, files[head])
            except git.GitError as exc:
                rec = _record(head, "error", f"cannot read branch {b}: {_one_line(str(exc))}")
            if rec["status"] != "error":  # a git hiccup is retried next run, not locked in
                state.lock_branches[b] = {"commit": head,
                                          "metadata_hash": rec.get("metadata_hash")}
            if rec["status"] != "ok":
                state.failures.append(rec["reason"])
                if self._good(prev_b):
                    assert prev_b is not None
                    fail = {
                        k: rec.get(k)
                        for k in ("commit", "status", "reason", "metadata_hash", "errors")
                    }
                    rec = self._stale_from(prev_b, fail)
            state.branches[b] = rec

    def _result(self, state: _BranchState, fetched: bool
                ) -> tuple[dict[str, Any], dict[str, Any], ModuleOutcome]:
        """The module's catalog entry, lock entry and outcome from its branches."""
        status = self._module_status(state.branches, state.failures)
        reason = state.failures[0] if state.failures else None
        entry = {
            "name": self.name,
            "url": self.url,
            "entry_line": self.entry.line,
            "image": self.entry.image,  # MODULES.yml image: override (images/naming.py)
            "mirror": self.mirror_rel if (self.mirror / "HEAD").exists() else None,
            "default_branch": self.default,
            "status": status,
            "reason": reason,
            "stale": status == "stale",
            "branches": state.branches,
        }
        lock = {"url": self.url, "default_branch": self.default,
                "branches": state.lock_branches}
        outcome = ModuleOutcome(
            self.name,
            self.url,
            status,
            reason,
            bool(state.failures),
            changed=bool(state.to_read),
            fetched=fetched,
            read_branches=state.to_read,
            notes=self.notes,
        )
        return entry, lock, outcome

    @staticmethod
    def _module_status(branches: dict[str, dict[str, Any]], failures: list[str]) -> str:
        states = {rec.get("status") for rec in branches.values()}
        if "stale" in states:
            return "stale"
        if "error" in states:
            return "error"
        if failures:
            return "invalid"
        return "ok"

    def _keep_last_good(self, reason: str):
        has_good = self.prev and any(
            self._good(rec) for rec in (self.prev.get("branches") or {}).values()
        )
        if has_good:
            assert self.prev is not None
            entry = copy.deepcopy(self.prev)
            entry.update(status="stale", stale=True, reason=reason, entry_line=self.entry.line,
                         image=self.entry.image)
            if self.default is not None:  # the remote answered: its default is current
                entry["default_branch"] = self.default
            lock = self.prev_lock
            outcome = ModuleOutcome(self.name, self.url, "stale", reason, True, False, False)
            return entry, lock, outcome
        return self._fresh_error(reason)

    @staticmethod
    def unwritable_entry(name: str, entry: Entry, reason: str) -> dict[str, Any]:
        """A module's catalog entry with no branches: an error and its reason."""
        return {
            "name": name,
            "url": entry.normalised_url,
            "entry_line": entry.line,
            "image": entry.image,  # MODULES.yml image: override (images/naming.py)
            "mirror": None,
            "default_branch": None,
            "status": "error",
            "reason": reason,
            "stale": False,
            "branches": {},
        }

    def _fresh_error(self, reason: str):
        entry = self.unwritable_entry(self.name, self.entry, reason)
        entry["url"] = self.url
        outcome = ModuleOutcome(self.name, self.url, "error", reason, True, False, False)
        return entry, None, outcome


class _WorkdirLock:
    """One sync per workdir at a time (two would race on the mirrors and the outputs)."""

    def __init__(self, workdir: Path) -> None:
        self.path = workdir / ".sync.lock"
        self.fd: int | None = None

    def __enter__(self) -> _WorkdirLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise DeepOCError(
                f"{self.path.parent}: another catalog sync is running in this "
                "workdir; wait for it or use another --workdir"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)


def _previous(workdir: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    prev: dict[str, dict] = {}
    cat = workdir / "catalog.json"
    if cat.exists():
        try:
            data = read_catalog(cat)
            prev = {m["name"]: m for m in data.get("modules", []) if isinstance(m, dict)}
        except (DeepOCError, KeyError, TypeError):
            prev = {}  # unreadable: everything is re-read, nothing is kept stale
    lock = read_lock(workdir / "modules.lock")
    return prev, lock


def sync(
    modules_file: str | os.PathLike[str],
    workdir: str | os.PathLike[str],
    jobs: int | None = None,
    strict: bool = False,
    only: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
    allow_local: bool = False,
) -> SyncResult:
    """Sync every module of ``modules_file`` into ``workdir``; see the module docstring.

    ``allow_local``: entries may name repositories on this machine (local paths, file://,
    loopback hosts): the operator's ``--allow-local``. Without it such an entry fails as a
    refused URL and git is never run on it; the other modules sync as usual.
    ``only``: names to sync; the other modules keep their previous entries untouched.
    ``strict``: any failure stops the run (pending modules are cancelled) and raises
    DeepOCError without writing anything. Otherwise failures are recorded and returned.
    """
    t0 = time.monotonic()
    mf = Path(modules_file)
    text = read_text(mf)
    entries = parse(text, str(mf), allow_local=allow_local)
    names = assign_names(entries)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give a number of parallel git jobs of at least 1")
    jobs = jobs or default_jobs()
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise UsageError(
                f"--only {' '.join(unknown)}: no such module in {mf} "
                f"(known: {', '.join(names[:20])}{' ...' if len(names) > 20 else ''})"
            )
    wd = Path(workdir)
    wd.mkdir(parents=True, exist_ok=True)
    with _WorkdirLock(wd):
        prev, prev_lock = _previous(wd)
        selected = [i for i, n in enumerate(names) if not only or n in only]
        results: dict[int, tuple[dict | None, dict | None, ModuleOutcome]] = {}
        stats = SyncStats()
        base = mf.resolve().parent
        pool = ThreadPoolExecutor(max_workers=min(jobs, max(1, len(selected))))
        futures: dict[Future, int] = {}
        failed_strict: list[ModuleOutcome] = []
        try:
            workers: dict[int, _ModuleSync] = {}
            for i in selected:
                w = _ModuleSync(
                    entries[i], names[i], wd, base, prev.get(names[i]), prev_lock.get(names[i]),
                    allow_local,
                )
                workers[i] = w
                futures[pool.submit(w.run)] = i
            pending = set(futures)
            done_count = 0
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures[fut]
                    results[i] = fut.result()
                    stats.add(workers[i].stats)
                    done_count += 1
                    outcome = results[i][2]
                    if progress:
                        progress(done_count, len(selected), outcome)
                    if strict and outcome.failed:
                        failed_strict.append(outcome)
                if failed_strict:
                    for fut in pending:
                        fut.cancel()
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if failed_strict:
            first = failed_strict[0]
            raise DeepOCError(
                f"{mf}: module {first.name} failed: {first.reason}; nothing was written (--strict)"
            )

        modules: list[dict] = []
        lock: dict[str, dict] = {}
        outcomes: list[ModuleOutcome] = []
        for i, name in enumerate(names):
            if i in results:
                entry, lock_entry, outcome = results[i]
                outcomes.append(outcome)
            else:  # not selected by --only: keep what the previous run recorded
                entry, lock_entry = prev.get(name), prev_lock.get(name)
                if entry is not None and entry.get("url") != entries[i].normalised_url:
                    entry = lock_entry = None
            why = _unwritable(entry) or _unwritable(lock_entry)
            if why is not None:
                reason = (f"internal error: the module's record cannot be written as JSON "
                          f"({why}); please report it")
                entry = _ModuleSync.unwritable_entry(name, entries[i], reason)
                lock_entry = None
                outcomes = [o for o in outcomes if o.name != name]
                outcomes.append(ModuleOutcome(name, entry["url"], "error", reason, True,
                                              False, False))
            if entry is not None:
                modules.append(_complete(entry))
            if lock_entry is not None:
                lock[name] = lock_entry
        removed = sorted(set(prev) - set(names))
        catalog = {
            "catalog_version": CATALOG_VERSION,
            "generated": _now(),
            "source": mf.name,
            "modules": modules,
        }
        catalog_path = wd / "catalog.json"
        lock_path = wd / "modules.lock"
        atomic_write_json(catalog_path, catalog, listing="modules")
        write_lock(lock_path, lock, source=mf.name)
        for name in removed:
            shutil.rmtree(wd / "mirrors" / f"{name}.git", ignore_errors=True)
    return SyncResult(catalog_path, lock_path, outcomes, removed, stats, time.monotonic() - t0)
