"""The quick parse of plain command lines gives exactly what argparse gives, or defers to it."""

import argparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepoc import cli
from deepoc.cliopts import Option, quick_parse

# A command line of the kind the quick parse is for (no command declares one today).
OPTIONS = (
    Option("--catalog", required=True, metavar="FILE", help="a file"),
    Option("--builds", metavar="FILE", help="another file"),
    Option("-o", "--output", required=True, metavar="DIR", help="a folder"),
    Option("--base-url", metavar="URL", help="a URL"),
    Option("-q", "--quiet", flag=True, help="print nothing"),
)
SITE_BUILD: list[str] = []


def _argparse(argv: list[str]) -> dict | None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    for option in OPTIONS:
        option.add_to(parser)
    try:
        return vars(parser.parse_args(argv))
    except (SystemExit, argparse.ArgumentError):
        return None


def _quick(argv: list[str]) -> dict | None:
    return quick_parse(argv, OPTIONS)


@pytest.mark.parametrize("argv", [
    ["--catalog", "c.json", "-o", "site"],
    ["--catalog=c.json", "--output=site", "-q"],
    ["-q", "-o", "out dir", "--builds", "b.json", "--catalog", "c", "--base-url",
     "https://x.example/"],
    ["--catalog", "a", "--catalog", "b", "-o", "s"],  # the last one wins, as in argparse
    ["--catalog=", "-o", "s"],  # an empty value
    ["--catalog=-odd", "-o", "s"],  # after "=", a value may start with "-"
])
def test_plain_lines_are_read_quickly_and_equal_argparse(argv):
    quick = _quick(SITE_BUILD + argv)
    assert quick is not None
    assert quick == _argparse(SITE_BUILD + argv)


@pytest.mark.parametrize("argv", [
    [],  # required options missing: argparse says which
    ["-h"], ["--help"],
    ["--cat", "c", "-o", "s"],  # an abbreviation argparse accepts
    ["--catalog", "c", "-osite"],  # attached short value
    ["--catalog", "-x", "-o", "s"],  # a value that looks like an option
    ["--catalog", "c", "-o"],  # no value
    ["--catalog", "c", "-o", "s", "extra"],
    ["--catalog", "c", "-o", "s", "--", "x"],
    ["--quiet=yes", "--catalog", "c", "-o", "s"],
])
def test_anything_else_goes_to_argparse(argv):
    assert _quick(SITE_BUILD + argv) is None


def test_other_commands_and_top_level_options_are_not_read_quickly():
    assert cli._quick(["--version"], cli.COMMAND_MODULES) is None
    assert cli._quick(["site", "serve", "x"], cli.COMMAND_AREAS["site"]) is None
    assert cli._quick(["site"], cli.COMMAND_AREAS["site"]) is None


WORDS = st.sampled_from([
    "--catalog", "--builds", "-o", "--output", "--base-url", "-q", "--quiet", "--cat",
    "--out", "-h", "--", "-x", "--catalog=v", "--output=", "--quiet=1", "--base-url=u",
    "value", "", "-1", "a=b", "site", "build",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=9))
def test_quick_parse_equals_argparse_wherever_it_answers(words):
    argv = SITE_BUILD + words
    quick = _quick(argv)
    if quick is not None:
        assert quick == _argparse(argv)


def test_dest_follows_argparse():
    assert Option("-o", "--output", help="").dest == "output"
    assert Option("--base-url", help="").dest == "base_url"
    assert Option("-q", help="", flag=True).dest == "q"
    assert quick_parse(["-q"], [Option("-q", help="", flag=True)]) == {"q": True}
