"""MODULES.yml: parse, lint (every problem with its line) and fix (comments and order kept).

The format is the one the DEEP-OC catalog has used since 2019::

    ---
    - module: https://github.com/deephdc/DEEP-OC-dogs_breed_det
    - module: https://github.com/me/DEEP-OC-unet
      branches: [main, test]      # optional, default: the remote's default branch and test
      image: me/unet              # optional, operator-approved image (see below)
      name: unet-me               # optional, the module's name (default: from the URL)

Only safe YAML is read (``yaml.compose`` with the safe loader: no tags, no objects), and
positions come from the YAML nodes, so every problem names its line and ``fix`` can
rewrite just the characters of a URL without touching comments or order. Anchors and
aliases are refused from the token stream, before anything is composed: the file has no
use for them, and nested aliases (a "billion laughs") or a self-referencing anchor would
otherwise cost minutes or a RecursionError.

Every entry's URL goes through the URL policy (``urls.refusal``): a refused URL is a lint
error and, in ``parse``, an entry marked ``refused`` (sync reports that module as failed
and never runs git on it; the other modules are unaffected).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import yaml

from deepoc.catalog import urls
from deepoc.errors import DeepOCError
from deepoc.images.naming import repository_problem
from deepoc.jsonsafe import text_problem
from deepoc.limits import MAX_MODULES_FILE_BYTES, human_size

__all__ = ["DEFAULT_BRANCHES", "Entry", "MAX_NAME", "Problem", "assign_names", "fix",
           "followed_branches", "lint", "name_problem", "parse", "read_text"]

#: followed when an entry lists no ``branches:`` and the remote names no default branch
#: (the DEEP-OC convention; a remote whose HEAD is master gets exactly these)
DEFAULT_BRANCHES: tuple[str, ...] = ("master", "test")
#: followed next to the default branch when an entry lists no ``branches:``
TEST_BRANCH = "test"
KNOWN_KEYS = ("module", "branches", "image", "name")
#: a module name given with ``name:`` (it names pages, mirrors and the image repository)
MAX_NAME = 100
_NAME_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")
)
_BRANCH_RE = re.compile(
    r"^(?!/)(?!.*//)(?!.*\.\.)(?!.*@\{)(?!.*\.lock$)[^\s~^:?*\[\\\x00-\x1f]+(?<![/.])$"
)


@dataclass(frozen=True)
class Entry:
    """One catalog entry: its URL as written, the branches to follow, and its line."""

    url: str
    branches: tuple[str, ...] = DEFAULT_BRANCHES
    line: int = 0
    explicit_branches: bool = False
    #: why the URL policy refuses this entry's URL (None: allowed); sync never runs git on it
    refused: str | None = None
    #: operator-approved image repository (MODULES.yml ``image:``); None: the catalog derives it
    image: str | None = None
    #: the module's name (MODULES.yml ``name:``); None: the name the URL gives
    name: str | None = None

    @property
    def normalised_url(self) -> str:
        return urls.normalise_url(self.url)

    @property
    def identity(self) -> str:
        return urls.identity(self.url)


@dataclass(frozen=True)
class Problem:
    """A lint finding: 1-based line, what is wrong, and the fix (None: fix by hand)."""

    line: int
    message: str
    fix: str | None = None
    code: str = "error"
    column: int | None = None

    def __str__(self) -> str:
        hint = f" (fix: {self.fix})" if self.fix else ""
        return f"line {self.line}: {self.message}{hint}"


@dataclass
class _Item:
    node: yaml.Node
    url_node: yaml.ScalarNode | None = None
    branches_node: yaml.Node | None = None
    image_node: yaml.Node | None = None
    name_node: yaml.Node | None = None
    problems: list[Problem] = field(default_factory=list)


def _line(node_or_mark) -> int:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return mark.line + 1


def read_text(path: str | os.PathLike[str], what: str = "the catalog file", *,
              limit: int = MAX_MODULES_FILE_BYTES, note: str = "a MODULES.yml lists URLs"
              ) -> str:
    """A catalog file's text (MODULES.yml; import's .gitmodules), refused over ``limit``
    before it is read (every reader of MODULES.yml goes through here)."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        if size > limit:
            raise DeepOCError(
                f"{name}: {what} is too large: {human_size(size)} "
                f"(limit {human_size(limit)}); {note}"
            )
        with open(name, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise DeepOCError(f"{name}: cannot read {what}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise DeepOCError(f"{name}: {what} is not UTF-8 text (byte offset {exc.start}); "
                          "save it as UTF-8") from None


#: libyaml's parser when PyYAML has it: the same YAML some 15 times faster on a large
#: catalog (it bounds nesting itself). It reads every file first; when it finds fault,
#: PyYAML's own parser reads the file again, so problems are worded and located as always.
_FAST = getattr(yaml, "CSafeLoader", None)
_LOADERS = (yaml.SafeLoader,) if _FAST is None else (_FAST, yaml.SafeLoader)


def _anchors(text: str) -> Problem | None:
    """The first anchor (&a) or alias (*a), found from the token stream (linear, nothing
    composed or expanded); syntax errors are left for the composer to report."""
    for loader in _LOADERS:
        try:
            for token in yaml.scan(text, Loader=loader):
                if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                    what = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                    mark = token.start_mark
                    return Problem(mark.line + 1,
                                   f"YAML {what} '{'&' if what == 'anchor' else '*'}"
                                   f"{token.value}' is not allowed in MODULES.yml: write each "
                                   "entry out", None, "yaml-alias", mark.column + 1)
            return None
        except yaml.YAMLError:
            continue
    return None


def _compose(text: str, filename: str) -> tuple[yaml.Node | None, Problem | None]:
    alias = _anchors(text)
    if alias is not None:
        return None, alias
    if _FAST is not None:
        try:
            return yaml.compose(text, Loader=_FAST), None
        except yaml.YAMLError:
            pass  # PyYAML's parser below says what is wrong, and where
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), None
    except RecursionError:
        return None, Problem(1, "not valid YAML: nested too deeply", None, "yaml")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "syntax error"
        return None, Problem(line, f"not valid YAML: {what}", None, "yaml")
    except yaml.YAMLError as exc:  # e.g. more than one document
        return None, Problem(1, f"not valid YAML: {exc}".splitlines()[0], None, "yaml")


