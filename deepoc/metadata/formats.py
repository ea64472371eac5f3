"""Format checks with the verdicts of jsonschema's FormatChecker when rfc3987 is installed.

The reference validators ran jsonschema 4 with ``rfc3987``: ``uri`` and ``uri-reference``
are the RFC 3986 grammar matched as ``^...$`` with ``re.match`` (so, like there, one trailing
newline is tolerated), ``date`` is ``YYYY-MM-DD`` that ``date.fromisoformat`` accepts.
Importing rfc3987 and compiling its patterns costs ~14 ms per process, a large share of
the start-up budget, so the grammar is rebuilt here from RFC 3986 Appendix A. Strings
without ``[`` cannot hold an IP literal and their host is then exactly ``reg-name`` (an IPv4
address is a reg-name too), which gives a small pattern that compiles fast; the full
pattern is compiled only for strings with ``[``. tests/metadata/test_formats.py checks
both against rfc3987 itself.
"""

from __future__ import annotations

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


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_date(value: str) -> bool:
    """Full date ``YYYY-MM-DD`` that exists in the calendar, as jsonschema decides.

    jsonschema uses ``date.fromisoformat``; for the ASCII ``YYYY-MM-DD`` shape that is
    exactly this calendar check (year 1-9999), without importing datetime at start-up.
    """
    if not _RE_DATE.fullmatch(value):
        return False
    year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
    if year < 1 or not 1 <= month <= 12 or day < 1:
        return False
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _DAYS[month - 1] + leap


CHECKERS = {"uri": is_uri, "uri-reference": is_uri_reference, "date": is_date}

HINTS = {
    "uri": "an absolute URL without spaces, such as https://github.com/org/repo",
    "uri-reference": "a URL or a relative reference without spaces, such as deephdc/deep-oc-mods",
    "date": "a date written YYYY-MM-DD that exists, such as 2024-05-31",
}
