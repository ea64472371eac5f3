"""Plan and run image builds: build each variant once, tag many, smoke-test, push, record.

A *job* is one Docker repo at one commit (a catalog module's branch, or a checkout given
with ``--repo``); it yields one record per variant (``cpu``, and ``gpu`` when build.json has a
GPU base tag). Failures are recorded per job and never stop the other jobs.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import docker

from deepoc.errors import DeepOCError, UsageError
from deepoc.images import buildkey, engine, naming, source
from deepoc.images import registry as reg
from deepoc.images.records import BuildRecord, BuildsFile, now_iso
from deepoc.images.smoke import smoke_test
from deepoc.images.tags import code_ref, image_tags
from deepoc.textsafe import for_terminal

BUILD_FILE = "build.json"
DOCKERFILE = "Dockerfile"
BUILDABLE_STATUSES = ("ok", "stale")
#: build secrets given to BuildKit builds: secret id -> the environment variable holding it
#: (the template's weights step reads ``weights_token``; nothing else ever sees the value)
BUILD_SECRETS = {"weights_token": "DEEPOC_WEIGHTS_TOKEN"}
# Tags whose image labels are read when looking for a build key (this build's own tags first).
MAX_REGISTRY_CANDIDATES = 50


@dataclass
class Job:
    """One Docker repo at one commit, with what is known about it from the catalog."""

    module: str
    repo: Path
    commit: str
    branch: str | None = None
    git_tag: str | None = None
    url: str | None = None
    metadata: dict | None = None
    build: dict | None = None
    code_repo: str | None = None
    #: catalog jobs: the repository the catalog gives this module (naming.py), or why it has
    #: none; None for a ``--repo`` checkout, whose own build.json ``image`` is used
    image: str | naming.ImageNameError | None = None
    #: the code repo commit to install when it is known already (``deep-oc run``: the local
    #: one); None: resolved from the code repo's branch (or tag)
    code_commit: str | None = None
    #: only these variants (None: ``cpu``, and ``gpu`` when build.json has a GPU tag)
    variants: tuple[str, ...] | None = None
    #: tags per variant instead of the tag scheme's (``deep-oc run``'s local names)
    tags: dict[str, list[str]] | None = None


@dataclass
class Options:
    """Run-wide settings."""

    registry: str
    build_number: str | None = None
    push: bool = True
    jobs: int = 1
    no_cache: bool = False
    smoke_timeout: float | None = None
    #: smoke-test each CPU image it builds (``deep-oc run`` tests the container it serves)
    smoke: bool = True
    log_dir: Path | None = None
    builds: BuildsFile = field(default_factory=lambda: BuildsFile(None))
    out: Callable[[str], None] = print


@dataclass
class Counts:
    """How many images were built, reused, pushed, failed in a run."""

    built: int = 0
    reused: int = 0
    pushed: int = 0
    failed: int = 0


class JobFailure(DeepOCError):
    """A job-level failure that applies to every variant of the job."""


# -- reading jobs ------------------------------------------------------------------------------
def jobs_from_catalog(
    path: str | Path, only: list[str] | None = None,
    namespace: str = naming.DEFAULT_NAMESPACE,
) -> tuple[list[Job], list[str]]:
    """Jobs for every buildable module branch of catalog.json, and notes on the skipped ones.

    Each job carries the image repository the catalog gives its module (from all modules of
    the catalog, so two never share one), never the one its build.json asks for."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such catalog; run `deep-oc catalog sync` first") from None
    except (OSError, ValueError) as exc:
        raise DeepOCError(
            f"{path}: not readable JSON ({exc}); rerun `deep-oc catalog sync`"
        ) from None
    base = path.parent
    modules = doc.get("modules") or []
    names = {m.get("name") for m in modules}
    for name in only or []:
        if name not in names:
            raise UsageError(f"--only {name}: no such module in {path}; see `deep-oc catalog list`")
    problem = naming.repository_problem(namespace)
    if problem:
        raise UsageError(f"--namespace {namespace!r} {problem}")
    images = naming.catalog_repositories(
        ((m.get("name"), m.get("image")) for m in modules if m.get("name")), namespace)
    jobs, notes = [], []
    for m in modules:
        if only and m.get("name") not in only:
            continue
        if not m.get("mirror"):
            why = m.get("reason") or m.get("status")
            notes.append(f"{m.get('name')}: skipped, no mirror ({why})")
            continue
        mirror = Path(m["mirror"])
        mirror = mirror if mirror.is_absolute() else base / mirror
        for branch, info in sorted((m.get("branches") or {}).items()):
            status = info.get("status")
            if not info.get("commit") or status not in BUILDABLE_STATUSES:
                notes.append(f"{m['name']}@{branch}: skipped, status {status}")
                continue
            jobs.append(
                Job(
                    module=m["name"],
                    repo=mirror,
                    commit=info["commit"],
                    branch=branch,
                    url=m.get("url"),
                    metadata=info.get("metadata"),
                    build=info.get("build"),
                    code_repo=info.get("code_repo"),
                    image=images.get(m["name"])
                    or naming.ImageNameError(f"module {m['name']!r} has no image name"),
                )
            )
    return jobs, notes