def _items(root: yaml.Node | None) -> tuple[list[_Item], list[Problem]]:
    """Walk the composed document; structural problems come back located."""
    problems: list[Problem] = []
    if root is None:
        return [], [
            Problem(
                1, "the file holds no list: expected '- module: URL' entries", None, "not-a-list"
            )
        ]
    if not isinstance(root, yaml.SequenceNode):
        return [], [
            Problem(
                _line(root),
                "not a list of mappings: expected '- module: URL' entries at the top level",
                None,
                "not-a-list",
            )
        ]
    items: list[_Item] = []
    for node in root.value:
        item = _Item(node)
        items.append(item)
        if not isinstance(node, yaml.MappingNode):
            item.problems.append(
                Problem(
                    _line(node),
                    "entry is not a mapping: write it as '- module: URL'",
                    None,
                    "not-a-mapping",
                )
            )
            continue
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key == "module":
                if item.url_node is not None:
                    item.problems.append(
                        Problem(_line(key_node), "key 'module' given twice", None, "duplicate-key")
                    )
                elif isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":str"):
                    item.url_node = value_node
                else:
                    item.problems.append(
                        Problem(
                            _line(value_node), "'module' must be a URL string", None, "not-a-url"
                        )
                    )
            elif key == "branches":
                item.branches_node = value_node
            elif key == "image":
                item.image_node = value_node
            elif key == "name":
                item.name_node = value_node
            else:
                close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
                hint = f"did you mean '{close[0]}'?" if close else None
                item.problems.append(
                    Problem(
                        _line(key_node),
                        f"unknown key {key!r} (allowed: {', '.join(KNOWN_KEYS)})",
                        hint,
                        "unknown-key",
                    )
                )
        if item.url_node is None and not any(
            p.code in ("not-a-url", "duplicate-key") for p in item.problems
        ):
            item.problems.append(
                Problem(_line(node), "entry has no 'module' key", None, "missing-module")
            )
    return items, problems


def _unsafe_tags(node: yaml.Node | None) -> list[Problem]:
    """Safe YAML only: an application tag (!!python/..., !foo) is refused, even though
    composing never constructs it."""
    out: list[Problem] = []
    stack = [node] if node is not None else []
    while stack:
        node = stack.pop()
        if node.tag not in _SAFE_TAGS:
            out.append(
                Problem(
                    _line(node),
                    f"YAML tag {node.tag!r} is not allowed: plain data only",
                    None,
                    "yaml-tag",
                )
            )
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack += [v, k]
        elif isinstance(node, yaml.SequenceNode):
            stack += reversed(node.value)
        elif isinstance(node, yaml.ScalarNode):
            why = text_problem(node.value)
            if why:
                out.append(Problem(_line(node), why, "remove the \\ud800-\\udfff escape",
                                   "not-utf8", node.start_mark.column + 1))
    return out


