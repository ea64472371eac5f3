"""Issue 17: a MODULES.yml entry written to hurt the catalog (pure rules: no git here).

Alias bombs and self-referencing anchors, URL forms that make git run commands or read the
CI host, duplicates spelled differently, and names that depend on the order of entries.
"""

from __future__ import annotations

import itertools
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepoc.catalog import urls
from deepoc.catalog.modules_file import Entry, assign_names, lint, parse, read_text
from deepoc.cli import main
from deepoc.errors import DeepOCError
from deepoc.limits import MAX_MODULES_FILE_BYTES

GH = "https://github.com/deephdc/DEEP-OC-dogs_breed_det"

BOMB = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """)


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (BOMB, 1, "anchor '&a'"),
        ("- &x\n  module: " + GH + "\n- *x\n", 1, "anchor '&x'"),
        ("- module: &self [*self]\n", 1, "anchor '&self'"),
        ("- module: " + GH + "\n- module: *undefined\n", 2, "alias '*undefined'"),
        ("- module: " + GH + "\n  branches: &b [main]\n- module: " + GH + "2\n  <<: *b\n", 2,
         "anchor '&b'"),
    ],
)
def test_anchors_and_aliases_are_refused_before_composing(text: str, line: int,
                                                          what: str) -> None:
    problems = lint(text)
    assert [(p.line, p.code) for p in problems] == [(line, "yaml-alias")]
    assert what in problems[0].message and problems[0].column
    with pytest.raises(DeepOCError, match=f"MODULES.yml:{line}: YAML "):
        parse(text)


def test_every_reader_of_modules_yml_refuses_an_alias_bomb(tmp_path, capsys) -> None:
    bomb = tmp_path / "MODULES.yml"
    bomb.write_text("- module: &a [*a]\n" + BOMB.replace("a:", "z:", 1))
    old = tmp_path / "old.yml"
    old.write_text(f"- module: {GH}\n")
    runs = [
        (["catalog", "lint", str(bomb)], 1),
        (["catalog", "lint", str(bomb), "--fix"], 1),
        (["catalog", "sync", str(bomb), "--workdir", str(tmp_path / "w")], 1),
        (["catalog", "list", "--modules", str(bomb)], 1),
        (["catalog", "list", "--modules", str(old), "--changed-since", str(bomb)], 0),
        (["pipeline", "run", str(bomb), "--workdir", str(tmp_path / "p"), "--no-images"], 4),
    ]
    for argv, code in runs:
        assert main(argv) == code, argv
        out, err = capsys.readouterr()
        assert "internal error" not in err and "Recursion" not in out + err, argv
        if argv[1] != "list" or code:
            assert "anchor '&a'" in out + err, argv
    assert not (tmp_path / "w" / "catalog.json").exists()


def test_deep_nesting_in_modules_yml_is_a_problem_not_a_crash() -> None:
    text = "- module: " + "[" * 5000 + "]" * 5000 + "\n"
    problems = lint(text)
    assert problems and all("\n" not in p.message for p in problems)


def test_surrogate_escape_in_modules_yml(tmp_path, capsys) -> None:
    text = f'- module: "{GH}\\ud800"\n'
    assert [p.code for p in lint(text)] == ["not-utf8"]
    f = tmp_path / "MODULES.yml"
    f.write_text(text)
    assert main(["catalog", "sync", str(f), "--workdir", str(tmp_path / "w")]) == 1
    assert "UTF-8" in capsys.readouterr().err


def test_modules_file_size_limit(tmp_path) -> None:
    f = tmp_path / "MODULES.yml"
    with open(f, "wb") as fh:
        fh.truncate(MAX_MODULES_FILE_BYTES + 1)
    with pytest.raises(DeepOCError, match=r"too large: 10\.0 MiB .*limit 10\.0 MiB"):
        read_text(f)
    f.write_bytes(b"- module: \xff\n")
    with pytest.raises(DeepOCError, match="not UTF-8"):
        read_text(f)


# -- the URL policy --------------------------------------------------------------------

REFUSED_ALWAYS = [
    ("a.ext::sh", "transport syntax 'a.ext::'"),
    ("x.y::/path", "transport syntax 'x.y::'"),
    ("ext::sh -c touch% /tmp/pwned", "transport syntax 'ext::'"),
    ("fd::3", "transport syntax 'fd::'"),
    ("::x", "transport syntax"),
    ("-uhelp", "starts with '-'"),
    ("--upload-pack=touch /tmp/x", "starts with '-'"),
    ("http://github.com/o/DEEP-OC-x", "'http://' is not allowed; write https://"),
    ("ext://h/x", "'ext://' is not allowed"),
    ("ftp://h.org/x", "'ftp://' is not allowed"),
    ("git+ssh://git@h.org/x", "'git+ssh://' is not allowed"),
    ("ssh://-oProxyCommand=touch/x", "is not a host name"),
    ("ssh://-oProxyCommand=x@h.org/x", "user name starts with '-'"),
    ("https://h.org:99999/x", "port is not a number"),
]
LOCAL = ["/a/DEEP-OC-x", "./DEEP-OC-x", "../x/DEEP-OC-x", "~/DEEP-OC-x", "file:///a/DEEP-OC-x",
         "git://127.0.0.1:9418/x", "https://localhost/o/x", "ssh://git@[::1]/x",
         "git://127.1.2.3/x", "https://0.0.0.0/o/x", "git@localhost:o/x"]
ALLOWED = [GH, "ssh://git@github.com/o/DEEP-OC-x", "git@github.com:o/DEEP-OC-x",
           "git://git.example.org/o/x", "https://gitlab.com:8443/o/x", "https://10.1.2.3/o/x"]


@pytest.mark.parametrize(("url", "why"), REFUSED_ALWAYS)
def test_refused_whatever_the_flag(url: str, why: str) -> None:
    for allow_local in (False, True):
        reason = urls.refusal(url, allow_local)
        assert reason and why in reason and "\n" not in reason
    problems = lint(f"- module: '{url}'\n", allow_local=True)
    assert [p.code for p in problems] == ["refused-url"]
    assert problems[0].message.startswith("URL refused: ")
    (entry,) = parse(f"- module: '{url}'\n")  # not fatal: only this entry's module fails
    assert entry.refused


@pytest.mark.parametrize("url", LOCAL)
def test_local_repositories_need_the_operator_flag(url: str) -> None:
    reason = urls.refusal(url)
    assert reason and "--allow-local" in reason
    assert urls.refusal(url, allow_local=True) is None
    assert [p.code for p in lint(f"- module: '{url}'\n")] == ["refused-url"]
    assert lint(f"- module: '{url}'\n", allow_local=True) == []


@pytest.mark.parametrize("url", ALLOWED)
def test_allowed_by_default(url: str) -> None:
    assert urls.refusal(url) is None and urls.url_kind(url) == "network"


def test_git_protocols_match_the_policy() -> None:
    assert urls.git_protocols() == "https:ssh:git"
    assert urls.git_protocols(allow_local=True) == "https:ssh:git:file"


def test_lint_cli_flag(tmp_path, capsys) -> None:
    f = tmp_path / "MODULES.yml"
    f.write_text("- module: /srv/DEEP-OC-x\n- module: a.ext::sh\n")
    assert main(["catalog", "lint", str(f)]) == 1
    out = capsys.readouterr().out
    assert f"{f}:1:11: URL refused: a local path" in out
    assert f"{f}:2:11: URL refused: git's transport syntax 'a.ext::'" in out
    assert main(["catalog", "lint", str(f), "--allow-local"]) == 1
    out = capsys.readouterr().out
    assert ":1:" not in out and ":2:11: URL refused" in out


# -- duplicates after resolving, names independent of order -------------------------------

@pytest.mark.parametrize(
    "spellings",
    [
        ["/a/DEEP-OC-x", "/a/../a/DEEP-OC-x", "file:///a/DEEP-OC-x", "/a//DEEP-OC-x/",
         "/a/DEEP-OC-x.git", "file:///a/./DEEP-OC-x/", "file:///a/DEEP%2DOC-x"],
        ["https://github.com/o/DEEP-OC-x", "https://GitHub.com/o/DEEP-OC-x/",
         "https://github.com:443/o/DEEP-OC-x.git", "https://github.com/o/../o/DEEP-OC-x",
         "git@github.com:o/DEEP-OC-x", "ssh://git@github.com:22/o/DEEP-OC-x"],
        ["https://git.example.org/o/x", "https://GIT.example.org/o/x.git/",
         "https://git.example.org/a/../o/x"],
    ],
)
def test_one_repository_written_many_ways_is_one_module(spellings: list[str]) -> None:
    assert len({urls.identity(s) for s in spellings}) == 1, [urls.identity(s) for s in spellings]
    text = "".join(f"- module: '{s}'\n" for s in spellings)
    dups = [p for p in lint(text, allow_local=True) if p.code == "duplicate"]
    assert [p.line for p in dups] == list(range(2, len(spellings) + 1))
    with pytest.raises(DeepOCError, match="duplicate of the entry on line 1"):
        parse(text, allow_local=True)


def test_case_is_kept_where_it_matters() -> None:
    assert urls.identity("https://git.example.org/O/x") != urls.identity(
        "https://git.example.org/o/x")
    assert urls.identity("/a/X") != urls.identity("/a/x")


def _entries(*names: str) -> list[Entry]:
    return [Entry(u, line=i + 1) for i, u in enumerate(names)]


COLLIDING = ["https://github.com/a/DEEP-OC-unet", "https://github.com/b/DEEP-OC-unet",
             "https://gitlab.com/a/DEEP-OC-unet", "https://github.com/c/DEEP-OC-other",
             "https://github.com/x/DEEP-OC-unet-a"]


def test_names_do_not_depend_on_the_order_of_entries() -> None:
    reference = dict(zip(COLLIDING, assign_names(_entries(*COLLIDING)), strict=True))
    assert len(set(reference.values())) == len(COLLIDING)
    assert reference["https://github.com/c/DEEP-OC-other"] == "other"
    assert reference["https://github.com/b/DEEP-OC-unet"] == "unet-b"
    for order in itertools.permutations(COLLIDING):
        assert dict(zip(order, assign_names(_entries(*order)), strict=True)) == reference


def test_every_colliding_entry_is_reported() -> None:
    text = "".join(f"- module: {u}\n" for u in COLLIDING[:2] + COLLIDING[3:4])
    problems = [p for p in lint(text) if p.code == "name-collision"]
    assert [p.line for p in problems] == [1, 2]
    assert "'unet'" in problems[0].message and "line 2" in problems[0].message


@settings(deadline=None, max_examples=100)
@given(st.permutations(COLLIDING + ["https://github.com/a/DEEP-OC-other",
                                    "https://github.com/a/DEEP-OC-unet-b"]))
def test_names_are_unique_and_order_free(order: list[str]) -> None:
    names = assign_names(_entries(*order))
    assert len(set(names)) == len(names)
    assert sorted(zip(order, names, strict=True)) == sorted(
        zip(sorted(order), assign_names(_entries(*sorted(order))), strict=True))
