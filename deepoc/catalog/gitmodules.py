"""``deep-oc catalog import``: an existing ``.gitmodules`` catalog as the equivalent MODULES.yml.

The AI4OS modules catalog (like DEEP's before MODULES.yml) lists its modules as git
submodules. Import turns each ``[submodule "name"]`` into one MODULES.yml entry: its URL
in the normal form lint asks for (``urls.normalise_url``), ``branch = X`` as
``branches: [X]`` (no ``branch``: the entry follows the repository's default branch, as
``git submodule update --remote`` does), and the submodule's name as ``name:`` when it
would name the module differently from its URL. The result is checked with the catalog's
own lint before it is returned, so it always passes ``deep-oc catalog lint``.

What cannot be carried over is reported per submodule with its line, and then nothing is
returned: a relative URL (``../foo`` is relative to the catalog's own remote, which a
``.gitmodules`` does not name), a missing or refused URL, a second submodule for the
same repository, ``branch = .`` (the superproject's branch), bad syntax.

The file is parsed here, with git-config's rules (``config.c``: sections and
``[section "subsection"]``, case-insensitive names, ``#``/``;`` comments, quoted values,
``\\`` escapes and continuations, the last value of a key winning), rather than by
``git config -f FILE --list``: git reports neither the line of each value nor where a
syntax error is beyond the first, and the pure parser needs no process; the tests check
it against ``git config`` itself on the same inputs.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

import yaml

from deepoc.catalog import modules_file, urls
from deepoc.errors import DeepOCError
from deepoc.limits import MAX_GITMODULES_BYTES

__all__ = ["ConfigValue", "ImportProblem", "Submodule", "parse_config", "read_gitmodules",
           "submodules", "to_modules_yml"]


@dataclass(frozen=True)
class ImportProblem:
    """Something of the .gitmodules that cannot be carried over: where, which, why."""

    line: int
    message: str
    submodule: str | None = None

    @property
    def text(self) -> str:
        """The problem without its line: ``submodule "name": message``."""
        who = f"submodule {json.dumps(self.submodule, ensure_ascii=False)}: " \
            if self.submodule is not None else ""
        return who + self.message

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


class GitmodulesError(DeepOCError):
    """The .gitmodules could not be carried over; ``problems`` says every reason."""

    def __init__(self, message: str, problems: list[ImportProblem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class ConfigValue:
    """One ``key = value`` of a git-config file, names as git spells them for ``--list``
    (section and key lower-cased, subsection as written); ``value`` None for a bare key."""

    section: str
    subsection: str | None
    key: str
    value: str | None
    line: int


# -- the git-config syntax ------------------------------------------------------------
_KEYCHAR = re.compile(r"[A-Za-z0-9-]")


class _Syntax(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_SPACE = " \t\r"  # git's isspace() without the newline (its sane_ctype)


class _Reader:
    """Characters with their line numbers, ``\r\n`` read as ``\n``; past the end, ``\n``
    again and again with ``ended`` set (git's get_next_char)."""

    def __init__(self, text: str) -> None:
        self.text = text.replace("\r\n", "\n")
        self.pos = 0
        self.line = 1
        self.ended = False

    def next(self) -> str:
        if self.pos >= len(self.text):
            self.ended = True
            return "\n"
        c = self.text[self.pos]
        self.pos += 1
        if c == "\n":
            self.line += 1
        return c


def _header(r: _Reader) -> tuple[str, str | None]:
    """After ``[``: the section and subsection of ``[name]``, ``[name "sub"]`` or the
    old ``[name.sub]`` (whose subsection git lower-cases)."""
    line = r.line
    name = ""
    while True:
        c = r.next()
        if r.ended or c == "\n":
            raise _Syntax(line, "section header is not closed with ']'")
        if c == "]":
            if not name:  # "[]"; git refuses it too ("[ \"x\"]" and "[.]" it reads)
                raise _Syntax(line, 'empty section header: write [submodule "name"]')
            break
        if c in _SPACE:
            while c in _SPACE:
                c = r.next()
            if c != '"':
                raise _Syntax(line, 'write a section header as [submodule "name"]')
            sub = ""
            while True:
                c = r.next()
                if c == "\n":
                    raise _Syntax(line, "subsection name is not closed with '\"'")
                if c == '"':
                    break
                if c == "\\":  # escapes any character, the newline excepted
                    c = r.next()
                    if c == "\n":
                        raise _Syntax(line, "subsection name is not closed with '\"'")
                sub += c
            if r.next() != "]":
                raise _Syntax(line, "section header is not closed with ']' after the name")
            return name.lower(), sub
        if not (_KEYCHAR.match(c) or c == "."):
            raise _Syntax(line, f"character {c!r} is not allowed in a section name")
        name += c
    lowered = name.lower()
    if "." in lowered:
        section, _, sub = lowered.partition(".")
        return section, sub
    return lowered, None


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "\\": "\\", '"': '"'}


