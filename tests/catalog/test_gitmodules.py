""".gitmodules -> MODULES.yml: the git-config parser checked against git itself, the
conversion rules, every problem with its line, and the CLI writing all or nothing."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepoc.catalog import modules_file
from deepoc.catalog.gitmodules import (
    GitmodulesError,
    _Syntax,
    parse_config,
    to_modules_yml,
)
from deepoc.cli import main

from .conftest import GIT_ENV

REAL = Path(__file__).parent / "data" / "ai4os-modules-catalog.gitmodules"


# -- the parser, with git as the oracle ---------------------------------------------------
def git_list(text: str) -> tuple[list[tuple[str, str | None]] | None, int | None]:
    """What ``git config -f FILE --list -z`` reads: (name, value) pairs, or the line git
    names as bad."""
    with tempfile.NamedTemporaryFile("wb", suffix=".gitmodules", delete=False) as fh:
        fh.write(text.encode("utf-8"))
    try:
        proc = subprocess.run(["git", "config", "-f", fh.name, "--list", "-z"],
                              capture_output=True, env=GIT_ENV, check=False)
    finally:
        os.unlink(fh.name)
    if proc.returncode != 0:
        err = proc.stderr.decode()
        assert "bad config line" in err, err
        return None, int(err.split("bad config line ")[1].split()[0])
    out = []
    for item in proc.stdout.decode("utf-8").split("\0")[:-1]:
        name, nl, value = item.partition("\n")
        out.append((name, value if nl else None))
    return out, None


def ours(text: str) -> tuple[list[tuple[str, str | None]] | None, int | None]:
    try:
        values = parse_config(text)
    except _Syntax as exc:
        return None, exc.line
    return [(_name(v.section, v.subsection, v.key), v.value) for v in values], None


def _name(section: str, subsection: str | None, key: str) -> str:
    """The name git --list prints: ``section.subsection.key``, or the key alone before any
    section."""
    if not section:
        return key
    return ".".join([section, *([] if subsection is None else [subsection]), key])


CASES = [
    REAL.read_text(encoding="utf-8"),
    '[submodule "a"]\n\turl = https://x/a.git\n',
    '[submodule "a b"]\n  URL=  spaced   value  \n',
    '[submodule "q"]\n\turl = "quoted # not a comment" ; a comment\n',
    '[submodule "e"]\n\turl = a\\tb\\nc\\\\d\\"e\n',
    '[submodule "c"]\n\turl = first \\\n  second\n',
    '[submodule "sub \\"quoted\\" \\\\ and \\x"]\n\turl = u\n',
    '[Submodule "Case"]\n\tPath = P\n',
    '[submodule.old]\n\turl = u\n',
    '[submodule "a"] url = same line\n',
    '# comment\n; another\n\n[submodule "a"]\n\tbranch\n\turl = u # trailing\n',
    '[submodule "a"]\r\n\turl = crlf\r\n',
    '\ufeff[submodule "bom"]\n\turl = u\n',
    '[submodule "a"]\n\turl = "unterminated\n',
    '[submodule "a"\n\turl = u\n',
    '[submodule "a"]\n\turl = bad \\q escape\n',
    'url = before any section\n',
    '[submodule "a"]\n\t1url = digit\n',
    '[submodule "a"]\n\turl u\n',
    '[sub_mod "a"]\n\turl = u\n',
    '[submodule "a"]\n\turl = ends with backslash\\',
    '[submodule "a"]\n\turl = x\n[submodule "a"]\n\tbranch = main\n',
    '[submodule "a"]\n\turl = "in"side"quotes"\n',
    '[submodule "a"]\n\turl = tab\tinside  two\n',
    '[submodule "a"]\n\tkey-with-dash = v\n\turl=\n',
    "",
    "\n\n  \n",
    "[]\nk = v\n",
    "[a.]\nk = v\n",
    'url= "n\\\n\\\n',
    '[s]\nk = a\\\nb \\q\n',
]


def same_reading(text: str) -> None:
    """Same values as git, or an error where git finds one: on git's line, or on the line
    before when the character git stopped at was that line's newline (git has counted it
    by then; we name the line the broken header or value is on)."""
    mine, theirs = ours(text), git_list(text)
    if theirs[0] is None:
        assert mine[0] is None and mine[1] in (theirs[1], theirs[1] - 1), (mine, theirs)
    else:
        assert mine == theirs


@pytest.mark.parametrize("text", CASES, ids=range(len(CASES)))
def test_parser_reads_what_git_reads(text: str) -> None:
    same_reading(text)


_PIECES = st.sampled_from([
    "[submodule", ' "n', 'a"', "]", "[", "[x.Y]", "[core]", "\n", "\n", "\n", "\t", " ",
    "url", "URL", "branch", "path", "=", " = ", "v", "x y", '"', "\\", "\\n", "\\t", '\\"',
    "#", ";", "\\\n", "-", "1", "é", "\r\n", "\r",
])


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=40))
def test_parser_agrees_with_git_on_any_text(pieces: list[str]) -> None:
    same_reading("".join(pieces))


# -- the conversion -----------------------------------------------------------------------
def entries(yml: str) -> list[modules_file.Entry]:
    return modules_file.parse(yml, allow_local=True)


def test_the_real_ai4os_catalog_imports_and_lints_clean() -> None:
    out, count = to_modules_yml(REAL.read_text(encoding="utf-8"))
    assert count == 46
    assert modules_file.lint(out) == []
    got = entries(out)
    assert len(got) == 46
    assert all(e.url == e.normalised_url and not e.url.endswith((".git", "/")) for e in got)
    by_url = {e.url: e for e in got}
    assert by_url["https://github.com/ai4os-hub/dogs-breed-detector"].branches == ("main",)
    assert by_url["https://github.com/ai4os-hub/fast-neural-transfer"].branches == ("main",)
    assert by_url["https://github.com/deephdc/DEEP-OC-mods"].branches == ("master",)
    assert sum(e.branches == ("main",) for e in got) == 43
    # DEEP-OC-mods names the module "mods" through its URL already: no name: needed
    assert all(e.name is None for e in got)
    # the file order is kept
    assert got[0].url == "https://github.com/ai4os-hub/dogs-breed-detector"


SHAPE = """\
[submodule "dogs-breed-detector"]
\tpath = dogs-breed-detector
\turl = https://github.com/ai4os-hub/dogs-breed-detector.git
\tbranch = main
[submodule "fast-neural-transfer"]
\tpath = fast-neural-transfer
\turl = https://github.com/ai4os-hub/fast-neural-transfer/
\tbranch = main
[submodule "DEEP-OC-mods"]
\tpath = DEEP-OC-mods
\turl = https://github.com/deephdc/DEEP-OC-mods
\tbranch = master
[submodule "yolo"]
\tpath = modules/ai4os-yolov8-torch
\turl = https://github.com/ai4os-hub/ai4os-yolov8-torch
"""


def test_each_submodule_becomes_one_entry() -> None:
    out, count = to_modules_yml(SHAPE)
    assert count == 4
    assert out.splitlines()[3:] == [
        "- module: https://github.com/ai4os-hub/dogs-breed-detector",
        "  branches: [main]",
        "- module: https://github.com/ai4os-hub/fast-neural-transfer",
        "  branches: [main]",
        "- module: https://github.com/deephdc/DEEP-OC-mods",
        "  branches: [master]",
        "- module: https://github.com/ai4os-hub/ai4os-yolov8-torch",
        "  name: yolo",
    ]
    assert modules_file.lint(out) == []
    names = modules_file.assign_names(entries(out))
    assert names == ["dogs-breed-detector", "fast-neural-transfer", "mods", "yolo"]
    yolo = entries(out)[3]
    assert not yolo.explicit_branches  # follows the default branch


def test_values_that_yaml_would_retype_are_quoted() -> None:
    text = ('[submodule "a"]\n\turl = https://x.org/o/a\n\tbranch = 1.0\n'
            '[submodule "b"]\n\turl = https://x.org/o/b\n\tbranch = yes\n'
            '[submodule "c"]\n\turl = "https://x.org/o/c d"\n')
    with pytest.raises(GitmodulesError):  # a URL with a space is no git URL
        to_modules_yml(text)
    out, _ = to_modules_yml(text.rsplit("[submodule \"c\"]", 1)[0])
    assert modules_file.lint(out) == []
    assert [e.branches for e in entries(out)] == [("1.0",), ("yes",)]
    assert yaml.safe_load(out)[0]["branches"] == ["1.0"]


def test_colliding_names_are_written_as_sync_would_give_them() -> None:
    text = ('[submodule "unet"]\n\turl = https://github.com/ai4os-hub/unet\n'
            '[submodule "UNet"]\n\turl = https://github.com/deephdc/DEEP-OC-unet\n')
    out, _ = to_modules_yml(text)
    assert modules_file.lint(out) == []
    assert [e.name for e in entries(out)] == ["unet-ai4os-hub", "unet-deephdc"]


BAD = """\
[submodule "relative"]
\turl = ../sibling.git
[submodule "nourl"]
\tpath = nourl
[submodule "first"]
\turl = https://github.com/o/repo.git
[submodule "again"]
\turl = https://github.com/O/repo/
[submodule "dot"]
\turl = https://github.com/o/dot
\tbranch = .
[submodule "local"]
\turl = /srv/git/local
[submodule "ok"]
\turl = https://github.com/o/ok
"""


def test_what_cannot_be_carried_over_is_reported_per_submodule() -> None:
    with pytest.raises(GitmodulesError) as info:
        to_modules_yml(BAD)
    got = [(p.line, p.submodule, p.message.split(";")[0]) for p in info.value.problems]
    assert got == [
        (2, "relative", "url '../sibling.git' is relative to the catalog repository's own "
                        "remote, which .gitmodules does not name"),
        (3, "nourl", "has no url"),
        (8, "again", 'same repository as submodule "first" (line 5)'),
        (11, "dot", "branch = . follows the catalog repository's own branch, which a "
                    "catalog cannot"),
        (13, "local", "url '/srv/git/local' refused: a local path reads a repository on the "
                      "machine running the catalog"),
    ]
    # with --allow-local the local path is carried over (and the others still are not)
    with pytest.raises(GitmodulesError) as info:
        to_modules_yml(BAD, allow_local=True)
    assert "local" not in {p.submodule for p in info.value.problems}


def test_bad_syntax_names_its_line() -> None:
    with pytest.raises(GitmodulesError) as info:
        to_modules_yml('[submodule "a"]\n\turl = u\n\turl "x"\n')
    assert [(p.line, p.submodule) for p in info.value.problems] == [(3, None)]
    assert "expected '=' after the key 'url'" in info.value.problems[0].message


def test_nothing_to_import_is_a_problem() -> None:
    with pytest.raises(GitmodulesError) as info:
        to_modules_yml("# no submodules\n[core]\n\tbare = false\n")
    assert "nothing to import" in info.value.problems[0].message


# -- the command --------------------------------------------------------------------------
def test_import_prints_the_catalog_by_default(tmp_path: Path, capsys) -> None:
    src = tmp_path / ".gitmodules"
    src.write_text(SHAPE)
    assert main(["catalog", "import", str(src)]) == 0
    out, err = capsys.readouterr()
    assert out == to_modules_yml(SHAPE)[0] and err == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitmodules"]


def test_import_writes_o_then_lint_passes(tmp_path: Path, capsys) -> None:
    src, dest = tmp_path / ".gitmodules", tmp_path / "MODULES.yml"
    src.write_text(SHAPE)
    assert main(["catalog", "import", str(src), "-o", str(dest)]) == 0
    assert capsys.readouterr().err == f"{src}: 4 submodule(s) -> {dest}\n"
    assert main(["catalog", "lint", str(dest)]) == 0
    # an existing file is kept unless --force
    dest.write_text("# mine\n")
    assert main(["catalog", "import", str(src), "-o", str(dest)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists; pass --force" in err
    assert dest.read_text() == "# mine\n"
    assert main(["catalog", "import", str(src), "-o", str(dest), "--force"]) == 0
    assert dest.read_text() == to_modules_yml(SHAPE)[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitmodules", "MODULES.yml"]


def test_import_errors_one_line_each_and_nothing_written(tmp_path: Path, capsys) -> None:
    src, dest = tmp_path / ".gitmodules", tmp_path / "MODULES.yml"
    src.write_text(BAD)
    assert main(["catalog", "import", str(src), "-o", str(dest)]) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert [ln.split(": ", 2)[:2] for ln in lines[:-1]] == [
        [f"{src}:2", 'submodule "relative"'],
        [f"{src}:3", 'submodule "nourl"'],
        [f"{src}:8", 'submodule "again"'],
        [f"{src}:11", 'submodule "dot"'],
        [f"{src}:13", 'submodule "local"'],
    ]
    assert lines[-1] == f"deep-oc: error: {src}: 5 problem(s); nothing was written"
    assert not dest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitmodules"]


@pytest.mark.parametrize("content, words", [
    (b"\xff\xfe[submodule", "the .gitmodules is not UTF-8 text"),
    (None, "cannot read the .gitmodules"),
])
def test_unreadable_input_is_one_line(tmp_path: Path, capsys, content, words) -> None:
    src = tmp_path / ".gitmodules"
    if content is not None:
        src.write_bytes(content)
    assert main(["catalog", "import", str(src), "-o", str(tmp_path / "M.yml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err
    assert not (tmp_path / "M.yml").exists()


def test_oversized_input_is_refused_before_reading(tmp_path: Path, capsys) -> None:
    from deepoc.limits import MAX_GITMODULES_BYTES

    src = tmp_path / ".gitmodules"
    with open(src, "wb") as fh:
        fh.truncate(MAX_GITMODULES_BYTES + 1)  # sparse: no 10 MiB written
    assert main(["catalog", "import", str(src)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the .gitmodules is too large" in err