def job_from_repo(
    path: str | Path, branch: str | None, git_tag: str | None, code_repo: str | None
) -> Job:
    """The job for a single Docker repo checkout (what a module's Jenkinsfile builds)."""
    path = Path(path)
    if not (path / DOCKERFILE).exists() and not (path / ".git").exists():
        raise UsageError(f"--repo {path}: not a Docker repo checkout (no Dockerfile, no .git)")
    commit = source.head(path)
    name = path.resolve().name
    if name.endswith(".git"):
        name = name[:-4]
    if name.lower().startswith("deep-oc-"):
        name = name[8:]
    return Job(module=name, repo=path, commit=commit, branch=branch, git_tag=git_tag,
               code_repo=code_repo)


# -- settings ----------------------------------------------------------------------------------
def load_settings(job: Job) -> dict:
    """build.json of the job's commit, checked; a JobFailure says what to fix."""
    settings = job.build
    if settings is None:
        raw = source.read(job.repo, job.commit, BUILD_FILE)
        if raw is None:
            raise JobFailure(
                f"no {BUILD_FILE} in the Docker repo at {job.commit[:7]}: add one "
                "(see docs/reference/builds-json.md)"
            )
        try:
            settings = json.loads(raw)
        except ValueError as exc:
            raise JobFailure(f"{BUILD_FILE} at {job.commit[:7]} is not JSON: {exc}") from None
    if not isinstance(settings, dict):
        raise JobFailure(f"{BUILD_FILE} must be an object")
    for key in ("base_image", "cpu_tag"):
        if not isinstance(settings.get(key), str) or not settings[key]:
            raise JobFailure(f"{BUILD_FILE}: {key!r} must be a non-empty string")
    if not isinstance(settings.get("image", ""), str):
        raise JobFailure(f"{BUILD_FILE}: 'image' must be a string")
    if not isinstance(settings.get("gpu_tag", ""), str):
        raise JobFailure(f"{BUILD_FILE}: 'gpu_tag' must be a string (empty: no GPU image)")
    extra = settings.get("build_args") or {}
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise JobFailure(f"{BUILD_FILE}: 'build_args' must map names to strings")
    return settings


def repository_for(job: Job, settings: dict) -> str:
    """The repository (without registry) this job's images are pushed to.

    A catalog job gets the catalog's name and a build.json naming another image is refused;
    a ``--repo`` checkout (the module's own CI) uses its build.json ``image``."""
    if job.image is None:
        if not settings.get("image"):
            raise JobFailure(f"{BUILD_FILE}: 'image' must be a non-empty string")
        return naming.check_repository(settings["image"], f"{BUILD_FILE} image")
    if isinstance(job.image, naming.ImageNameError):
        raise job.image
    naming.check_build_file_image(settings.get("image"), job.image, job.module)
    return job.image


def _metadata(job: Job) -> dict:
    if job.metadata is None:
        raw = source.read(job.repo, job.commit, "metadata.json")
        try:
            job.metadata = json.loads(raw) if raw else {}
        except ValueError:
            job.metadata = {}
    return job.metadata if isinstance(job.metadata, dict) else {}


def _code_repo(job: Job) -> str | None:
    if job.code_repo:
        return job.code_repo
    meta = _metadata(job)
    sources = meta.get("sources") if isinstance(meta.get("sources"), dict) else {}
    links = meta.get("links") if isinstance(meta.get("links"), dict) else {}
    return sources.get("code") or links.get("source_code")


def labels_for(job: Job, key: str | None, variant: str) -> dict[str, str]:
    """OCI labels every image gets (plus the build key)."""
    meta = _metadata(job)
    license_ = meta.get("license") or ""
    labels = {
        "org.opencontainers.image.source": job.url or "",
        "org.opencontainers.image.revision": job.commit,
        "org.opencontainers.image.created": now_iso(),
        "org.opencontainers.image.version": job.git_tag
        or str(meta.get("version") or job.commit[:7]),
        "org.opencontainers.image.title": str(meta.get("title") or job.module),
        "org.opencontainers.image.licenses": license_ if isinstance(license_, str) else "",
        "io.deep-oc.module": job.module,
        "io.deep-oc.variant": variant,
    }
    if key:
        labels[buildkey.KEY_LABEL] = key
    return labels


