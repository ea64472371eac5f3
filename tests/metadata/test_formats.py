"""Format checks: same verdicts as jsonschema's FormatChecker with rfc3987 (the reference)."""

from __future__ import annotations

import datetime

import rfc3987
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from deepoc.metadata.formats import is_date, is_uri, is_uri_reference

from .conftest import FILES

CHECKER = Draft7Validator.FORMAT_CHECKER


def _rfc(value: str, rule: str) -> bool:
    try:
        rfc3987.parse(value, rule=rule)
    except ValueError:
        return False
    return True


def _same(value: str) -> None:
    assert is_uri(value) == _rfc(value, "URI") == CHECKER.conforms(value, "uri"), value
    assert is_uri_reference(value) == _rfc(value, "URI_reference") == CHECKER.conforms(
        value, "uri-reference"), value


def test_jsonschema_uses_rfc3987_here():
    # the reference ran with rfc3987: 'a b' is rejected only by it, not by the fallback
    assert not CHECKER.conforms("https://x.org/a b", "uri")


def test_known_cases():
    for value in [
        "https://github.com/deephdc/DEEP-OC-mods", "deephdc/deep-oc-mods", "", " x", "x ",
        "http://[::1]:8080/a?b#c", "http://[v7.abc]/", "http://[::1", "urn:isbn:123",
        "https://x.org/%7Euser", "https://x.org/%zz", "mailto:a@b.c", "http://x\n",
        "raw.githubusercontent.com/indigo-dc/tosca-templates/master/x.yml", "a:b:c",
        "http://user:pw@host:99/p", "http://1.2.3.4/", "http://[1:2:3:4:5:6:7:8]/",
        "http://[1:2:3:4:5:6:1.2.3.4]/", "http://[::ffff:1.2.3.400]/", "#frag", "?q", "//a",
        "é", "http://é.org", "1http://x", "x://", "http://x/ä",
    ]:
        _same(value)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab1:/?#[]@!$&'()*+,;=%-._~ F\nv.é", max_size=24))
def test_random_strings_match_rfc3987(value):
    _same(value)


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"\A[a-z]{1,5}://\[[0-9a-fA-F:.v]{0,30}\](:[0-9]{0,4})?(/[a-z%0-9]*)*\Z"))
def test_ip_literals_match_rfc3987(value):
    _same(value)


def test_corpus_strings_match_rfc3987():
    import re

    seen = set()
    for path in FILES.iterdir():
        text = path.read_bytes().decode("utf-8", "replace")
        seen.update(re.findall(r'"([^"\n]{0,200})"', text))
        seen.update(m.strip() for m in re.findall(r":\s+([^\n]{0,200})", text))
    assert len(seen) > 1000
    for value in seen:
        _same(value)


@settings(max_examples=600, deadline=None)
@given(st.one_of(
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\n?\Z"),
    st.dates().map(datetime.date.isoformat),
    st.text(alphabet="0123456789-٣ \n", max_size=12),
))
def test_dates_match_jsonschema(value):
    assert is_date(value) == CHECKER.conforms(value, "date"), value


def test_date_edges():
    for value, ok in [("2020-02-29", True), ("2021-02-29", False), ("1900-02-29", False),
                      ("2000-02-29", True), ("0000-01-01", False), ("9999-12-31", True),
                      ("2018-18-11", False), ("YYYY-MM-DD", False), ("2019-07-31\n", False)]:
        assert is_date(value) is ok
        assert CHECKER.conforms(value, "date") is ok