def _branches(item: _Item) -> tuple[tuple[str, ...], bool, list[Problem]]:
    node = item.branches_node
    if node is None:
        return DEFAULT_BRANCHES, False, []
    bad = Problem(
        _line(node),
        "'branches' must be a non-empty list of branch names, e.g. [main, test]",
        None,
        "bad-branches",
    )
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        return DEFAULT_BRANCHES, True, [bad]
    names: list[str] = []
    problems: list[Problem] = []
    for sub in node.value:
        if not isinstance(sub, yaml.ScalarNode) or not _BRANCH_RE.match(sub.value or ""):
            problems.append(
                Problem(
                    _line(sub),
                    f"not a branch name: {getattr(sub, 'value', '')!r}",
                    None,
                    "bad-branches",
                )
            )
        elif sub.value in names:
            problems.append(
                Problem(_line(sub), f"branch {sub.value!r} listed twice", None, "bad-branches")
            )
        else:
            names.append(sub.value)
    return (tuple(names) if names else DEFAULT_BRANCHES), True, problems


def _string_key(node: yaml.Node | None, key: str, problem_of, code: str
                ) -> tuple[str | None, list[Problem]]:
    """The value of a string key (``image:``, ``name:``) that ``problem_of`` accepts, or the
    problem, located."""
    if node is None:
        return None, []
    value = node.value if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str") else None
    problem = problem_of(value)
    if problem:
        shown = value if value is not None else getattr(node, "value", "")
        return None, [Problem(_line(node), f"'{key}' {shown!r} {problem}", None, code)]
    return value, []


# -- the image: key (images/naming.py says why the catalog, not build.json, names images) --
def _image(item: _Item) -> tuple[str | None, list[Problem]]:
    return _string_key(item.image_node, "image", repository_problem, "bad-image")


def followed_branches(entry: Entry, default: str | None) -> tuple[str, ...]:
    """The branches sync follows for ``entry`` on a remote whose default branch is
    ``default``: the entry's ``branches:`` when it lists them; else the default branch and
    ``test`` (so a remote whose HEAD is master follows master and test, as always); else,
    when the remote names no default branch, ``DEFAULT_BRANCHES``."""
    if entry.explicit_branches or default is None:
        return entry.branches
    return (default,) if default == TEST_BRANCH else (default, TEST_BRANCH)


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a module name given with ``name:``, or None: lower-case
    letters and digits joined by single ``.``, ``_`` or ``-`` (it becomes an image
    repository component, a page address and a folder name)."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    if not _NAME_RE.fullmatch(name):
        return ("must be lower-case letters and digits joined by single '.', '_' or '-' "
                "(e.g. plant-classifier)")
    return None


def _name(item: _Item) -> tuple[str | None, list[Problem]]:
    return _string_key(item.name_node, "name", name_problem, "bad-name")


def _analyse(text: str, filename: str, allow_local: bool = False
             ) -> tuple[list[tuple[_Item, Entry | None]], list[Problem]]:
    root, err = _compose(text, filename)
    if err:
        return [], [err]
    items, problems = _items(root)
    problems.extend(_unsafe_tags(root))
    out: list[tuple[_Item, Entry | None]] = []
    for item in items:
        entry = None
        if item.url_node is not None:
            raw = item.url_node.value
            refused = None if text_problem(raw) else urls.refusal(raw, allow_local)
            if refused:
                item.problems.append(
                    Problem(_line(item.url_node), f"URL refused: {refused}", None,
                            "refused-url", item.url_node.start_mark.column + 1)
                )
            elif not text_problem(raw) and not urls.is_url(raw):
                item.problems.append(
                    Problem(
                        _line(item.url_node),
                        f"not a git URL: {raw!r} "
                        "(use https://, ssh, git://, file:// or a path "
                        "starting with / ./ ../)",
                        None,
                        "not-a-url",
                    )
                )
            branches, explicit, bproblems = _branches(item)
            item.problems.extend(bproblems)
            image, iproblems = _image(item)
            item.problems.extend(iproblems)
            name, nproblems = _name(item)
            item.problems.extend(nproblems)
            entry = Entry(raw, branches, _line(item.url_node), explicit, refused, image=image,
                          name=name)
        out.append((item, entry))
    return out, problems


