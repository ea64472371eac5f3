"""The marketplace's taxonomy: Library, Task, Category, Data type and Tags.

AI4OS v2 metadata (``ai4-metadata.yml``) names them as five lists, the facets of the AI4OS
dashboard; DEEP v1 metadata has one ``keywords`` list, which are tags. Here both are read
into one shape (kind -> values), bounded, and grouped across modules into the values the
site gives a page each. Pure functions: no file system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from deepoc.limits import MAX_FACET_VALUE_CHARS, MAX_FACET_VALUES
from deepoc.site.slugs import unique_slug


@dataclass(frozen=True)
class Kind:
    """A facet: ``key`` is its URL parameter and its pages' folder (``library/``),
    ``field`` the v2 metadata list it comes from."""

    key: str
    field: str
    label: str  # a module page row and a home page fieldset: "Library", "Tags"
    one: str  # the title of a value's page: "Library: PyTorch", "Tag: audio"
    many: str  # the index page: "Libraries"


KINDS: tuple[Kind, ...] = (
    Kind("library", "libraries", "Library", "Library", "Libraries"),
    Kind("task", "tasks", "Task", "Task", "Tasks"),
    Kind("category", "categories", "Category", "Category", "Categories"),
    Kind("data-type", "data-type", "Data type", "Data type", "Data types"),
    Kind("tag", "tags", "Tags", "Tag", "Tags"),
)
BY_KEY = {k.key: k for k in KINDS}
#: what a card shows (in this order, at most CARD_VALUES): categories are badges instead
CARD_KINDS = ("library", "task", "tag")
CARD_VALUES = 8

#: the filters of what a module offers: (key, legend, ((value, label), ...)); each value is
#: a boolean attribute of a listed module (search.py, the home page and site.js use them)
FLAGS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("type", "Type", (("trainable", "trainable"), ("inference", "inference"),
                      ("pretrained", "pre-trained"))),
    ("image", "Image", (("cpu", "CPU available"), ("gpu", "GPU available"))),
)

# v2 categories that say what a module can do (the badges and the Type filter)
_V2_ABILITIES = {"ai4 trainable": "trainable", "ai4 inference": "inference",
                 "ai4 pre trained": "pretrained"}
_V1_ABILITIES = {"trainable": "trainable", "inference": "inference",
                 "pre-trained": "pretrained", "pretrained": "pretrained"}


def is_v2(meta: dict[str, Any]) -> bool:
    """Whether metadata is AI4OS v2 (it says so, or has the v2-only blocks)."""
    return "metadata_version" in meta or "links" in meta or "dates" in meta


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    items = (" ".join(str(v).split()) for v in value
             if isinstance(v, (str, int, float)) and not isinstance(v, bool))
    return [v for v in items if v]


def bounded(values: list[str]) -> list[str]:
    """Values as a module shows them: spellings differing only in case once (the first),
    none longer than MAX_FACET_VALUE_CHARS, at most MAX_FACET_VALUES: one module cannot
    flood the site with values or a page with one endless word."""
    seen: set[str] = set()
    out = []
    for v in values:
        if len(v) <= MAX_FACET_VALUE_CHARS and v.lower() not in seen:
            seen.add(v.lower())
            out.append(v)
            if len(out) == MAX_FACET_VALUES:
                break
    return out


def taxonomy(meta: dict[str, Any]) -> tuple[dict[str, list[str]], set[str]]:
    """The facet values of a module (kind key -> values, every kind present) and what it
    can do (``trainable``, ``inference``, ``pretrained``): from v2 categories, or from v1
    keywords, which are also its tags."""
    if is_v2(meta):
        values = {k.key: bounded(_strings(meta.get(k.field))) for k in KINDS}
        names = _V2_ABILITIES
        said = values["category"]
    else:
        values = {k.key: [] for k in KINDS}
        values["tag"] = bounded(_strings(meta.get("keywords")))
        names = _V1_ABILITIES
        said = values["tag"]
    return values, {names[v.lower()] for v in said if v.lower() in names}


class HasFacets(Protocol):
    slug: str
    facets: dict[str, list[str]]


@dataclass
class Value:
    """A facet value of the site: its label, its page's slug and its modules (in the order
    given, newest first)."""

    kind: str
    label: str
    slug: str
    modules: list[Any]

    @property
    def count(self) -> int:
        return len(self.modules)


def group(modules: Sequence[HasFacets], kind: str) -> list[Value]:
    """The values of one kind with their modules, sorted by label. Spellings that differ
    only in case are one value, shown in its most used spelling; each gets a slug unique
    within its kind (``index`` is the index page's)."""
    groups: dict[str, list[HasFacets]] = {}
    spellings: dict[str, dict[str, int]] = {}
    for m in modules:
        for v in m.facets.get(kind, ()):
            groups.setdefault(v.lower(), []).append(m)
            counts = spellings.setdefault(v.lower(), {})
            counts[v] = counts.get(v, 0) + 1
    out = []
    taken = {"index"}
    for low in sorted(groups):  # sorted: the same value set always gets the same slugs
        counts = spellings[low]
        label = max(counts, key=counts.__getitem__)  # the most used spelling (first on ties)
        out.append(Value(kind, label, unique_slug(low, taken), groups[low]))
    out.sort(key=lambda v: (v.label.lower(), v.slug))
    return out


def top(values: list[Value], n: int) -> list[Value]:
    """The ``n`` most used values (ties by label): what a home page fieldset lists."""
    return sorted(values, key=lambda v: (-v.count, v.label.lower(), v.slug))[:n]
