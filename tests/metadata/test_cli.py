"""The command: every exit code, every awkward input, text and JSON output, no tracebacks."""

from __future__ import annotations

import json
import os

import pytest

from deepoc.cli import build_parser

from .conftest import FILES, run_process

GOOD_V1 = FILES / "deephdc+DEEP-OC-posenet-tf__fcf6b62__metadata.json"
BAD_V1 = FILES / "ai4os-hub+posenet-tf__f3723e3__metadata.json"
BAD_JSON = FILES / "deephdc+DEEP-OC-posenet-tf__5816c07__metadata.json"
GOOD_V2 = FILES / "deephdc+DEEP-OC-posenet-tf__731e391__ai4-metadata.yml"


def _no_traceback(result) -> None:
    assert "Traceback" not in result.out + result.err
    assert "internal error" not in result.err


def test_valid_file_exit_0(cli):
    r = cli(str(GOOD_V1))
    assert r.code == 0, r.out
    assert r.out.splitlines()[-1] == ("1 file(s): 1 valid, 0 invalid, 0 unreadable; "
                                      "0 error(s), 0 warning(s)")


def test_invalid_file_exit_1_with_located_error(cli):
    r = cli(str(BAD_V1))
    assert r.code == 1
    assert (f"{BAD_V1}:16:33: $.sources.docker_registry_repo: ' ai4oshub/posenet-tf' is not "
            "a valid uri-reference (remove the spaces around the value)") in r.out


def test_syntax_error_exit_3_shows_the_line(cli):
    r = cli(str(BAD_JSON))
    assert r.code == 3
    lines = r.out.splitlines()
    assert lines[0].startswith(f"{BAD_JSON}:7:17: $: invalid JSON: Expecting ',' delimiter")
    assert lines[1].startswith('    ' + ' ' * 16 + '"The module implemented here')
    assert lines[2] == "    " + " " * 16 + "^"


def test_unreadable_wins_over_invalid_and_all_files_are_reported(cli, tmp_path):
    missing = tmp_path / "nope.json"
    r = cli(str(BAD_V1), str(missing), str(GOOD_V1))
    assert r.code == 3
    assert f"{missing}: $: no such file (check the path)" in r.out
    assert f"{GOOD_V1}: valid" in r.out
    assert "3 file(s): 1 valid, 1 invalid, 1 unreadable" in r.out


def test_directory(cli, tmp_path):
    r = cli(str(tmp_path))
    assert r.code == 3
    assert "is a directory" in r.out


def test_usage_errors_exit_2(cli, capsys):
    assert cli().code == 2
    r = cli("--schema-version", "9.9", str(GOOD_V1))
    assert r.code == 2
    known = "1.0.0, 2.0.0, 2.1.0, 2.2.0, 2.3.0"
    assert f"unknown schema version '9.9'; known versions: {known}" in r.err
    assert cli("--format", "xml", str(GOOD_V1)).code == 2


def test_unknown_declared_version_lists_known(cli, tmp_path):
    f = tmp_path / "ai4-metadata.yml"
    f.write_text("metadata_version: 2.9.0\ntitle: x\n")
    r = cli(str(f))
    assert r.code == 1
    assert (f"{f}:1:19: $.metadata_version: unknown metadata_version '2.9.0' (known versions: "
            "1.0.0, 2.0.0, 2.1.0, 2.2.0, 2.3.0)") in r.out


def test_schema_version_override(cli):
    r = cli("--schema-version", "2", str(GOOD_V1))
    assert r.code == 1
    assert "$.sources: 'sources' is not allowed here" in r.out
    assert cli("--schema-version", "1.0.0", str(GOOD_V1)).code == 0


def test_stdin_sniffed_and_forced(cli):
    data = GOOD_V1.read_bytes()
    r = cli("-", stdin=data)
    assert r.code == 0 and "<stdin>: valid (schema 1.0.0)" in r.out
    r = cli("-", stdin=GOOD_V2.read_bytes())
    assert r.code == 0 and "<stdin>: valid (schema 2.0.0)" in r.out
    # JSON is YAML too, but never silently the other way round
    r = cli("--input-format", "json", "-", stdin=GOOD_V2.read_bytes())
    assert r.code == 3 and "<stdin>:1:1: $: invalid JSON" in r.out