def parse(text: str, filename: str = "MODULES.yml", *, allow_local: bool = False
          ) -> list[Entry]:
    """The entries of a MODULES.yml, in file order.

    Raises DeepOCError naming the first problem that makes an entry unusable (bad YAML,
    wrong shape, not a URL). Cosmetic defects (trailing slash, ``.git``...) do not stop
    parsing: sync normalises the URL. Duplicates after normalisation are an error. A URL
    the policy refuses (``allow_local``: local paths, file:// and loopback hosts allowed)
    does not stop parsing either: its entry carries the reason in ``refused``, so one bad
    entry costs only its own module.
    """
    analysed, problems = _analyse(text, filename, allow_local)
    fatal = list(problems)
    for item, _entry in analysed:
        fatal.extend(p for p in item.problems if p.code != "refused-url")
    entries = [e for _i, e in analysed if e is not None]
    fatal.extend(_duplicates(entries))
    fatal.extend(_duplicate_names(entries))
    if fatal:
        first = min(fatal, key=lambda p: p.line)
        more = f" (and {len(fatal) - 1} more)" if len(fatal) > 1 else ""
        raise DeepOCError(
            f"{filename}:{first.line}: {first.message}{more}; "
            f"run 'deep-oc catalog lint {filename}' to see them all"
        )
    return entries


def _duplicates(entries: list[Entry]) -> list[Problem]:
    seen: dict[str, Entry] = {}
    out: list[Problem] = []
    for e in entries:
        key = e.identity
        if key in seen:
            first = seen[key]
            same = first.branches == e.branches
            out.append(
                Problem(
                    e.line,
                    f"duplicate of the entry on line {first.line} ({first.normalised_url})",
                    "remove this entry" if same else None,
                    "duplicate",
                )
            )
        else:
            seen[key] = e
    return out


def _duplicate_names(entries: list[Entry]) -> list[Problem]:
    """Two entries given the same ``name:``: which module is which would be a guess."""
    first: dict[str, Entry] = {}
    out: list[Problem] = []
    for e in entries:
        if e.name is None:
            continue
        if e.name in first:
            out.append(Problem(e.line, f"name {e.name!r} is already given to the entry on "
                               f"line {first[e.name].line}", "give each entry its own name",
                               "duplicate-name"))
        else:
            first[e.name] = e
    return out


def _name_collisions(entries: list[Entry]) -> list[Problem]:
    """Entries (of different repositories) that would get the same module name (from their
    URLs, or one given with ``name:``): every one of them is reported, whatever the order
    (sync then qualifies those named from their URL)."""
    groups: dict[str, list[Entry]] = {}
    seen: set[str] = set()
    for e in entries:
        if e.identity in seen or not (e.refused or urls.is_url(e.url)):
            continue  # a duplicate, or not a URL: reported as such
        seen.add(e.identity)
        groups.setdefault(e.name or urls.module_name(e.url), []).append(e)
    out: list[Problem] = []
    names = assign_names([e for group in groups.values() for e in group])
    given = dict(zip([e.identity for group in groups.values() for e in group], names,
                     strict=True))
    for name, group in groups.items():
        if len(group) < 2 or all(e.name is not None for e in group):
            continue  # the same name: given twice is reported as duplicate-name
        for e in group:
            others = ", ".join(str(o.line) for o in group if o is not e)
            how = ("it keeps the name it is given" if e.name is not None
                   else f"it is named with its owner instead ({given[e.identity]!r})")
            out.append(Problem(
                e.line,
                f"module name {name!r} is also the name of the entry on line {others}; {how}",
                "give one of them another 'name:'", "name-collision"))
    return out


def assign_names(entries: Sequence[Entry]) -> list[str]:
    """Stable, unique module names, whatever the order of the entries.

    A name given with ``name:`` is kept as it is. Any other comes from the repository name
    alone (``urls.module_name``). When several entries would get the same name, every one
    of them named from its URL (not just the later ones) gets its owner appended
    (``unet-someone``); a name still shared after that gets 8 hex digits of its
    repository's identity. So a module's name depends only on the set of entries, never
    on their order, and lint reports every collision.
    """
    given = {e.name for e in entries if e.name is not None}
    base = [e.name or urls.module_name(e.url) for e in entries]
    counts = Counter(base)
    names = []
    for e, name in zip(entries, base, strict=True):
        owner = urls.owner(e.url) if counts[name] > 1 and e.name is None else ""
        names.append(f"{name}-{owner}" if owner else name)
    counts = Counter(names)
    out = []
    for e, name in zip(entries, names, strict=True):
        if e.name is None and (counts[name] > 1 or (name in given and name != e.name)):
            name = f"{name}-{hashlib.sha256(e.identity.encode('utf-8', 'replace')).hexdigest()[:8]}"
        out.append(name)
    counts = Counter(out)
    return [n if counts[n] == 1 else f"{n}-{i + 1}" for i, n in enumerate(out)]


