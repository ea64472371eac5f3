"""A catalog module as the marketplace shows it: :class:`ListedModule`.

Both metadata generations (DEEP v1 ``metadata.json`` and AI4OS v2 ``ai4-metadata.yml``) are
read into this one shape here, so templates and the search index never look at raw
metadata. Pure functions: no file system.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from deepoc.images.newest import newest
from deepoc.site.markdown import description_html
from deepoc.textsafe import neutralise_tree

PREFERRED_BRANCHES = ("master", "main")
SHOWN_BUILD_STATUSES = ("pushed", "reused")  # a tag of these statuses really exists

# (label, paths) in display order; the first path holding a value wins.
LINK_FIELDS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("Code", (("sources", "code"), ("links", "source_code"))),
    ("Docker repo", (("sources", "dockerfile_repo"), ("links", "docker_repo"))),
    ("Image registry", (("sources", "docker_registry_repo"), ("links", "docker_image"))),
    ("Documentation", (("links", "documentation"),)),
    ("Dataset", (("dataset_url",), ("sources", "dataset_url"), ("links", "dataset"),
                 ("links", "dataset_url"))),
    ("Training data", (("links", "training_data"),)),
    ("Citation", (("cite_url",), ("sources", "cite_url"), ("links", "citation"),
                  ("links", "cite_url"), ("doi",), ("sources", "zenodo_doi"),
                  ("links", "zenodo_doi"))),
    ("Weights", (("sources", "pre_trained_weights"), ("links", "weights"))),
    ("Training files", (("training_files_url",), ("sources", "training_files_url"),
                        ("links", "training_files_url"))),
    ("Base model", (("links", "base_model"),)),
)

# Only absolute http(s) URLs with a host become links; anything else is shown as text.
HTTP_URL = re.compile(r"https?://[^/?#@\s\x00-\x1f\x7f]+([/?#][^\s\x00-\x1f\x7f]*)?",
                      re.IGNORECASE)
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
DOCKERHUB_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._/-]*")
DOCKER_TAG = re.compile(r"\w[\w.-]{0,127}")
IMAGE_REF = re.compile(r"\w[\w.:/-]*")


def is_http_url(value: object) -> bool:
    """Whether ``value`` may become an ``href`` (never javascript:, data:, relative...)."""
    return isinstance(value, str) and HTTP_URL.fullmatch(value) is not None


@dataclass
class Link:
    """A link of a module page; only ``is_link`` values (http(s) URLs) become ``<a href>``."""

    label: str
    value: str
    is_link: bool


@dataclass
class Image:
    """An image that really exists (pushed or reused): ``tag`` is the one run commands use."""

    variant: str
    image: str
    tag: str


@dataclass
class BuildRow:
    """One row of a module page's build table."""

    branch: str
    variant: str
    status: str
    reason: str | None
    tags: list[str]
    time: str | None


@dataclass
class ListedModule:
    """Everything the site shows about one module, made once per module per build.

    ``status`` is ok, invalid, error, stale or missing; ``images`` maps a variant (cpu, gpu)
    to the :class:`Image` that really exists; ``description`` is sanitized HTML."""

    name: str
    slug: str
    title: str
    summary: str
    description: str
    description_text: str
    keywords: list[str]
    license: str
    created: str | None
    updated: str | None
    branch: str | None
    status: str
    reason: str | None
    stale: bool
    problems: list[str]
    links: list[Link]
    trainable: bool
    inference: bool
    pretrained: bool
    images: dict[str, Image]
    builds: list[BuildRow]
    build_status: str
    url: str | None
    extra_branches: list[str] = field(default_factory=list)
    template_version: str | None = None  # of the template that made the shown branch

    @property
    def valid(self) -> bool:
        return self.status == "ok"

    @property
    def cpu(self) -> bool:
        return "cpu" in self.images

    @property
    def gpu(self) -> bool:
        return "gpu" in self.images

    @property
    def newest_date(self) -> str:
        """What the feed orders by: the update date, else the creation date."""
        return self.updated or self.created or ""


@dataclass
class Keyword:
    """A keyword of the site: its label, its page's slug and its modules, newest first."""

    label: str
    slug: str
    modules: list[ListedModule]


