"""Turn catalog.json + builds.json entries into plain view records for the pages.

Pure functions only: no file system, no Jinja. Both metadata generations (DEEP v1
``metadata.json`` and AI4OS v2 ``ai4-metadata.yml``) are read into one shape, so
pages and the search index never look at raw metadata.
"""

from __future__ import annotations

import marshal

from deepoc.hashing import sha1
from deepoc.images.newest import newest
from deepoc.site import text as rules
from deepoc.site.record import Record
from deepoc.site.text import is_http_url

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (checkers know it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Loader = Callable[[], tuple[dict[str, Any], list[dict[str, Any]]]]

PREFERRED_BRANCHES = ("master", "main")
PAGE_SIZE = 24  # cards per listing page and per page of search results
SHOWN_BUILD_STATUSES = ("pushed", "reused")

# (label, v1 paths, v2 paths) in display order; a path is a tuple of keys.
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

STOPWORDS = frozenset(
    "a an and are as at be by for from has in is it its of on or that the this to was with "
    "will can using use used via into".split()
)


class Link(Record):
    """A link of a module page; only http(s) URLs have ``is_link`` (become <a href>)."""

    __slots__ = ("label", "value", "is_link")

    def __init__(self, label: str, value: str, is_link: bool) -> None:
        self.label, self.value, self.is_link = label, value, is_link


class Image(Record):
    """An image that really exists (pushed or reused): ``tag`` is the one run commands use."""

    __slots__ = ("variant", "image", "tag", "tags", "status", "build_number", "time")

    def __init__(self, variant: str, image: str, tag: str, tags: list[str], status: str,
                 build_number: Any, time: str | None) -> None:
        self.variant, self.image, self.tag, self.tags = variant, image, tag, tags
        self.status, self.build_number, self.time = status, build_number, time


class BuildRow(Record):
    """One row of a module page's build table."""

    __slots__ = ("branch", "variant", "status", "reason", "tags", "time")

    def __init__(self, branch: str, variant: str, status: str, reason: str | None,
                 tags: list[str], time: str | None) -> None:
        self.branch, self.variant, self.status, self.reason = branch, variant, status, reason
        self.tags, self.time = tags, time


class ModuleView(Record):
    """Everything a page shows about one module; built once per module per build.

    ``status`` is ok, invalid, error, stale or missing; ``images`` maps a variant (cpu,
    gpu) to the :class:`Image` that really exists."""

    __slots__ = ("name", "slug", "title", "summary", "description", "keywords", "license",
                 "created", "updated", "branch", "status", "reason", "stale", "problems",
                 "links", "trainable", "inference", "pretrained", "images", "builds",
                 "build_status", "url", "extra_branches")

    def __init__(self, **fields: Any) -> None:
        fields.setdefault("extra_branches", ())
        if fields.keys() != set(self.__slots__):
            raise TypeError(f"ModuleView fields: {sorted(fields.keys() ^ set(self.__slots__))}")
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def valid(self) -> bool:
        return self.status == "ok"

    @property
    def cpu(self) -> bool:
        return "cpu" in self.images

    @property
    def gpu(self) -> bool:
        return "gpu" in self.images


def slugify(text: str) -> str:
    """A file-name-safe, lower-case slug (callers make colliding slugs unique)."""
    import unicodedata  # only when a new slug is made

    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(rules.slug_words(norm.lower()))[:60] or "x"


def unique_slug(text: str, taken: set[str]) -> str:
    """``slugify(text)``, with a short hash of the text when that slug is already taken."""
    slug = slugify(text)
    if slug in taken:
        slug = f"{slug}-{sha1(text.encode()).hexdigest()[:8]}"
    taken.add(slug)
    return slug


def module_slug(name: str) -> str:
    """The page name for a module: its catalog name when that is already URL-safe."""
    if rules.is_safe_name(name):
        return name
    return f"{slugify(name)}-{sha1(name.encode()).hexdigest()[:8]}"


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n\n".join(_text(v) for v in value)
    return str(value).strip()


def _paragraphs(value: Any) -> list[str]:
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(_paragraphs(item))
        return out
    return rules.paragraphs(_text(value))


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
        low = item.lower()
        if low not in seen:
            seen.add(low)
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
    seen: set[str] = set()
    for label, paths in LINK_FIELDS:
        for path in paths:
            value = _get(meta, path)
            if isinstance(value, str) and value.strip():
                value = value.strip()
                if label == "Image registry" and not is_http_url(value):
                    if rules.is_dockerhub_name(value):
                        links.append(Link(label, f"https://hub.docker.com/r/{value}", True))
                        seen.add(label)
                        break
                links.append(Link(label, value, is_http_url(value)))
                seen.add(label)
                break
    if "Docker repo" not in seen and url:
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


def _builds(records: list[dict[str, Any]], branch: str | None) -> tuple[
    dict[str, Image], list[BuildRow], str
]:
    images: dict[str, Image] = {}
    rows: list[BuildRow] = []
    for rec in sorted(records, key=lambda r: (str(r.get("branch")), str(r.get("variant")))):
        status = str(rec.get("status") or "unknown")
        tags = tuple(t for t in _strings(rec.get("tags")) if rules.is_docker_tag(t))
        variant = str(rec.get("variant") or "")
        rows.append(BuildRow(str(rec.get("branch") or rec.get("git_tag") or ""), variant, status,
                             rec.get("reason") if isinstance(rec.get("reason"), str) else None,
                             tags, rec.get("time") if isinstance(rec.get("time"), str) else None))
        image = rec.get("image")
        if (status in SHOWN_BUILD_STATUSES and tags and isinstance(image, str)
                and rules.is_image_ref(image) and rec.get("branch") == branch
                and variant in ("cpu", "gpu")):
            images[variant] = Image(variant, image, _pick_tag(variant, list(tags)), tags, status,
                                    str(rec.get("build_number") or "") or None,
                                    rec.get("time") if isinstance(rec.get("time"), str) else None)
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


def entry_key(entry: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """A content hash of everything a module's page is made from (the incremental-build key).

    A branch's parsed ``metadata`` is represented by its ``metadata_hash`` (the sha256 of the
    metadata file, per the catalog.json contract), which is much cheaper to hash; everything
    else in the entry (errors, dates, status, build settings) and its build records are
    hashed as they are. They are serialised with marshal (version 2: no back-references, so
    equal inputs give equal bytes), about three times quicker than JSON on every entry of
    every build.
    """
    branches = entry.get("branches")
    if isinstance(branches, dict):
        slim = {}
        for name, br in branches.items():
            if isinstance(br, dict) and br.get("metadata_hash") and "metadata" in br:
                br = {k: v for k, v in br.items() if k != "metadata"}
            slim[name] = br
        entry = {**entry, "branches": slim}
    return sha1(marshal.dumps([entry, records], 2)).hexdigest()


def module_view(entry: dict[str, Any], records: list[dict[str, Any]]) -> ModuleView:
    """One catalog module (plus its build records) as the fields the site shows."""
    name = str(entry.get("name") or "unnamed")
    branches = entry.get("branches") if isinstance(entry.get("branches"), dict) else {}
    branch = pick_branch(branches)
    br = branches.get(branch) if branch else None
    br = br if isinstance(br, dict) else {}
    meta = br.get("metadata") if isinstance(br.get("metadata"), dict) else {}
    status = str(entry.get("status") or "ok")
    if status == "ok" and br.get("status") not in (None, "ok"):
        status = str(br.get("status"))
    if status == "ok" and not br:
        status = "missing"
    if status == "ok" and (br.get("valid") is False):
        status = "invalid"
    stale = bool(entry.get("stale")) or status == "stale"
    reason = entry.get("reason") or br.get("reason")
    v2 = "metadata_version" in meta or "links" in meta or "dates" in meta
    if v2:
        keywords = _strings(meta.get("tags")) + _strings(meta.get("tasks")) + _strings(
            meta.get("libraries"))
        cats = [c.lower() for c in _strings(meta.get("categories"))]
        trainable = "ai4 trainable" in cats
        inference = "ai4 inference" in cats
        pretrained = "ai4 pre trained" in cats
    else:
        keywords = _strings(meta.get("keywords"))
        low = {k.lower() for k in keywords}
        trainable = "trainable" in low
        inference = "inference" in low
        pretrained = "pre-trained" in low or "pretrained" in low
    images, rows, overall = _builds(records, branch)
    url = entry.get("url") if isinstance(entry.get("url"), str) else None
    return ModuleView(
        name=name,
        slug=module_slug(name),
        title=_text(meta.get("title")) or name,
        summary=_text(meta.get("summary")),
        description=_paragraphs(meta.get("description")),
        keywords=_dedupe([k for k in keywords if len(k) <= 80])[:40],
        license=_text(meta.get("license")) or "unspecified",
        created=br.get("created") if isinstance(br.get("created"), str) else None,
        updated=br.get("updated") if isinstance(br.get("updated"), str) else None,
        branch=branch,
        status=status,
        reason=str(reason) if reason else None,
        stale=stale,
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
    )


def tokens(view: ModuleView) -> set[str]:
    """Search terms of a module: words of its name, title, summary, description, keywords."""
    text = " ".join([view.name.replace("_", " "), view.title, view.summary,
                     " ".join(view.description), " ".join(view.keywords)]).lower()
    return {t for t in rules.words(text) if t not in STOPWORDS and len(t) <= 40}


def sort_key(view: ModuleView | Mod) -> tuple[str, str]:
    """Newest first: by creation date (so an update does not reshuffle every list page)."""
    return (view.created or "", view.name)


FLAG_BITS = {"trainable": 1, "inference": 2, "pretrained": 4, "cpu": 8, "gpu": 16}


class Mod:
    """What every build needs about every module (cheap, cached by content hash between
    builds); the full :class:`ModuleView` is made only for pages that must be re-rendered,
    from inputs that are parsed only then (``load``).

    The bulky parts (search terms, the rendered card, the search result) travel through the
    cache as one marshalled blob that is decoded only when a page or shard needs them."""

    __slots__ = ("key", "slug", "name", "created", "updated", "keywords", "flags", "license",
                 "card_slugs", "page_key", "load", "_view", "_blob", "_bulk")

    def __init__(self, key: str, slug: str, name: str, created: str | None,
                 updated: str | None, keywords: list[str], flags: int, license: str,
                 card_slugs: str = "", blob: bytes = b"", load: Loader | None = None) -> None:
        self.key, self.slug, self.name = key, slug, name
        self.created, self.updated, self.keywords = created, updated, keywords
        self.flags, self.license = flags, license
        self.card_slugs = card_slugs  # the keyword slugs the cached card links to
        self.page_key = ""  # ``key`` plus this build's keyword slugs (set by the build)
        self.load = load
        self._view: ModuleView | None = None
        self._blob = blob  # marshalled [tokens, card, doc], or b"" once decoded
        self._bulk: list[Any] | None = None

    @classmethod
    def from_view(cls, key: str, view: ModuleView, summary: str,
                  load: Loader | None) -> Mod:
        """``summary`` is the view's summary as a card shows it (shortened)."""
        flags = sum(bit for name, bit in FLAG_BITS.items() if getattr(view, name))
        mod = cls(key, view.slug, view.name, view.created, view.updated, view.keywords, flags,
                  view.license, load=load)
        mod._bulk = [" ".join(sorted(tokens(view))), "",
                     [view.title, summary, view.status, view.build_status]]
        mod._view = view
        return mod

    @classmethod
    def from_cache(cls, key: str, data: bytes, load: Loader | None) -> Mod:
        """From :meth:`to_cache`'s bytes (each entry is decoded only when a build needs it)."""
        return cls(key, *marshal.loads(data), load=load)

    def to_cache(self) -> bytes:
        blob = self._blob or marshal.dumps(self._unpacked())
        return marshal.dumps([self.slug, self.name, self.created, self.updated, self.keywords,
                              self.flags, self.license, self.card_slugs, blob])

    @property
    def modified(self) -> bool:
        """Made from its inputs, or changed (its card) since it came from the cache."""
        return not self._blob

    def _unpacked(self) -> list[Any]:
        if self._bulk is None:
            self._bulk = marshal.loads(self._blob)
        return self._bulk

    @property
    def tokens(self) -> str:
        """Search terms, sorted, space-separated (one string: quick to cache and load)."""
        return self._unpacked()[0]

    @property
    def doc(self) -> list[Any]:
        """Title, summary (shortened), status and build status: a search result."""
        return self._unpacked()[2]

    @property
    def card(self) -> str:
        """The rendered card (links relative to a placeholder root), or ""."""
        return self._unpacked()[1]

    @card.setter
    def card(self, html: str) -> None:
        self._unpacked()[1] = html
        self._blob = b""  # to be marshalled again

    @property
    def view(self) -> ModuleView:
        if self._view is None:
            if self.load is None:
                raise RuntimeError(f"module {self.name}: no inputs to render it from")
            self._view = module_view(*self.load())
        return self._view

    def has(self, flag: str) -> bool:
        return bool(self.flags & FLAG_BITS[flag])


class Keyword:
    """A keyword of the site: its label, its page's slug and its modules, newest first."""

    __slots__ = ("label", "slug", "modules")

    def __init__(self, label: str, slug: str, modules: list[Mod]) -> None:
        self.label, self.slug, self.modules = label, slug, modules


def group_keywords(views: list[Mod]) -> list[Keyword]:
    """Keywords with their modules (in the order given); spellings that differ only in case
    are one keyword, shown in its most used spelling, each with a unique slug."""
    groups: dict[str, list[Mod]] = {}
    spellings: dict[str, dict[str, int]] = {}
    for v in views:
        for k in v.keywords:
            low = k.lower()
            group = groups.get(low)
            if group is None:
                groups[low], spellings[low] = [v], {k: 1}
            else:
                group.append(v)
                counts = spellings[low]
                counts[k] = counts.get(k, 0) + 1
    out = []
    taken: set[str] = {"index"}
    for low in sorted(groups):  # sorted: the same keyword set always gets the same slugs
        counts = spellings[low]
        label = max(counts, key=counts.__getitem__)  # the most used spelling (first on ties)
        out.append(Keyword(label, unique_slug(low, taken), groups[low]))
    out.sort(key=lambda k: k.label.lower())
    return out
