"""Module descriptions as safe HTML, the way PyPI shows untrusted READMEs.

Two steps with one job each: :func:`render_markdown` turns GitHub-flavoured Markdown into
HTML and lets raw HTML through (real DEEP descriptions mix Markdown with inline ``<a>`` and
``<img>`` tags), then :func:`clean_html` keeps only an allowlist of tags, attributes and URL
schemes. Everything the sanitizer drops is gone or inert text; the page's CSP is a second
line of defence, not the first.
"""

from __future__ import annotations

import html
import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
LINK_TARGET = re.compile(r"(https?://|mailto:)[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
IMAGE_SOURCE = re.compile(r"https://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
IMG_TAG = re.compile(r"<img\b([^>]*)>")
HEADING = re.compile(r"<(/?)h([1-6])>")
# An opening tag of the description's inline HTML, and in it a comma right after a quoted
# attribute value: ``<img class='fit', src='...'/>``.
RAW_TAG = re.compile(r"<[A-Za-z][A-Za-z0-9]*\s[^<>]*>")
STRAY_COMMA = re.compile(r"""(=\s*(?:'[^']*'|"[^"]*"))\s*,""")
HEADING_SHIFT = 2  # the page's own h1 and h2 come first: a description's h1 becomes h3


def as_browsers_read(text: str) -> str:
    """Inline HTML the way a browser reads it. Most real DEEP and AI4OS descriptions write
    pictures as ``<img class='fit', src='...'/>``: a browser drops the stray comma, but
    CommonMark calls it no tag and would print it as text. (A code span showing such a tag
    loses its comma too: rare, and nothing unsafe.)"""
    return RAW_TAG.sub(lambda m: STRAY_COMMA.sub(r"\1 ", m.group(0)), text)


def render_markdown(text: str) -> str:
    """CommonMark with GitHub's extensions (tables, autolinked bare URLs, strikethrough).
    Raw HTML passes through: :func:`clean_html` decides what of it stays."""
    return cmarkgfm.github_flavored_markdown_to_html(as_browsers_read(text),
                                                     options=Options.CMARK_OPT_UNSAFE)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Links may go to http(s) and mailto only; pictures come from https only (no mixed
    content, no data: payloads). The value arrives with entities decoded, so no spelling
    of ``javascript:`` gets past the anchored pattern."""
    if tag == "a" and name == "href":
        return value if LINK_TARGET.fullmatch(value) else None
    if tag == "img" and name == "src":
        return value if IMAGE_SOURCE.fullmatch(value) else None
    return value


def _attr(attrs: str, name: str) -> str | None:
    """An attribute of a tag as nh3 writes it (double-quoted, already escaped)."""
    found = re.search(rf'\s{name}="([^"]*)"', attrs)
    return found.group(1) if found else None


def _picture(match: re.Match[str], remote_images: bool) -> str:
    attrs = match.group(1)
    src = _attr(attrs, "src")
    if src is None:  # its source was not https: nothing to show
        return ""
    if remote_images:
        if _attr(attrs, "alt") is None:  # an author's picture with no text: decorative
            return f'<img alt=""{attrs}>'
        return match.group(0)
    label = _attr(attrs, "alt") or src  # still escaped: safe to put back as text
    return f'<a href="{src}" rel="nofollow noopener">{label}</a>'


def clean_html(fragment: str, remote_images: bool = True) -> str:
    """The allowlisted part of ``fragment``: text formatting, lists, code, quotes, tables,
    headings (shifted below the page's own), https pictures that load lazily and send no
    referrer (as links when ``remote_images`` is False), and http(s)/mailto links."""
    cleaned = nh3.clean(
        fragment,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        set_tag_attribute_values={"img": {"loading": "lazy", "referrerpolicy": "no-referrer"}},
    )
    cleaned = IMG_TAG.sub(lambda m: _picture(m, remote_images), cleaned)
    return HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + HEADING_SHIFT)}>",
                       cleaned)


def description_html(source: str, remote_images: bool = True) -> tuple[str, str]:
    """A description's safe HTML and its plain text (what search indexes)."""
    if not source.strip():
        return "", ""
    safe = clean_html(render_markdown(source), remote_images)
    text = html.unescape(re.sub(r"<[^>]+>", " ", safe))
    return safe, " ".join(text.split())