def slugify(text: str) -> str:
    """A file-name-safe, lower-case slug (callers make colliding slugs unique)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:60] or "x"


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def unique_slug(text: str, taken: set[str]) -> str:
    """``slugify(text)``, with a short hash of the text when that slug is already taken."""
    slug = slugify(text)
    if slug in taken:
        slug = f"{slug}-{_short_hash(text)}"
    taken.add(slug)
    return slug


def module_slug(name: str) -> str:
    """The page name of a module: its catalog name when that is already URL-safe, so URLs
    stay stable."""
    if SAFE_NAME.fullmatch(name):
        return name
    return f"{slugify(name)}-{_short_hash(name)}"


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(value: Any, joiner: str = "\n\n") -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return joiner.join(_text(v, joiner) for v in value)
    return str(value).strip()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        items = (str(v).strip() for v in value if isinstance(v, (str, int, float)))
        return [v for v in items if v]
    return []


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


def _has_content(record: Any) -> bool:
    return isinstance(record, dict) and (record.get("commit") is not None
                                         or isinstance(record.get("metadata"), dict))


def pick_branch(branches: dict[str, Any]) -> str | None:
    """The branch the marketplace shows: master, then main, then the first by name,
    preferring branches that exist (a followed ``test`` branch may be missing)."""
    order = [b for b in PREFERRED_BRANCHES if b in branches] + sorted(
        b for b in branches if b not in PREFERRED_BRANCHES)
    for name in order:
        if _has_content(branches[name]):
            return name
    return order[0] if order else None


def _links(meta: dict[str, Any], url: str | None) -> list[Link]:
    links: list[Link] = []
    for label, paths in LINK_FIELDS:
        value = next((v.strip() for v in (_get(meta, p) for p in paths)
                      if isinstance(v, str) and v.strip()), None)
        if value is None:
            continue
        if label == "Image registry" and not is_http_url(value) \
                and DOCKERHUB_NAME.fullmatch(value):
            value = f"https://hub.docker.com/r/{value}"
        links.append(Link(label, value, is_http_url(value)))
    if url and not any(link.label == "Docker repo" for link in links):
        links.insert(min(1, len(links)), Link("Docker repo", url, is_http_url(url)))
    return links


def builds_index(builds: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Build records grouped by module name: the newest record per module, branch, tag and
    variant wins, and the records come sorted, so neither depends on the file's order."""
    out: dict[str, dict[tuple[str, str, str], dict[str, Any]]] = {}
    for (module, branch, git_tag, variant), rec in newest(
            (builds or {}).get("builds", []) or []).items():
        if isinstance(module, str):
            out.setdefault(module, {})[repr(branch), repr(git_tag), repr(variant)] = rec
    return {name: [per[k] for k in sorted(per)] for name, per in out.items()}


def _pick_tag(variant: str, tags: list[str]) -> str:
    for want in (variant, "latest"):
        if want in tags:
            return want
    return tags[0]


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _builds(records: list[dict[str, Any]], branch: str | None
            ) -> tuple[dict[str, Image], list[BuildRow], str]:
    """The images run commands may use, the build table, and the overall build status."""
    images: dict[str, Image] = {}
    rows: list[BuildRow] = []
    for rec in sorted(records, key=lambda r: (str(r.get("branch")), str(r.get("variant")))):
        status = str(rec.get("status") or "unknown")
        tags = [t for t in _strings(rec.get("tags")) if DOCKER_TAG.fullmatch(t)]
        variant = str(rec.get("variant") or "")
        rows.append(BuildRow(str(rec.get("branch") or rec.get("git_tag") or ""), variant,
                             status, _str_or_none(rec.get("reason")), tags,
                             _str_or_none(rec.get("time"))))
        image = rec.get("image")
        if (status in SHOWN_BUILD_STATUSES and tags and isinstance(image, str)
                and IMAGE_REF.fullmatch(image) and rec.get("branch") == branch
                and variant in ("cpu", "gpu")):
            images[variant] = Image(variant, image, _pick_tag(variant, tags))
    mine = [r for r in rows if r.branch == branch] or rows
    if not mine:
        overall = "none"
    elif any(r.status == "failed" for r in mine):
        overall = "failed"
    elif all(r.status in SHOWN_BUILD_STATUSES for r in mine):
        overall = "pushed"
    else:
        overall = mine[0].status
    return images, rows, overall


def _problems(entry: dict[str, Any], br: dict[str, Any] | None) -> list[str]:
    out: list[str] = []
    failure = (br or {}).get("failure")
    if isinstance(failure, dict):  # stale: what fails now, beside the last good reading
        now = failure.get("reason") or failure.get("status")
        if now:
            out.append(f"now failing: {now}")
        out.extend(_problems(entry, {"errors": failure.get("errors") or []}))
    for err in (br or {}).get("errors") or []:
        if isinstance(err, dict):
            where = str(err.get("path") or "")
            if err.get("line"):
                where += f" (line {err.get('line')})"
            msg = f"{where}: {err.get('message')}" if where else str(err.get("message"))
            if err.get("hint"):
                msg += f" ({err['hint']})"
            out.append(msg)
        else:
            out.append(str(err))
    return out