def test_stdin_in_a_real_process():
    r = run_process(["-"], stdin=BAD_V1.read_bytes())
    assert r.code == 1, r.err
    assert "<stdin>:16:33: $.sources.docker_registry_repo" in r.out
    _no_traceback(r)


def test_json_invalid_but_yaml_valid_is_not_accepted(cli):
    f = FILES / "ai4os-hub+litter-assessment__52c9579__metadata.json"
    r = cli(str(f))
    assert r.code == 3
    assert ":13:3: $: invalid JSON: Expecting value" in r.out


@pytest.mark.parametrize("content,message", [
    (b"", "empty file: no metadata"),
    (b"  \n\n", "empty file: no metadata"),
    (bytes(range(256)) * 4, "binary data (NUL byte), not a text file"),
    (b'{"title": "caf\xe9"}', "not valid UTF-8 (byte 0xe9 at offset 14)"),
    (b"\xff\xfe{\x00}\x00", "file is UTF-16 encoded"),
    (b"\xff\xfe\x00\x00{\x00\x00\x00", "file is UTF-32 encoded"),
    (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
    (b'{"a": NaN}', "NaN and Infinity are not JSON numbers"),
    (b"[" * 100000, "nested too deeply"),
    (b"[" * 300 + b"]" * 300, "nested too deeply"),
    (b'{"a": 1} {"b": 2}', "invalid JSON: Extra data"),
    (b'{"a": "x\ty"}', "Invalid control character"),
])
def test_awkward_json_exit_3(cli, tmp_path, content, message):
    f = tmp_path / "metadata.json"
    f.write_bytes(content)
    r = cli(str(f))
    assert r.code == 3, r.out
    assert message in r.out
    assert r.out.startswith(f"{f}:")


def test_non_utf8_position(cli, tmp_path):
    f = tmp_path / "metadata.json"
    f.write_bytes(b'{\n  "title": "caf\xe9"\n}')
    r = cli(str(f))
    assert f"{f}:2:16: $: not valid UTF-8" in r.out


BOMB = b"""a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize("content,message", [
    (BOMB, "alias bomb"),
    (b"a: &a [*a]\n", "recursive YAML alias"),
    (b"title: x\ntitle: y\n", "duplicate key 'title'"),
    (b"a: !!python/object:os.system x\n", "unsupported YAML tag"),
    (b"a: !custom x\n", "unsupported YAML tag"),
    (b"base: &b {x: 1}\nc:\n  <<: *b\n", "merge keys"),
    (b"a: [1, 2\n", "invalid YAML"),
    (b"a: b: c\n", "mapping values are not allowed"),
    (b"# only a comment\n", "empty YAML document"),
    (b"a: 1\n---\nb: 2\n", "invalid YAML"),
    (b"[" * 100000, "nested too deeply"),
    (b"".join(b"  " * i + b"k:\n" for i in range(300)), "nested too deeply"),
    (b"? [a, b]\n: c\n", "mapping key must be a plain scalar"),
    (b"2019: x\n", "mapping key 2019 is not a string"),
    (b"\xfe\xff\x00a", "UTF-16"),
])
def test_awkward_yaml_exit_3(cli, tmp_path, content, message):
    f = tmp_path / "ai4-metadata.yml"
    f.write_bytes(content)
    r = cli(str(f))
    assert r.code == 3, r.out
    assert message in r.out


def test_duplicate_key_positions(cli, tmp_path):
    j = tmp_path / "metadata.json"
    j.write_text('{\n  "sources": {\n    "code": "a",\n    "code": "b"\n  }\n}\n')
    r = cli(str(j))
    assert f"{j}:4:5: $.sources.code: duplicate key 'code'" in r.out
    y = tmp_path / "ai4-metadata.yml"
    y.write_text("links:\n  dataset: a\n  dataset: b\n")
    r = cli(str(y))
    assert f"{y}:3:3: $.links.dataset: duplicate key 'dataset'" in r.out


def test_utf8_bom_is_accepted_with_a_warning(cli, tmp_path):
    for name in ("metadata.json", "ai4-metadata.yml"):
        src = GOOD_V1 if name.endswith(".json") else GOOD_V2
        f = tmp_path / name
        f.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
        r = cli(str(f))
        assert r.code == 0, r.out
        assert f"{f}:1:1: warning: $: file starts with a UTF-8 byte order mark" in r.out


def test_50_mb_file_is_refused_quickly(cli, tmp_path):
    f = tmp_path / "metadata.json"
    with open(f, "wb") as fh:
        fh.write(b'{"description": ["')
        fh.write(b"x" * (50 * 1024 * 1024))
        fh.write(b'"]}')
    r = cli(str(f))
    assert r.code == 3
    assert "file too large: 50.0 MiB (limit 5 MiB)" in r.out


def test_unreadable_permissions(cli, tmp_path):
    f = tmp_path / "metadata.json"
    f.write_bytes(GOOD_V1.read_bytes())
    f.chmod(0)
    try:
        r = cli(str(f))
        if os.geteuid() == 0:  # root reads anything
            assert r.code == 0
        else:
            assert r.code == 3 and "permission denied" in r.out
    finally:
        f.chmod(0o644)


def test_quiet_prints_only_failures(cli):
    r = cli("-q", str(GOOD_V1), str(BAD_V1))
    assert r.code == 1
    assert r.out.splitlines() == [
        f"{BAD_V1}:16:33: $.sources.docker_registry_repo: ' ai4oshub/posenet-tf' is not a "
        "valid uri-reference (remove the spaces around the value)"]
    assert cli("-q", str(GOOD_V1)).out == ""


def test_json_output_document(cli, tmp_path):
    missing = tmp_path / "x.yml"
    r = cli("--format", "json", str(GOOD_V1), str(BAD_V1), str(missing))
    assert r.code == 3
    doc = r.json()
    assert doc["format_version"] == 1
    assert doc["exit_code"] == 3 and doc["valid"] is False
    assert doc["summary"] == {"files": 3, "valid": 1, "invalid": 1, "unreadable": 1,
                              "errors": 2, "warnings": 1}
    assert [f["status"] for f in doc["files"]] == ["valid", "invalid", "unreadable"]
    bad = doc["files"][1]
    assert set(bad) == {"file", "status", "valid", "readable", "schema_version", "errors",
                        "warnings"}
    assert bad["errors"][0] == {
        "path": "$.sources.docker_registry_repo", "line": 16, "column": 33,
        "message": "' ai4oshub/posenet-tf' is not a valid uri-reference",
        "hint": "remove the spaces around the value"}
    assert bad["warnings"][0]["path"] == "$.sources.ai4_template"


def test_deep_oc_validate_is_the_same_command(capsys):
    from deepoc.cli import main

    assert main(["validate", "-q", str(BAD_V1)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{BAD_V1}:16:33:")
    args = build_parser().parse_args(["validate", "--schema-version", "1", "--format", "json",
                                      "-q", "a.json", "-"])
    assert args.files == ["a.json", "-"]


def test_console_script_runs_in_a_fresh_process(tmp_path):
    r = run_process([str(GOOD_V1), str(tmp_path)])
    assert r.code == 3
    assert "is a directory" in r.out
    _no_traceback(r)
    r = run_process(["--help"])
    assert r.code == 0 and "exit codes" in r.out


def test_lone_surrogates_and_odd_characters_do_not_crash_output():
    r = run_process(["-"], stdin=json.dumps({"title": "\ud800", "summary": 1}).encode())
    assert r.code == 1
    _no_traceback(r)


def test_v2_written_as_json_is_validated_as_v2(cli, tmp_path):
    """ai4-metadata.json (the second file catalog sync reads) is v2 metadata as strict JSON:
    validated against the v2 schema its metadata_version names, errors located in it."""
    import yaml

    data = yaml.safe_load(GOOD_V2.read_text())
    f = tmp_path / "ai4-metadata.json"
    f.write_text(json.dumps(data, indent=2, default=str) + "\n")
    r = cli(str(f), "--format", "json")
    assert r.code == 0, r.out
    assert json.loads(r.out)["files"][0]["schema_version"].startswith("2.")
    data["links"]["source_code"] = "not a uri"
    f.write_text(json.dumps(data, indent=2, default=str) + "\n")
    r = cli(str(f))
    line = next(n for n, ln in enumerate(f.read_text().splitlines(), 1)
                if '"source_code"' in ln)
    assert r.code == 1 and f"{f}:{line}:" in r.out and "$.links.source_code" in r.out
