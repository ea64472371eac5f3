"""Format checks with the verdicts of jsonschema's FormatChecker when rfc3987 is installed.

The reference validators ran jsonschema 4 with ``rfc3987``: ``uri`` and ``uri-reference``
are the RFC 3986 grammar matched as ``^...$`` with ``re.match`` (so, like there, one trailing
newline is tolerated), ``date`` is ``YYYY-MM-DD`` that ``date.fromisoformat`` accepts.
The grammar is rebuilt here from RFC 3986 Appendix A, so that the validator needs neither
rfc3987 nor jsonschema at run time. Strings without ``[`` cannot hold an IP literal and
their host is then exactly ``reg-name`` (an IPv4 address is a reg-name too), which gives a
smaller pattern; the full pattern is used only for strings with ``[``.
tests/metadata/test_formats.py checks both against rfc3987 itself.
"""

from __future__ import annotations

import datetime
import re

_RE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)

_HEX = "[0-9A-Fa-f]"
_PCT = f"%{_HEX}{_HEX}"
_UNRES_SUB = "-A-Za-z0-9_.~!$&'()*+,;="  # unreserved + sub-delims (as a class body)
_PCHAR = f"(?:[{_UNRES_SUB}:@]|{_PCT})"
_SEGMENT = f"{_PCHAR}*"
_SEGMENT_NZ = f"{_PCHAR}+"
_SEGMENT_NZ_NC = f"(?:[{_UNRES_SUB}@]|{_PCT})+"
_QUERY = f"(?:{_PCHAR}|[/?])*"
_SCHEME = "[a-zA-Z][a-zA-Z0-9+.-]*"
_USERINFO = f"(?:[{_UNRES_SUB}:]|{_PCT})*"
_REG_NAME = f"(?:[{_UNRES_SUB}]|{_PCT})*"
_PORT = "[0-9]*"
_PATH_ABEMPTY = f"(?:/{_SEGMENT})*"
_PATH_ABSOLUTE = f"/(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?"
_PATH_ROOTLESS = f"{_SEGMENT_NZ}(?:/{_SEGMENT})*"
_PATH_NOSCHEME = f"{_SEGMENT_NZ_NC}(?:/{_SEGMENT})*"


def _ip_literal() -> tuple[str, str]:
    h16 = f"{_HEX}{{1,4}}"
    dec_octet = "(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
    ipv4 = rf"(?:{dec_octet}\.){{3}}{dec_octet}"
    ls32 = f"(?:{h16}:{h16}|{ipv4})"
    ipv6 = "|".join(
        [
            f"(?:{h16}:){{6}}{ls32}",
            f"::(?:{h16}:){{5}}{ls32}",
            f"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
            f"(?:(?:{h16}:)?{h16})?::(?:{h16}:){{3}}{ls32}",
            f"(?:(?:{h16}:){{,2}}{h16})?::(?:{h16}:){{2}}{ls32}",
            f"(?:(?:{h16}:){{,3}}{h16})?::(?:{h16}:){ls32}",
            f"(?:(?:{h16}:){{,4}}{h16})?::{ls32}",
            f"(?:(?:{h16}:){{,5}}{h16})?::{h16}",
            f"(?:(?:{h16}:){{,6}}{h16})?::",
        ]
    )
    ipvfuture = rf"v{_HEX}+\.(?:[{_UNRES_SUB}:])+"
    return rf"\[(?:(?:{ipv6})|{ipvfuture})\]", ipv4


def _patterns(with_ip_literal: bool) -> tuple[str, str]:
    if with_ip_literal:
        ip_literal, ipv4 = _ip_literal()
        host = f"(?:{ip_literal}|{ipv4}|{_REG_NAME})"
    else:
        host = _REG_NAME
    authority = f"(?:{_USERINFO}@)?{host}(?::{_PORT})?"
    hier = f"(?://{authority}{_PATH_ABEMPTY}|{_PATH_ABSOLUTE}|{_PATH_ROOTLESS}|)"
    rel = f"(?://{authority}{_PATH_ABEMPTY}|{_PATH_ABSOLUTE}|{_PATH_NOSCHEME}|)"
    uri = rf"{_SCHEME}:{hier}(?:\?{_QUERY})?(?:\#{_QUERY})?"
    relative_ref = rf"{rel}(?:\?{_QUERY})?(?:\#{_QUERY})?"
    return f"^(?:{uri})$", f"^(?:(?:{uri})|(?:{relative_ref}))$"


_compiled: dict[tuple[bool, bool], re.Pattern[str]] = {}


def _pattern(reference: bool, with_ip_literal: bool) -> re.Pattern[str]:
    key = (reference, with_ip_literal)
    pat = _compiled.get(key)
    if pat is None:
        uri, uri_reference = _patterns(with_ip_literal)
        pat = _compiled[key] = re.compile(uri_reference if reference else uri)
    return pat


def is_uri(value: str) -> bool:
    """RFC 3986 ``URI`` (absolute, with a scheme), as rfc3987.parse(rule="URI") decides."""
    return _pattern(False, "[" in value).match(value) is not None


def is_uri_reference(value: str) -> bool:
    """RFC 3986 ``URI-reference`` (absolute or relative), as rfc3987 decides."""
    return _pattern(True, "[" in value).match(value) is not None


def is_date(value: str) -> bool:
    """Full date ``YYYY-MM-DD`` that exists in the calendar, as jsonschema decides
    (``date.fromisoformat`` on that ASCII shape)."""
    if not _RE_DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


CHECKERS = {"uri": is_uri, "uri-reference": is_uri_reference, "date": is_date}

HINTS = {
    "uri": "an absolute URL without spaces, such as https://github.com/org/repo",
    "uri-reference": "a URL or a relative reference without spaces, such as deephdc/deep-oc-mods",
    "date": "a date written YYYY-MM-DD that exists, such as 2024-05-31",
}