@dataclass
class CodeSource:
    """The code repo a Docker repo's build fetches, the ref and the commit it installs."""

    repo: str | None
    branch: str
    commit: str | None = None
    #: False when the Dockerfile clones a code repo whose branch could not be read: no key
    resolvable: bool = True
    #: the Dockerfile takes ``ARG commit``: it installs exactly ``commit``, whatever the
    #: branch holds by then, so the engine's layer cache can be trusted
    exact: bool = False
    #: the Dockerfile fetches a code repo at all (``ARG code_repo``)
    fetched: bool = False

    @property
    def cache_safe(self) -> bool:
        """Whether a cached layer of the code step is sure to hold this commit."""
        return not self.fetched or (self.exact and self.commit is not None)


def _code_source(job: Job, dockerfile: str) -> CodeSource:
    """Which code the build installs: the ref :func:`code_ref` names, at the commit the
    remote has for it now (``git ls-remote``), or the job's own ``code_commit``."""
    code = CodeSource(repo=_code_repo(job), branch=code_ref(job.branch, job.git_tag))
    if not buildkey.dockerfile_declares_arg(dockerfile, "code_repo"):
        return code
    code.fetched = True
    code.exact = buildkey.dockerfile_declares_arg(dockerfile, "commit")
    if not code.repo:
        raise JobFailure(
            "no code repo: set sources.code in metadata.json or pass --code-repo URL"
        )
    if job.code_commit:
        code.commit = job.code_commit
    elif job.git_tag is not None:
        tag, master = f"refs/tags/{job.git_tag}", "refs/heads/master"
        found = source.remote_refs(code.repo, [tag, master])
        if found and tag in found:
            code.branch = code_ref(None, job.git_tag, code_has_tag=True)
            code.commit = found[tag]
        elif found:
            code.commit = found.get(master)
    else:
        code.commit = source.remote_branch_commit(code.repo, code.branch)
    code.resolvable = code.commit is not None
    return code


def build_secrets() -> dict[str, str]:
    """The :data:`BUILD_SECRETS` whose variable is set, for a BuildKit build."""
    return {sid: var for sid, var in BUILD_SECRETS.items() if os.environ.get(var)}