def lint(text: str, filename: str = "MODULES.yml", *, allow_local: bool = False
         ) -> list[Problem]:
    """Every problem in a MODULES.yml, sorted by line; an empty list means it is clean.

    ``allow_local``: local paths, file:// URLs and loopback hosts are allowed (the
    operator's ``--allow-local``); otherwise they are refused like any URL the policy
    refuses."""
    problems: list[Problem] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line != line.rstrip():
            problems.append(
                Problem(n, "trailing whitespace", "delete it", "whitespace", len(line.rstrip()) + 1)
            )
    analysed, structural = _analyse(text, filename, allow_local)
    problems.extend(structural)
    entries: list[Entry] = []
    for item, entry in analysed:
        problems.extend(item.problems)
        if entry is None:
            continue
        entries.append(entry)
        if any(p.code in ("not-a-url", "refused-url") and p.line == entry.line
               for p in item.problems):
            continue
        node = item.url_node
        assert node is not None
        for d in urls.defects(entry.url):
            if d.code == "whitespace" and not node.style:
                continue  # a plain scalar cannot hold it; the line check reports it
            problems.append(
                Problem(
                    entry.line,
                    d.message,
                    f"write {entry.normalised_url}",
                    d.code,
                    node.start_mark.column + 1,
                )
            )
    problems.extend(_duplicates(entries))
    problems.extend(_duplicate_names(entries))
    problems.extend(_name_collisions(entries))
    problems.sort(key=lambda p: (p.line, p.column or 0))
    return problems


def _render_scalar(node: yaml.ScalarNode, value: str) -> str:
    if node.style == "'":
        return "'" + value.replace("'", "''") + "'"
    if node.style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if re.search(r":\s|\s#|^[-?:,\[\]{}#&*!|>'\"%@`]", value):
        return "'" + value.replace("'", "''") + "'"
    return value


def fix(text: str, filename: str = "MODULES.yml") -> str:
    """``text`` with every auto-fixable problem repaired; comments, order and layout kept.

    URLs are rewritten in place to their normal form (only the characters of the value
    change), trailing whitespace is removed, and a later duplicate of an entry with the
    same branches is deleted. Anything else (bad YAML, unknown keys) is left for a human.
    """
    analysed, structural = _analyse(text, filename)
    if structural and not analysed:
        return _strip_trailing(text)
    edits: list[tuple[int, int, str]] = []
    entries = [e for _i, e in analysed if e is not None]
    dup_lines = {p.line for p in _duplicates(entries) if p.fix}
    lines_to_drop: set[int] = set()
    for item, entry in analysed:
        if entry is None or item.url_node is None or not urls.is_url(entry.url):
            continue
        node = item.url_node
        if entry.line in dup_lines:
            # The item's '- ' sits on its first line; its last line is that of its last
            # scalar (the mapping's own end mark runs on over comments to the next item).
            lines_to_drop.update(range(item.node.start_mark.line, _last_line(item.node) + 1))
            continue
        new = entry.normalised_url
        if new != entry.url and node.start_mark.line == node.end_mark.line:
            edits.append((node.start_mark.index, node.end_mark.index, _render_scalar(node, new)))
    out = text
    for start, end, repl in sorted(edits, reverse=True):
        out = out[:start] + repl + out[end:]
    if lines_to_drop:
        kept = [ln for n, ln in enumerate(out.splitlines(keepends=True)) if n not in lines_to_drop]
        out = "".join(kept)
    return _strip_trailing(out)


def _last_line(node: yaml.Node) -> int:
    if isinstance(node, yaml.ScalarNode):
        return node.end_mark.line
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            children += [k, v]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    if not children:
        return node.end_mark.line
    last = max(_last_line(c) for c in children)
    return max(last, node.end_mark.line - 1) if node.flow_style else last


def _strip_trailing(text: str) -> str:
    lines = text.splitlines(keepends=True)
    out = []
    for ln in lines:
        body = ln.rstrip("\r\n")
        ending = ln[len(body) :]
        out.append(body.rstrip() + ending)
    return "".join(out)