def _value(r: _Reader, line: int) -> str:
    """After ``=``: the value, git's way (unquoted whitespace runs inside it kept as one
    space each character, leading and trailing dropped; ``"`` toggles quoting; ``\\``
    escapes ``\\ " n t b`` and the newline; ``#`` or ``;`` outside quotes ends it)."""
    out: list[str] = []
    quote = comment = False
    space = 0
    while True:
        c = r.next()
        if c == "\n":
            if quote:  # named on the line it ends on, after any continuation lines
                raise _Syntax(r.line if r.ended else r.line - 1,
                              "quoted value is not closed with '\"' on its line")
            return "".join(out)
        if comment:
            continue
        if c in _SPACE and not quote:
            if out:
                space += 1
            continue
        if not quote and c in "#;":
            comment = True
            continue
        out.append(" " * space)
        space = 0
        if c == "\\":
            c = r.next()
            if c == "\n":
                continue  # a continuation line (or the end of the file)
            esc = _ESCAPES.get(c)
            if esc is None:
                raise _Syntax(r.line, f"unknown escape '\\{c}' in a value")
            out.append(esc)
            continue
        if c == '"':
            quote = not quote
            continue
        out.append(c)


def parse_config(text: str) -> list[ConfigValue]:
    """Every value of a git-config text in file order; ``_Syntax`` (line, message) at the
    first error, as git stops there too."""
    r = _Reader(text.removeprefix("\ufeff"))
    section = ""  # a key before any [section]: git reads it, no submodule has it
    subsection: str | None = None
    out: list[ConfigValue] = []
    comment = False
    while True:
        c = r.next()
        if c == "\n":
            if r.ended:
                return out
            comment = False
            continue
        if comment or c in _SPACE:
            continue
        if c in "#;":
            comment = True
            continue
        if c == "[":
            section, subsection = _header(r)
            continue
        line = r.line
        if not (c.isascii() and c.isalpha()):
            raise _Syntax(line, f"expected 'key = value' or a [section], found {c!r}")
        key = c
        while True:
            c = r.next()
            if r.ended or not _KEYCHAR.match(c):
                break
            key += c
        while c in " \t":
            c = r.next()
        if c == "\n":
            out.append(ConfigValue(section, subsection, key.lower(), None, line))
            continue
        if c != "=":
            raise _Syntax(line, f"expected '=' after the key {key!r}")
        out.append(ConfigValue(section, subsection, key.lower(), _value(r, line), line))


# -- submodules -----------------------------------------------------------------------
@dataclass
class Submodule:
    """One ``[submodule "name"]`` (all its sections merged, as git does): the last value of
    each key and its line."""

    name: str
    line: int
    values: dict[str, tuple[str | None, int]] = field(default_factory=dict)

    def get(self, key: str) -> tuple[str | None, int] | None:
        return self.values.get(key)


def submodules(values: list[ConfigValue]) -> list[Submodule]:
    """The submodules of a parsed .gitmodules, in order of first appearance."""
    found: dict[str, Submodule] = {}
    for v in values:
        if v.section != "submodule" or v.subsection is None:
            continue  # [submodule] alone holds settings (fetchJobs...), no module
        sub = found.setdefault(v.subsection, Submodule(v.subsection, v.line))
        sub.values[v.key] = (v.value, v.line)
    return list(found.values())


def _header_lines(text: str) -> dict[str, int]:
    """The line of each submodule's first section header (a section with no keys has
    no value to take it from)."""
    lines: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("["):
            try:
                section, sub = _header(_Reader(stripped[1:]))
            except _Syntax:
                continue
            if section == "submodule" and sub is not None:
                lines.setdefault(sub, n)
    return lines


def read_gitmodules(path: str | os.PathLike[str]) -> str:
    """A .gitmodules' text, refused over ``MAX_GITMODULES_BYTES`` before it is read."""
    return modules_file.read_text(path, "the .gitmodules", limit=MAX_GITMODULES_BYTES,
                                  note="a .gitmodules lists submodules")


