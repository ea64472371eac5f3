"""The site's text rules (words, paragraphs, URLs, names and tags), written without :mod:`re`.

Why without re: importing it (with the enum, functools and collections it imports) costs a
process 5-10 ms here, and a one-module rebuild at 1,000 modules has about 45 ms in all. Each
rule says which pattern it is; ``tests/site/test_text.py`` checks every rule against that
pattern on generated text, and the rules no longer take a trailing newline where ``$`` did.
"""

from __future__ import annotations

__all__ = ["is_dockerhub_name", "is_docker_tag", "is_http_url", "is_image_ref", "is_safe_name",
           "paragraphs", "slug_words", "words", "xml_clean"]

_DIGITS = "0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ASCII_ALNUM = _LOWER + _LOWER.upper() + _DIGITS
_LOWER_ALNUM = frozenset(_LOWER + _DIGITS)  # single characters: "" is not in it
_SAFE_NAME_CHARS = _ASCII_ALNUM + "._-"
_HUB_OWNER_CHARS = _LOWER + _DIGITS + "._-"
_HUB_REPO_CHARS = _HUB_OWNER_CHARS + "/"


class _Separators(dict):
    """A ``str.translate`` table: letters and digits (``str.isalnum``) stay, every other
    character becomes a space. Filled as characters are met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        out = self[code] = char if char.isalnum() else " "
        return out


_SEPARATORS = _Separators()
_SLUG_SEPARATORS = {c: " " for c in range(128) if chr(c) not in _LOWER_ALNUM}
_XML_INVALID = dict.fromkeys([*range(1, 9), 11, 12, *range(14, 32)])  # to delete


def words(text: str) -> list[str]:
    """The runs of letters and digits in ``text``: ``re.findall(r"[^\\W_]+", text)``."""
    return text.translate(_SEPARATORS).split()


def slug_words(text: str) -> list[str]:
    """The runs of ``[a-z0-9]`` in ASCII ``text`` (a slug joins them with hyphens)."""
    return text.translate(_SLUG_SEPARATORS).split()


def paragraphs(text: str) -> list[str]:
    """``text`` cut at blank lines, each part stripped, empty parts dropped: what
    ``re.split(r"\\n\\s*\\n", text)`` with stripping gives."""
    out: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            lines.append(line)
        elif lines:
            out.append("\n".join(lines).strip())
            lines = []
    if lines:
        out.append("\n".join(lines).strip())
    return out


def _word_chars(text: str, extra: str) -> bool:
    """Every character of ``text`` is a word character (``\\w``) or one of ``extra``."""
    for char in extra + "_":
        text = text.replace(char, "")
    return not text or text.isalnum()


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def is_safe_name(name: str) -> bool:
    """``[A-Za-z0-9][A-Za-z0-9._-]{0,120}``: a name that can be a file name and URL as is."""
    return 0 < len(name) <= 121 and name[0] in _ASCII_ALNUM and not name.strip(_SAFE_NAME_CHARS)


def is_dockerhub_name(value: str) -> bool:
    """``[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._/-]*``: an image name on Docker Hub."""
    owner, slash, repo = value.partition("/")
    return bool(slash) and owner[:1] in _LOWER_ALNUM and not owner.strip(_HUB_OWNER_CHARS) \
        and repo[:1] in _LOWER_ALNUM and not repo.strip(_HUB_REPO_CHARS)


def is_docker_tag(tag: str) -> bool:
    """``\\w[\\w.-]{0,127}``: a Docker image tag."""
    return 0 < len(tag) <= 128 and _is_word_char(tag[0]) and _word_chars(tag, ".-")


def is_image_ref(image: str) -> bool:
    """``\\w[\\w.:/-]*``: an image reference (registry, path, no tag) safe to print."""
    return bool(image) and _is_word_char(image[0]) and _word_chars(image, ".:/-")


def _no_space_or_control(text: str) -> bool:
    """No whitespace (``\\s``) and no control character (``\\x00-\\x1f``, ``\\x7f``)."""
    if text.isprintable():  # excludes every control and whitespace character but " "
        return " " not in text
    return not any(c.isspace() or c < " " or c == "\x7f" for c in text)


def is_http_url(value: object) -> bool:
    """Only absolute http(s) URLs with a host may become links:
    ``https?://[^/?#@\\s\\x00-\\x1f\\x7f]+([/?#][^\\s\\x00-\\x1f\\x7f]*)?``, the scheme in
    any case."""
    if not isinstance(value, str):
        return False
    scheme = value[:8].lower()
    if scheme.startswith("http://"):
        rest = value[7:]
    elif scheme == "https://":
        rest = value[8:]
    else:
        return False
    host = rest
    for char in "/?#":
        host = host.partition(char)[0]
    return bool(host) and "@" not in host and _no_space_or_control(rest)


def xml_clean(text: str) -> str:
    """``text`` without the C0 control characters XML 1.0 cannot hold (tab, LF, CR stay)."""
    return text.translate(_XML_INVALID)