def _status(entry: dict[str, Any], br: dict[str, Any]) -> str:
    status = str(entry.get("status") or "ok")
    if status == "ok" and br.get("status") not in (None, "ok"):
        status = str(br.get("status"))
    if status == "ok" and not br:
        status = "missing"
    if status == "ok" and br.get("valid") is False:
        status = "invalid"
    return status


def _abilities(meta: dict[str, Any]) -> tuple[list[str], bool, bool, bool]:
    """Keywords, then trainable, inference and pre-trained: v2 has categories for those,
    v1 says them with keywords."""
    if "metadata_version" in meta or "links" in meta or "dates" in meta:  # v2
        keywords = _strings(meta.get("tags")) + _strings(meta.get("tasks")) + _strings(
            meta.get("libraries"))
        cats = {c.lower() for c in _strings(meta.get("categories"))}
        return (keywords, "ai4 trainable" in cats, "ai4 inference" in cats,
                "ai4 pre trained" in cats)
    keywords = _strings(meta.get("keywords"))
    low = {k.lower() for k in keywords}
    return (keywords, "trainable" in low, "inference" in low,
            "pre-trained" in low or "pretrained" in low)


def listed_module(entry: dict[str, Any], records: list[dict[str, Any]],
                  remote_images: bool = True) -> ListedModule:
    """One catalog entry (plus its build records, see :func:`builds_index`) as the site
    shows it. Every string of both is neutralised first (textsafe.neutralise: no bidi
    override or control character reaches a page, the feed or the sitemap)."""
    entry = neutralise_tree(entry)  # type: ignore[assignment]
    records = neutralise_tree(records)  # type: ignore[assignment]
    name = str(entry.get("name") or "unnamed")
    branches = entry.get("branches") if isinstance(entry.get("branches"), dict) else {}
    branch = pick_branch(branches)
    br = branches.get(branch) if branch else None
    br = br if isinstance(br, dict) else {}
    meta = br.get("metadata") if isinstance(br.get("metadata"), dict) else {}
    status = _status(entry, br)
    reason = entry.get("reason") or br.get("reason")
    keywords, trainable, inference, pretrained = _abilities(meta)
    images, rows, overall = _builds(records, branch)
    url = _str_or_none(entry.get("url"))
    # v1 descriptions are arrays of wrapped lines: joined by newlines they flow into one
    # Markdown paragraph, and a blank item still starts a new one.
    source = _text(meta.get("description"), "\n")
    html, plain = description_html(source, remote_images)
    return ListedModule(
        name=name,
        slug=module_slug(name),
        title=_text(meta.get("title")) or name,
        summary=_text(meta.get("summary")),
        description=html,
        description_text=plain,
        keywords=_dedupe([k for k in keywords if len(k) <= 80])[:40],
        license=_text(meta.get("license")) or "unspecified",
        created=_str_or_none(br.get("created")),
        updated=_str_or_none(br.get("updated")),
        branch=branch,
        status=status,
        reason=str(reason) if reason else None,
        stale=bool(entry.get("stale")) or status == "stale",
        problems=_problems(entry, br),
        links=_links(meta, url),
        trainable=trainable,
        inference=inference,
        pretrained=pretrained,
        images=images,
        builds=rows,
        build_status=overall,
        url=url,
        extra_branches=sorted(b for b in branches if b != branch
                              and _has_content(branches[b])),
        template_version=_str_or_none(br.get("template_version")),
    )


def sort_key(module: ListedModule) -> tuple[str, str]:
    """Newest first by creation date, so an update does not reshuffle every listing."""
    return (module.created or "", module.name)


def group_keywords(modules: list[ListedModule]) -> list[Keyword]:
    """Keywords with their modules (in the order given). Spellings that differ only in case
    are one keyword, shown in its most used spelling, each with a unique slug."""
    groups: dict[str, list[ListedModule]] = {}
    spellings: dict[str, dict[str, int]] = {}
    for m in modules:
        for k in m.keywords:
            groups.setdefault(k.lower(), []).append(m)
            counts = spellings.setdefault(k.lower(), {})
            counts[k] = counts.get(k, 0) + 1
    out = []
    taken = {"index"}  # keywords/index.html is the keyword index
    for low in sorted(groups):  # sorted: the same keyword set always gets the same slugs
        counts = spellings[low]
        label = max(counts, key=counts.__getitem__)  # the most used spelling (first on ties)
        out.append(Keyword(label, unique_slug(low, taken), groups[low]))
    out.sort(key=lambda k: k.label.lower())
    return out
