"""Slugs: the file names of pages made from untrusted text (module names, facet values).

Why one place: a slug becomes a path of the site and a value of the URL fragment, which
site.js checks against the same shape (``[a-z0-9]+(-[a-z0-9]+)*``); two texts must never
share a page.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")


def slugify(text: str) -> str:
    """A file-name-safe, lower-case slug (callers make colliding slugs unique)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:60] or "x"


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def unique_slug(text: str, taken: set[str]) -> str:
    """``slugify(text)``, with a short hash of the text when that slug is already taken."""
    slug = slugify(text)
    if slug in taken:
        slug = f"{slug}-{short_hash(text)}"
    taken.add(slug)
    return slug


def module_slug(name: str) -> str:
    """The page name of a module: its catalog name when that is already URL-safe, so URLs
    stay stable."""
    if SAFE_NAME.fullmatch(name):
        return name
    return f"{slugify(name)}-{short_hash(name)}"
