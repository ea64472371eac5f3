"""A catalog module as the marketplace shows it: :class:`ListedModule`.

Both metadata generations (DEEP v1 ``metadata.json`` and AI4OS v2 ``ai4-metadata.yml``) are
read into this one shape here, so templates and the search index never look at raw
metadata. Pure functions: no file system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from deepoc.images.newest import newest
from deepoc.site import facets
from deepoc.site.markdown import description_html
from deepoc.site.slugs import module_slug, slugify, unique_slug
from deepoc.textsafe import neutralise_tree

__all__ = ["ListedModule", "builds_index", "is_http_url", "listed_module", "module_slug",
           "pick_branch", "slugify", "sort_key", "unique_slug"]

PREFERRED_BRANCHES = ("master", "main")  # when the catalog does not say the default branch
SHOWN_BUILD_STATUSES = ("pushed", "reused")  # a tag of these statuses really exists
#: the license shown for a LICENSE file whose text no SPDX license matched
UNIDENTIFIED_LICENSE = "see LICENSE"

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
    to the :class:`Image` that really exists; ``description`` is sanitized HTML;
    ``facets`` maps each kind of :data:`deepoc.site.facets.KINDS` to the module's values.
    ``license`` is what cards and the License filter show: the metadata's, else the id of
    the repository's LICENSE file (``license_file`` is then its path, ``license_href`` a
    link to it when one can be made), else "see LICENSE" or "unspecified"."""

    name: str
    slug: str
    title: str
    summary: str
    description: str
    description_text: str
    facets: dict[str, list[str]]
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
    template_version: str | None = None  # of the deep-oc template that made the branch
    template: str | None = None  # the template of record, v2 links.ai4_template
    metadata_file: str | None = None  # the file sync read (ai4-metadata.yml, metadata.json)
    license_file: str | None = None
    license_href: str | None = None

    @property
    def card_values(self) -> list[tuple[str, str]]:
        """(kind, value) chips of a card: libraries, tasks, then tags, at most eight; not
        "Other" (the AI4OS dashboard's catch-all value says nothing on a card)."""
        return [(k, v) for k in facets.CARD_KINDS for v in self.facets.get(k, ())
                if v.lower() != "other"][:facets.CARD_VALUES]

    @property
    def license_identified(self) -> bool:
        """Whether ``license`` names a license (from the metadata or a LICENSE file)."""
        return not (self.license_file and self.license == UNIDENTIFIED_LICENSE)

    @property
    def all_values(self) -> list[str]:
        """Every facet value, for search and the feed's categories."""
        return [v for k in facets.KINDS for v in self.facets.get(k.key, ())]

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


def _has_content(record: Any) -> bool:
    return isinstance(record, dict) and (record.get("commit") is not None
                                         or isinstance(record.get("metadata"), dict))


def pick_branch(branches: dict[str, Any], default: str | None = None) -> str | None:
    """The branch the marketplace shows: the remote's default branch (``default``, which
    catalog.json records), else master, then main, then the first by name; preferring
    branches that exist (a followed ``test`` branch may be missing)."""
    first = ([default] if default else []) + [b for b in PREFERRED_BRANCHES if b != default]
    order = [b for b in first if b in branches] + sorted(
        b for b in branches if b not in first)
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


# Where a repository's files are shown on the web: <url>/blob/<branch>/<path>.
REPO_PATH = re.compile(r"(?!.*(^|/)\.\.?(/|$))[\w.-]+(/[\w.-]+)*", re.ASCII)
_BLOB_HOSTS = {"github.com": "/blob/", "www.github.com": "/blob/"}


def file_href(url: str | None, branch: str | None, path: str) -> str | None:
    """A link to ``path`` on ``branch`` of the repository at ``url`` (GitHub, GitLab), or
    None when the host is not one whose file URLs are known or the result is not http(s)."""
    if not url or not branch or not is_http_url(url) or not REPO_PATH.fullmatch(path):
        return None
    host = (urlsplit(url).hostname or "").lower()
    if host in _BLOB_HOSTS:
        middle = _BLOB_HOSTS[host]
    elif host == "gitlab.com" or host.startswith("gitlab."):
        middle = "/-/blob/"
    else:
        return None
    href = url.rstrip("/") + middle + quote(branch, safe="/") + "/" + quote(path, safe="/")
    return href if is_http_url(href) else None


def _license(meta: dict[str, Any], br: dict[str, Any], url: str | None,
             branch: str | None) -> tuple[str, str | None, str | None]:
    """(shown license, LICENSE file path or None, link to that file or None)."""
    named = _text(meta.get("license"))
    found = br.get("license_file")
    if named or not isinstance(found, dict) or not isinstance(found.get("path"), str):
        return named or "unspecified", None, None
    path = found["path"].strip()[:200] or "LICENSE"
    spdx = found.get("spdx_id")
    shown = spdx.strip()[:100] if isinstance(spdx, str) and spdx.strip() \
        else UNIDENTIFIED_LICENSE
    return shown, path, file_href(url, branch, path)


def listed_module(entry: dict[str, Any], records: list[dict[str, Any]],
                  remote_images: bool = True) -> ListedModule:
    """One catalog entry (plus its build records, see :func:`builds_index`) as the site
    shows it. Every string of both is neutralised first (textsafe.neutralise: no bidi
    override or control character reaches a page, the feed or the sitemap)."""
    entry = neutralise_tree(entry)  # type: ignore[assignment]
    records = neutralise_tree(records)  # type: ignore[assignment]
    name = str(entry.get("name") or "unnamed")
    branches = entry.get("branches") if isinstance(entry.get("branches"), dict) else {}
    branch = pick_branch(branches, _str_or_none(entry.get("default_branch")))
    br = branches.get(branch) if branch else None
    br = br if isinstance(br, dict) else {}
    meta = br.get("metadata") if isinstance(br.get("metadata"), dict) else {}
    status = _status(entry, br)
    reason = entry.get("reason") or br.get("reason")
    values, can = facets.taxonomy(meta)
    images, rows, overall = _builds(records, branch)
    url = _str_or_none(entry.get("url"))
    license_, license_file, license_href = _license(meta, br, url, branch)
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
        facets=values,
        license=license_,
        created=_str_or_none(br.get("created")),
        updated=_str_or_none(br.get("updated")),
        branch=branch,
        status=status,
        reason=str(reason) if reason else None,
        stale=bool(entry.get("stale")) or status == "stale",
        problems=_problems(entry, br),
        links=_links(meta, url),
        trainable="trainable" in can,
        inference="inference" in can,
        pretrained="pretrained" in can,
        images=images,
        builds=rows,
        build_status=overall,
        url=url,
        extra_branches=sorted(b for b in branches if b != branch
                              and _has_content(branches[b])),
        template_version=_str_or_none(br.get("template_version")),
        template=(_str_or_none(br.get("template")) or "").strip()[:100] or None,
        license_file=license_file,
        license_href=license_href,
        metadata_file=(_str_or_none(br.get("metadata_file")) or "").strip()[:100] or None,
    )


def sort_key(module: ListedModule) -> tuple[str, str]:
    """Newest first by creation date, so an update does not reshuffle every listing."""
    return (module.created or "", module.name)