# -- the run -----------------------------------------------------------------------------------
class Runner:
    """Runs jobs (in parallel up to ``jobs``) and records every result."""

    def __init__(self, options: Options) -> None:
        self.o = options
        self.counts = Counts()
        self._lock = threading.Lock()
        self._label_cache: dict[tuple[str, str], dict | None] = {}
        #: every record of the run, in order
        self.records: list[BuildRecord] = []

    def run(self, jobs: list[Job]) -> Counts:
        if self.o.jobs <= 1 or len(jobs) <= 1:
            for job in jobs:
                self._run_job(job)
        else:
            with ThreadPoolExecutor(max_workers=self.o.jobs) as pool:
                list(pool.map(self._run_job, jobs))
        return self.counts

    def _run_job(self, job: Job) -> None:
        try:
            records = self._job(job)
        except Exception as exc:  # one module never stops the others
            reason = str(exc) if isinstance(exc, DeepOCError) else f"{type(exc).__name__}: {exc}"
            records = [self._record(job, "cpu", status="failed", reason=reason)]
        with self._lock:
            for r in records:
                self.counts.failed += r.status == "failed"
                self.counts.reused += r.status == "reused"
                self.counts.pushed += r.status == "pushed"
                self.counts.built += r.built
            self.o.builds.add(records)
            self.records += records
            for r in records:
                ref = r.branch or r.git_tag
                what = r.reason if r.status == "failed" else ", ".join(r.tags)
                self.o.out(for_terminal(f"{r.module}@{ref} {r.variant}: {r.status} ({what})",
                                        keep_newlines=False))

    def log_path(self, job: Job, variant: str) -> Path | None:
        if not self.o.log_dir:
            return None
        ref = re.sub(r"[^a-z0-9_.-]+", "-", (job.branch or job.git_tag or "head").lower())
        ref = ref.strip(".-") or "x"
        if job.git_tag is not None:
            ref = f"tag-{ref}"
        return self.o.log_dir / f"{job.module}-{ref}-{variant}.log"

    def _record(self, job: Job, variant: str, *, status: str, repository: str | None = None,
                tags: list[str] | None = None, digest: str | None = None,
                key: str | None = None, reason: str | None = None, duration: float = 0.0,
                log_path: Path | None = None, built: bool = False) -> BuildRecord:
        """The record of one image of ``job``; the log path relative to builds.json."""
        rel = None
        if log_path is not None:
            base = self.o.builds.path.parent if self.o.builds.path else None
            try:
                rel = str(log_path.relative_to(base)) if base else str(log_path)
            except ValueError:
                rel = str(log_path)
        return BuildRecord(
            module=job.module, branch=job.branch, git_tag=job.git_tag, variant=variant,
            commit=job.commit, build_number=self.o.build_number, image=repository,
            tags=list(tags or []), digest=digest, build_key=key, status=status, reason=reason,
            duration=round(duration, 2), log=rel, built=built,
        )

    def _job(self, job: Job) -> list[BuildRecord]:
        settings = load_settings(job)
        repository = f"{self.o.registry.rstrip('/')}/{repository_for(job, settings)}"
        dockerfile_raw = source.read(job.repo, job.commit, DOCKERFILE)
        if dockerfile_raw is None:
            raise JobFailure(f"no {DOCKERFILE} in the Docker repo at {job.commit[:7]}")
        dockerfile = dockerfile_raw.decode("utf-8", "replace")
        code = _code_source(job, dockerfile)
        context = buildkey.context_identity(source.tree(job.repo, job.commit), dockerfile)
        buildkit = buildkey.dockerfile_needs_buildkit(dockerfile)
        client = engine.connect()
        variants = [("cpu", settings["cpu_tag"])]
        if settings.get("gpu_tag"):
            variants.append(("gpu", settings["gpu_tag"]))
        if job.variants is not None:
            if any(v not in dict(variants) for v in job.variants):
                raise JobFailure(f"{BUILD_FILE} has no gpu_tag: this module has no GPU image")
            variants = [(v, base) for v, base in variants if v in job.variants]
        records: list[BuildRecord] = []
        cpu_ok = True
        archive: list[bytes] = []
        for variant, base_tag in variants:
            tags = (job.tags or {}).get(variant) or image_tags(
                commit=job.commit, variant=variant, build_number=self.o.build_number,
                branch=job.branch, git_tag=job.git_tag)
            image = _Image(
                job=job, variant=variant,
                repository=repository,
                tags=tags,
                log=_Log(self.log_path(job, variant)),
                buildkit=buildkit,
            )
            started = time.monotonic()
            try:
                image.log(f"{job.module} {job.branch or job.git_tag} {variant} at {job.commit}")
                if not code.resolvable:
                    image.log(f"code repo {code.repo} branch {code.branch} not reachable: "
                              "no build key")
                if not cpu_ok:
                    raise JobFailure("not built: the CPU image of the same commit failed")
                base = f"{settings['base_image']}:{base_tag}"
                base_id = engine.base_image_id(client, base, image.log)
                image.buildargs = dict(settings.get("build_args") or {})
                image.buildargs.update(tag=base_tag, branch=code.branch,
                                       code_repo=code.repo or "")
                key_args = image.buildargs
                if code.exact and code.commit:
                    image.buildargs["commit"] = code.commit
                    # the same commit from another address is the same code (buildkey.py)
                    key_args = {k: v for k, v in image.buildargs.items() if k != "code_repo"}
                    image.log(f"code repo {code.repo} {code.branch}: installing exactly "
                              f"{code.commit}")
                elif not code.cache_safe:
                    image.nocache = True
                    image.log("the Dockerfile has no ARG commit (a template before 0.3.0: "
                              "deep-oc update brings it) or the code commit is unknown: "
                              "built without the layer cache, so the code is fresh")
                if code.resolvable:
                    image.key = buildkey.build_key(code_commit=code.commit, context=context,
                                                   buildargs=key_args,
                                                   base_image_id=base_id)
                    image.log(f"build key {image.key}")
                if code.commit:
                    image.code = (f"{code.repo}#{code.branch}", code.commit)
                rec = self._variant(image, client, archive)
                rec.duration = round(time.monotonic() - started, 2)
            except DeepOCError as exc:
                image.log(f"FAILED: {exc}")
                if variant == "cpu":
                    cpu_ok = False
                rec = self._record(job, variant, status="failed", repository=image.repository,
                                   tags=image.tags, key=image.key, reason=str(exc),
                                   duration=time.monotonic() - started,
                                   log_path=image.log.path)
            finally:
                image.log.close()
            records.append(rec)
        return records

    def _variant(self, image: _Image, client: Any, archive: list[bytes]) -> BuildRecord:
        """One image: reuse by key, or build (+ smoke test for CPU); then tag and push."""
        job, log, key = image.job, image.log, image.key
        done = partial(self._record, job, image.variant, repository=image.repository,
                       tags=image.tags, key=key, log_path=log.path)
        # 1. The registry already has an image with this key: move the tags, no build.
        if key and self.o.push and not self.o.no_cache:
            try:
                found = self._find_in_registry(image.repository, key, image.tags)
            except reg.RegistryError as exc:
                log(f"registry check failed ({exc}); building")
                found = None
            if found:
                digest = self._retag(image.repository, image.tags, found, log)
                return done(status="reused", digest=digest)
        # 2. The engine has it (an earlier run built it, e.g. with --no-push).
        local = None
        if key and not self.o.no_cache:
            local = engine.find_by_label(client, buildkey.KEY_LABEL, key)
            if local:
                log(f"reusing local image {local} with the same build key")
        built = False
        if local is None:
            if not archive:
                archive.append(source.archive(job.repo, job.commit))
            labels = labels_for(job, key, image.variant)
            if image.code:
                labels[CODE_LABEL], labels[CODE_COMMIT_LABEL] = image.code
            nocache = self.o.no_cache or image.nocache
            if image.buildkit:
                local = engine.build_buildkit(archive[0], image.buildargs, labels, log,
                                              nocache=nocache, secrets=build_secrets())
            else:
                local = engine.build(client, archive[0], image.buildargs, labels, log,
                                     nocache=nocache)
            built = True
        engine.tag_image(client, local, image.repository, image.tags)
        if image.variant == "cpu" and built and self.o.smoke:
            try:
                smoke_test(client, local, log, self.o.smoke_timeout)
            except DeepOCError:
                engine.remove_tags(client, image.repository, image.tags)
                _remove_image(client, local)
                raise
        if not self.o.push:
            return done(status="built" if built else "reused", digest=local, built=built)
        digest = None
        for t in image.tags:
            digest = engine.push(client, image.repository, t, log)
        return done(status="pushed", digest=digest, built=built)

    def _find_in_registry(self, repository: str, key: str, tags: list[str]):
        ref = reg.split_image(repository)
        client = reg.Registry(ref.registry)
        candidates = list(tags)
        existing = client.tags(ref.repository)
        if not existing:
            return None
        candidates = [t for t in candidates if t in existing] + [
            t for t in existing if t not in candidates
        ]
        seen: set[str] = set()
        for t in candidates[:MAX_REGISTRY_CANDIDATES]:
            got = client.manifest(ref.repository, t)
            if not got or got[2] in seen:
                continue
            seen.add(got[2])
            cache_key = (repository, got[2])
            if cache_key not in self._label_cache:
                self._label_cache[cache_key] = client.labels(ref.repository, got[2])
            labels = self._label_cache[cache_key] or {}
            if labels.get(buildkey.KEY_LABEL) == key:
                return got
        return None

    def _retag(self, repository: str, tags: list[str], found, log) -> str:
        body, media_type, digest = found
        ref = reg.split_image(repository)
        client = reg.Registry(ref.registry)
        log(f"registry has {repository}@{digest} with the same build key: moving tags, no build")
        for t in tags:
            if client.digest(ref.repository, t) != digest:
                client.put_tag(ref.repository, t, body, media_type)
                log(f"tagged {repository}:{t} -> {digest}")
        return digest


CODE_LABEL = "io.deep-oc.code"
CODE_COMMIT_LABEL = "io.deep-oc.code-commit"


def _remove_image(client, image: str) -> None:
    try:
        client.images.remove(image, force=True)
    except docker.errors.APIError:
        pass


@dataclass
class _Image:
    """One image of a job on its way: where it goes, how it is built, where its log is."""

    job: Job
    variant: str
    repository: str
    tags: list[str]
    log: _Log
    buildargs: dict[str, str] = field(default_factory=dict)
    key: str | None = None
    #: ("<code_repo>#<branch>", commit) when the Dockerfile clones the code repo
    code: tuple[str, str] | None = None
    #: the Dockerfile needs BuildKit (``RUN --mount``): built through the docker CLI
    buildkit: bool = False
    #: the layer cache cannot be trusted for this build (see :class:`CodeSource`)
    nocache: bool = False


class _Log:
    """A per-image log file (append); lines also kept for the reason of a failure."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115

    def __call__(self, line: str) -> None:
        if self._fh:
            self._fh.write(line.rstrip("\n") + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None