# -- MODULES.yml ----------------------------------------------------------------------
_PLAIN = re.compile(r"[A-Za-z0-9/~][A-Za-z0-9._~:/@+%=,-]*")
_RESOLVER = yaml.resolver.Resolver()


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as that string: plain when it is safe,
    else double-quoted (JSON's escapes are YAML's)."""
    plain = (_PLAIN.fullmatch(value) is not None
             and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
             == "tag:yaml.org,2002:str")
    return value if plain else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class _Planned:
    sub: Submodule
    url: str
    branch: str | None
    name: str | None


def _plan(sub: Submodule, allow_local: bool) -> tuple[_Planned | None, list[ImportProblem]]:
    """One submodule's entry, or why it cannot be carried over."""
    got = sub.get("url")
    if got is None:
        return None, [ImportProblem(sub.line, "has no url; add 'url = ...' or leave the "
                                    "module out", sub.name)]
    raw, line = got
    if raw is None or not raw.strip():
        return None, [ImportProblem(line, "url has no value", sub.name)]
    url = raw.strip()
    if url.startswith(("./", "../")) or url in (".", ".."):
        return None, [ImportProblem(
            line, f"url {url!r} is relative to the catalog repository's own remote, which "
            ".gitmodules does not name; write the repository's absolute URL", sub.name)]
    refused = urls.refusal(url, allow_local)
    if refused:
        return None, [ImportProblem(line, f"url {url!r} refused: {refused}", sub.name)]
    if not urls.is_url(url):
        return None, [ImportProblem(line, f"url {url!r} is not a git URL", sub.name)]
    problems: list[ImportProblem] = []
    branch: str | None = None
    got = sub.get("branch")
    if got is not None:
        value, bline = got
        value = (value or "").strip()
        if value == ".":
            problems.append(ImportProblem(
                bline, "branch = . follows the catalog repository's own branch, which a "
                "catalog cannot; name the branch", sub.name))
        elif not modules_file._BRANCH_RE.match(value):
            problems.append(ImportProblem(bline, f"branch {value!r} is not a branch name",
                                          sub.name))
        else:
            branch = value
    normal = urls.normalise_url(url)
    own = urls.name_from(sub.name)
    name = None
    if own != urls.module_name(normal):
        why = modules_file.name_problem(own)
        if why:
            problems.append(ImportProblem(
                sub.line, f"the submodule's name cannot name the module: {own!r} {why}; "
                "rename the submodule", sub.name))
        else:
            name = own
    if problems:
        return None, problems
    return _Planned(sub, normal, branch, name), []


def _render(planned: list[_Planned]) -> str:
    lines = [
        "---",
        f"# Imported from .gitmodules by 'deep-oc catalog import' ({len(planned)} "
        f"submodule{'s' if len(planned) != 1 else ''}).",
        "# An entry with no 'branches:' follows its repository's default branch, and test.",
    ]
    for p in planned:
        lines.append(f"- module: {_scalar(p.url)}")
        if p.branch is not None:
            lines.append(f"  branches: [{_scalar(p.branch)}]")
        if p.name is not None:
            lines.append(f"  name: {_scalar(p.name)}")
    return "\n".join(lines) + "\n"


def _qualify(planned: list[_Planned]) -> list[_Planned]:
    """Entries whose names would collide get the names sync would give them anyway
    (``assign_names``: the owner appended), written out, so lint has nothing to say."""
    entries = [modules_file.Entry(p.url, name=p.name) for p in planned]
    base = [p.name or urls.module_name(p.url) for p in planned]
    shared = {n for n in base if base.count(n) > 1}
    if not shared:
        return planned
    names = modules_file.assign_names(entries)
    return [
        _Planned(p.sub, p.url, p.branch, names[i] if base[i] in shared and p.name is None
                 else p.name)
        for i, p in enumerate(planned)
    ]


def to_modules_yml(text: str, *, allow_local: bool = False) -> tuple[str, int]:
    """(the MODULES.yml text, the number of entries) of a .gitmodules text; raises
    ``GitmodulesError`` carrying every problem when anything cannot be carried over."""
    try:
        values = parse_config(text)
    except _Syntax as exc:
        raise GitmodulesError("not a valid .gitmodules", [ImportProblem(exc.line, exc.message)]
                              ) from None
    subs = submodules(values)
    heads = _header_lines(text)
    for sub in subs:
        sub.line = heads.get(sub.name, sub.line)
    problems: list[ImportProblem] = []
    planned: list[_Planned] = []
    seen: dict[str, _Planned] = {}
    for sub in subs:
        p, found = _plan(sub, allow_local)
        problems += found
        if p is None:
            continue
        key = urls.identity(p.url)
        if key in seen:
            first = seen[key].sub
            problems.append(ImportProblem(
                sub.values["url"][1], f"same repository as submodule "
                f"{json.dumps(first.name, ensure_ascii=False)} (line {first.line}); "
                "keep one of them", sub.name))
            continue
        seen[key] = p
        planned.append(p)
    if not subs and not problems:
        problems.append(ImportProblem(1, "no [submodule \"name\"] section with a url: "
                                      "nothing to import"))
    if problems:
        problems.sort(key=lambda p: p.line)
        raise GitmodulesError(f"{len(problems)} problem(s)", problems)
    planned = _qualify(planned)
    out = _render(planned)
    left = modules_file.lint(out, "MODULES.yml", allow_local=allow_local)
    if left:  # a bug of import's: say where it came from, write nothing
        entry_lines = [n for n, ln in enumerate(out.splitlines(), 1) if ln.startswith("- ")]
        for prob in left:
            index = max((i for i, n in enumerate(entry_lines) if n <= prob.line), default=0)
            sub = planned[index].sub
            problems.append(ImportProblem(sub.line, f"the entry made would not pass lint: "
                                          f"{prob.message}", sub.name))
        raise GitmodulesError(f"{len(problems)} problem(s)", problems)
    return out, len(planned)
