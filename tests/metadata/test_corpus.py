"""The whole shared corpus: our verdicts against the reference validators' (expected.csv).

A metadata.json must get schema4apps' verdict (column s4a_js4); an ai4-metadata.yml that
ai4-metadata 2.4.2 judged with its declared version must get that verdict (ai4_declared),
except for the files in DISAGREEMENTS, each with the reason the reference is wrong there.
The set of disagreements is asserted exactly, so it cannot grow (or shrink) silently.
"""

from __future__ import annotations

from deepoc.metadata import validate_path

from .conftest import FILES

_DUP = (
    "duplicate key {key!r} (line {line}): YAML loaders keep the last value and silently drop "
    "the first, so the reference judged a different document than the author wrote; "
    "duplicate keys are errors here"
)

DISAGREEMENTS = {
    "ai4os-hub+ai4os-demo-app__a4bd66c__ai4-metadata.yml": (
        "doi is the template placeholder 'http://add-some-DOI-url.com'; ai4-metadata "
        "declares format 'doi', which no checker implements, so it accepts anything; our "
        "v2 schemas give doi a pattern (a DOI name or a doi.org URL)"
    ),
    "ai4os-hub+integrated-plant-protection__2ab1e6c__ai4-metadata.yml": _DUP.format(
        key="links.dataset", line=23),
    "ai4os-hub+seeds-classification__103f266__ai4-metadata.yml": _DUP.format(
        key="libraries", line=34),
    "ai4os-hub+seeds-classification__381c0b1__ai4-metadata.yml": _DUP.format(
        key="libraries", line=34),
    "ai4os-hub+seeds-classification__404aa8e__ai4-metadata.yml": _DUP.format(
        key="libraries", line=41),
    "ai4os-hub+seeds-classification__87cc271__ai4-metadata.yml": _DUP.format(
        key="libraries", line=42),
    "ai4os-hub+seeds-classification__a48f949__ai4-metadata.yml": _DUP.format(
        key="libraries", line=41),
    "ai4os-hub+seeds-classification__cf183f4__ai4-metadata.yml": _DUP.format(
        key="libraries", line=35),
}


def _verdict(report) -> str:
    return "PASS" if report.readable and report.valid else "FAIL"


def test_every_corpus_file_matches_the_reference(rows):
    disagree = {}
    judged = 0
    for row in rows:
        report = validate_path(FILES / row["file"])
        ours = _verdict(report)
        if row["kind"] == "metadata.json":
            ref = row["s4a_js4"]
        else:
            ref = row["ai4_declared"]
        if not ref:
            continue
        judged += 1
        if ours != ref:
            disagree[row["file"]] = (ref, ours, [str(e) for e in report.errors][:3])
    assert judged == 310 + 244  # every metadata.json; every ai4-metadata.yml that parsed
    assert set(disagree) == set(DISAGREEMENTS), disagree
    for name, reason in DISAGREEMENTS.items():
        ref, ours, errors = disagree[name]
        assert (ref, ours) == ("PASS", "FAIL")
        if reason.startswith("duplicate key"):
            key = reason.split("'")[1]
            assert errors == [f"$.{key}: duplicate key {key.split('.')[-1]!r} "
                              "(each key may appear once in a mapping; remove one)"], errors


def test_unparseable_files_are_unreadable_with_a_position(rows):
    for row in rows:
        if row["parse"] in ("json", "yaml"):
            continue
        report = validate_path(FILES / row["file"])
        assert not report.readable, row["file"]
        (err,) = report.errors
        assert err.line and err.column, (row["file"], err)


def test_every_issue_is_located(rows):
    for row in rows:
        report = validate_path(FILES / row["file"])
        if not report.readable:
            continue
        for issue in report.errors + report.warnings:
            assert issue.line and issue.column, (row["file"], issue)
            assert issue.path.startswith("$")
            assert len(str(issue)) < 300, issue


def test_schema_version_is_the_declared_one(rows):
    for row in rows:
        report = validate_path(FILES / row["file"])
        if not report.readable:
            continue
        assert report.schema_version == (row["declared"] or "1.0.0"), row["file"]


def test_reference_v2_failures_found_by_us_name_the_same_place(rows):
    """Where ai4-metadata failed a file, our errors include the path it named first."""
    checked = 0
    for row in rows:
        why = row["ai4_declared_why"]
        if row["kind"] == "metadata.json" or row["ai4_declared"] != "FAIL" or ":" not in why:
            continue
        report = validate_path(FILES / row["file"])
        text = " ".join(str(e) for e in report.errors)
        kind, _, rest = why.partition(": ")
        if kind == "enum":
            place = rest.split(" = ")[0].replace("/", "[") + "]"
            assert f"$.{place}" in text, (row["file"], why, text)
        elif kind == "required":
            key = rest.split()[0]
            assert f"'{key}'" in text, (row["file"], why, text)
        checked += 1
    assert checked > 30


def test_our_parsers_build_the_same_values_as_the_standard_ones(rows):
    """Where both accept a file, our JSON/YAML readers give exactly json.loads/safe_load's value."""
    import json

    import yaml

    from deepoc.metadata import validate_bytes

    compared = 0
    for row in rows:
        data = (FILES / row["file"]).read_bytes()
        report = validate_bytes(data, row["file"])
        if not report.readable:
            continue
        text = data.decode("utf-8-sig")
        expected = json.loads(text) if row["file"].endswith(".json") else yaml.safe_load(text)
        assert report.data == expected, row["file"]
        compared += 1
    assert compared > 500
