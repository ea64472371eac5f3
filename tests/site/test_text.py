"""The site's text rules (deepoc.site.text) against the regular expressions they replace.

Each rule must give what its pattern gives, on generated text that mixes the characters the
pattern is about with Unicode letters, digits, spaces and controls; ``\\Z`` stands where
the old patterns had ``$`` (which also took a trailing newline).
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from deepoc.site import model, text

# Characters each rule cares about, plus a sample of the rest of Unicode.
EDGES = "aZz09_.-:/?#@ \t\n\r\x0b\x0c\x1c\x1f\x7f\x00\x85\xa0\u2028\u200b\u0660éß\u017f\u212aİ"
TEXT = st.text(st.sampled_from(EDGES) | st.characters(), max_size=40)
WORDS = st.lists(st.sampled_from(["http", "HTTPS", "https", "://", "x", "a.b", "/", "?q", "#f",
                                  "@", " ", "\n", "\u00e9", "-", "_", ":", "ex", "0"]),
                 max_size=8).map("".join)

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}\Z")
DOCKERHUB = re.compile(r"[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._/-]*\Z")
TAG = re.compile(r"[\w][\w.-]{0,127}\Z")
IMAGE = re.compile(r"[\w][\w.:/-]*\Z")
HTTP_URL = re.compile(r"[hH][tT][tT][pP][sS]?://[^/?#@\s\x00-\x1f\x7f]+"
                      r"(?:[/?#][^\s\x00-\x1f\x7f]*)?\Z")
XML_INVALID = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")

many = settings(max_examples=1500, deadline=None)


@many
@given(TEXT | WORDS)
@example("a_b c-d\u0660e")
def test_words_are_runs_of_letters_and_digits(s: str) -> None:
    assert text.words(s) == re.findall(r"[^\W_]+", s)


@many
@given(st.text(st.sampled_from("ab -_.Z9\t\n/"), max_size=30))
def test_slug_words_are_runs_of_lowercase_ascii_and_digits(s: str) -> None:
    assert text.slug_words(s) == re.findall(r"[a-z0-9]+", s)


@many
@given(st.text(st.sampled_from("ab \t\r\n\x0b\x1c\u2028\xa0"), max_size=30) | TEXT)
@example("a\n \nb\nc\n\n\n")
def test_paragraphs_are_cut_at_blank_lines(s: str) -> None:
    want = [p.strip() for p in re.split(r"\n\s*\n", s) if p.strip()]
    assert text.paragraphs(s) == want


@many
@given(TEXT | st.text(st.sampled_from("aZ09._-"), max_size=130))
@example("a" * 121)
@example("a" * 122)
@example("abc\n")
def test_safe_name(s: str) -> None:
    assert text.is_safe_name(s) is bool(SAFE_NAME.match(s))


@many
@given(TEXT | st.text(st.sampled_from("az09._-/A"), max_size=20))
@example("deephdc/x/y")
@example("/x")
@example("x/")
def test_dockerhub_name(s: str) -> None:
    assert text.is_dockerhub_name(s) is bool(DOCKERHUB.match(s))


@many
@given(TEXT | st.text(st.sampled_from("a_.-9é:"), max_size=130))
@example("_")
@example("a" * 128)
@example("a" * 129)
@example("latest\n")
def test_docker_tag(s: str) -> None:
    assert text.is_docker_tag(s) is bool(TAG.match(s))


@many
@given(TEXT | st.text(st.sampled_from("a_.-9é:/"), max_size=30))
def test_image_ref(s: str) -> None:
    assert text.is_image_ref(s) is bool(IMAGE.match(s))


@many
@given(TEXT | WORDS)
@example("http://x")
@example("HTTPS://x/\u200b")
@example("https://a@b")
@example("https://a/@b")
@example("https://a/ b")
@example("https://a/\xa0")
@example("httpſ://a")
@example("https://?")
def test_http_url(s: str) -> None:
    assert text.is_http_url(s) is bool(HTTP_URL.match(s))
    assert model.is_http_url(s) is text.is_http_url(s)  # one rule, re-exported


def test_http_url_only_for_strings() -> None:
    assert not text.is_http_url(None)
    assert not text.is_http_url(b"https://x")


@many
@given(TEXT)
def test_xml_clean_drops_what_xml_cannot_hold(s: str) -> None:
    assert text.xml_clean(s) == XML_INVALID.sub("", s)


def test_slugify_is_unchanged() -> None:
    """Slugs are page URLs: the rule without re gives the very same ones."""
    for s, want in [("<script>", "script"), ("Hello,  World!", "hello-world"), ("", "x"),
                    ("Ünïcode Ça", "unicode-ca"), ("a" * 59 + " b", "a" * 59 + "-"),
                    ("--x--", "x")]:
        assert model.slugify(s) == want
