"""``deep-oc site build``: catalog.json (+ builds.json) -> the whole static marketplace.

Every build renders every page into a folder beside the site and swaps it in
(:mod:`deepoc.site.staging`): no state between builds, so what is published is always
what the inputs say.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from deepoc.errors import DeepOCError, UsageError
from deepoc.site import pages, search
from deepoc.site.modules import ListedModule, builds_index, is_http_url, listed_module, sort_key
from deepoc.site.staging import MANIFEST, staged_site
from deepoc.textsafe import neutralise

__all__ = ["MANIFEST", "BuildReport", "build_site"]

CATALOG_VERSION = 1
BUILDS_VERSION = 1
STATIC = Path(__file__).parent / "static"


@dataclass
class BuildReport:
    """What a build did, for the CLI summary and the benchmark."""

    modules: int = 0
    files: int = 0
    changed: int = 0  # files whose bytes differ from the previous site's
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def _read_json(path: Path, what: str) -> tuple[bytes, Any]:
    """The bytes of an input (published as they are) and what they parse to."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist: pass the file written by the "
                         f"previous stage") from None
    except OSError as exc:
        raise DeepOCError(f"cannot read {what} {path}: {exc.strerror}") from None
    try:
        return raw, json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeepOCError(f"{what} {path} is not valid JSON ({exc}): regenerate it") from None


def _catalog_modules(doc: Any, path: Path) -> list[Any]:
    if not isinstance(doc, dict) or not isinstance(doc.get("modules"), list):
        raise DeepOCError(f"catalog {path} has no 'modules' list: is it a catalog.json "
                          f"written by 'deep-oc catalog sync'?")
    if doc.get("catalog_version") != CATALOG_VERSION:
        raise DeepOCError(f"catalog {path} has catalog_version "
                          f"{doc.get('catalog_version')!r}, this deep-oc reads "
                          f"{CATALOG_VERSION}: re-run 'deep-oc catalog sync' with this deep-oc")
    return doc["modules"]


def _check_builds(doc: Any, path: Path) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("builds", []), list):
        raise DeepOCError(f"build records {path} are not a builds.json object: "
                          f"regenerate them with 'deep-oc images build'")
    if doc.get("builds_version") != BUILDS_VERSION:
        raise DeepOCError(f"build records {path} have builds_version "
                          f"{doc.get('builds_version')!r}, this deep-oc reads "
                          f"{BUILDS_VERSION}: rebuild them with this deep-oc's "
                          f"'deep-oc images build'")


def _modules(entries: list[Any], builds: Any, catalog: Path, remote_images: bool,
             report: BuildReport) -> list[ListedModule]:
    """Every module, newest first; a name listed twice is an error (two pages, one URL)."""
    records = builds_index(builds)
    out: list[ListedModule] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            report.problems.append("catalog entry that is not an object skipped")
            continue
        m = listed_module(entry, records.get(str(entry.get("name")), []), remote_images)
        if m.slug in seen:
            raise DeepOCError(f"catalog {catalog} lists module {m.name!r} twice: "
                              f"fix the catalog so names are unique")
        seen.add(m.slug)
        out.append(m)
    out.sort(key=sort_key, reverse=True)
    return out


def build_site(catalog: str | os.PathLike[str], out: str | os.PathLike[str],
               builds: str | os.PathLike[str] | None = None,
               base_url: str | None = None, now: datetime | None = None,
               site_title: str = "DEEP Open Catalogue",
               remote_images: bool = True) -> BuildReport:
    """Render the site for ``catalog`` into ``out``, replacing the previous site in one step.

    ``now`` (UTC) is the build time the feed falls back to; ``remote_images=False`` shows
    the pictures of descriptions as links, so pages make no third-party requests."""
    t0 = time.perf_counter()
    report = BuildReport()
    catalog, out = Path(catalog), Path(os.path.normpath(out))
    if base_url is not None:
        if not is_http_url(base_url):
            raise UsageError(f"--base-url {base_url!r} is not an http(s) URL: pass e.g. "
                             f"https://marketplace.example.org/")
        base_url = base_url.rstrip("/") + "/"
    cat_raw, cat_doc = _read_json(catalog, "catalog")
    entries = _catalog_modules(cat_doc, catalog)
    builds_raw, builds_doc = None, None
    if builds is not None:
        builds_raw, builds_doc = _read_json(Path(builds), "build records")
        _check_builds(builds_doc, Path(builds))
    modules = _modules(entries, builds_doc, catalog, remote_images, report)
    values = pages.site_values(modules)
    licenses = pages.license_values(modules)
    generated = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    site = pages.make_site(neutralise(site_title), generated, base_url,
                           pages.csp(remote_images), values)
    with staged_site(out, [catalog, *([Path(builds)] if builds is not None else [])]) as stage:
        for asset in sorted(STATIC.iterdir()):
            if asset.suffix in (".css", ".js", ".svg"):
                stage.write(f"assets/{asset.name}", asset.read_bytes())
        stage.write("catalog.json", cat_raw)
        if builds_raw is not None:
            stage.write("builds.json", builds_raw)
        filters = pages.fieldsets(modules, values, licenses)
        for rel, text in pages.site_pages(site, modules, values, filters):
            stage.write(rel, text)
        summaries = [pages.truncate(m.summary) for m in modules]
        listed = {f.key: [slug for slug, _label, _n in f.options] for f in filters}
        for rel, text in search.search_files(modules, values, licenses, listed, summaries,
                                             pages.PAGE_SIZE):
            stage.write(rel, text)
    report.modules, report.files, report.changed = len(modules), stage.files, stage.changed
    report.seconds = time.perf_counter() - t0
    return report
