"""Parsing metadata files into Python values, with the source position of every value.

JSON is parsed by the standard library's C decoder (strict: no NaN/Infinity, no control
characters in strings, duplicate keys rejected); positions are needed only for files with
problems, so a small token scanner builds the path -> offset map on demand. YAML goes
through PyYAML's composer (the libyaml C parser when present) and our own constructor, which
records positions as it builds values and refuses what a metadata file never needs: alias
bombs, recursive aliases, duplicate keys, merge keys and non-standard tags.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from typing import Any

import yaml

from deepoc.jsonsafe import find_unrepresentable, number_problem, text_problem
from deepoc.limits import MAX_DEPTH, MAX_INT_DIGITS, MAX_YAML_NODES
from deepoc.limits import MAX_VALIDATE_BYTES as MAX_BYTES

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_YAML_NODES", "ParseFailure", "Source", "YamlSource",
           "decode", "parse_json", "parse_yaml", "printable_path", "scan_json"]

Path = tuple  # tuple[str | int, ...]


class ParseFailure(Exception):
    """The file could not be read or parsed: one located message."""

    def __init__(self, message: str, offset: int | None = None, hint: str | None = None,
                 line: int | None = None, column: int | None = None,
                 path: tuple = (), value_error: bool = False) -> None:
        super().__init__(message)
        #: the text parses, but holds a value strict UTF-8 JSON cannot carry: the file is
        #: invalid (not unreadable), and its data is withheld from every later stage
        self.value_error = value_error
        self.path = path
        self.message = message
        self.offset = offset
        self.hint = hint
        self.line = line
        self.column = column


class Source:
    """Decoded text plus a map from JSON paths to the offsets of values and keys."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._values: dict[Path, int] | None = None
        self._keys: dict[Path, int] = {}
        self._line_starts: list[int] | None = None

    def _build(self) -> None:
        self._values, self._keys, _ = scan_json(self.text)

    def value_offset(self, path: Path) -> int | None:
        if self._values is None:
            self._build()
        assert self._values is not None
        return _nearest(self._values, path)

    def key_offset(self, path: Path) -> int | None:
        if self._values is None:
            self._build()
        off = self._keys.get(path)
        return off if off is not None else self.value_offset(path)

    def line_col(self, offset: int | None) -> tuple[int | None, int | None]:
        """1-based line and column of an offset: a binary search in the line-start index
        (built once per file), so locating every issue of a large file stays linear."""
        if offset is None:
            return None, None
        starts = self._line_starts
        if starts is None:
            starts = self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        i = bisect.bisect_right(starts, offset) - 1
        return i + 1, offset - starts[i] + 1


class YamlSource(Source):
    """Positions found on demand by walking the composed node tree (marks are 0-based)."""

    def __init__(self, text: str, root: Any) -> None:
        super().__init__(text)
        self._root = root
        self._index: dict[int, dict[Any, tuple[Any, Any]]] = {}

    def _pairs(self, node: Any) -> dict[Any, tuple[Any, Any]]:
        """Key -> (key node, value node) of a mapping node, built once: a lookup per issue
        instead of a scan of the mapping (60,000 keys were quadratic)."""
        table = self._index.get(id(node))
        if table is None:
            table = {}
            for k, v in node.value:
                if k.id == "scalar":
                    table.setdefault(k.value, (k, v))
            self._index[id(node)] = table
        return table

    def _walk(self, path: Path) -> tuple[Any, Any]:
        """(key node, value node) of the deepest existing prefix of ``path``."""
        knode, node = None, self._root
        for part in path:
            found = None
            if node.id == "mapping" and isinstance(part, str):
                found = self._pairs(node).get(part)
                if found is None:  # keys written in another form (e.g. escapes): construct
                    for k, v in node.value:
                        if k.id == "scalar" and _scalar_text(k) == part:
                            found = (k, v)
                            break
            elif node.id == "sequence" and isinstance(part, int) and part < len(node.value):
                found = (None, node.value[part])
            if found is None:
                break
            knode, node = found
        return knode, node

    def value_offset(self, path: Path) -> Any:
        node = self._walk(path)[1]
        m = node.start_mark
        return (m.line, m.column)

    def key_offset(self, path: Path) -> Any:
        knode, node = self._walk(path)
        m = (knode or node).start_mark
        return (m.line, m.column)

    def line_col(self, offset: Any) -> tuple[int | None, int | None]:
        if offset is None:
            return None, None
        return offset[0] + 1, offset[1] + 1


def _scalar_text(node: Any) -> Any:
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except Exception:
        return None


def _nearest(table: dict, path: Path) -> Any:
    while True:
        off = table.get(path)
        if off is not None or not path:
            return off
        path = path[:-1]


# Tokens of a JSON text: strings, punctuation, and bare words (numbers, literals).
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


def scan_json(text: str) -> tuple[dict[Path, int], dict[Path, int], list[tuple[Path, int]]]:
    """Map every value and key of a JSON text to its offset; also list duplicate keys.

    Meant for text the decoder accepted (or that failed only on a duplicate key or a
    constant): it does not re-check the syntax. Iterative, so depth is no problem.
    """
    values: dict[Path, int] = {}
    keys: dict[Path, int] = {}
    dups: list[tuple[Path, int]] = []
    # frame: [is_object, path, index, key, expecting_key]
    stack: list[list] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        pos = m.start()
        c = tok[0]
        if stack:
            fr = stack[-1]
            if fr[0]:
                if c == "}":
                    stack.pop()
                    continue
                if c == ",":
                    fr[4] = True
                    continue
                if c == ":":
                    continue
                if fr[4]:
                    key = _json_key(tok)
                    fr[3] = key
                    fr[4] = False
                    kpath = fr[1] + (key,)
                    if kpath in keys:
                        dups.append((kpath, pos))
                    else:
                        keys[kpath] = pos
                    continue
                cur = fr[1] + (fr[3],)
            else:
                if c == "]":
                    stack.pop()
                    continue
                if c == ",":
                    fr[2] += 1
                    continue
                cur = fr[1] + (fr[2],)
        else:
            cur = ()
        if cur not in values:
            values[cur] = pos
        if c == "{":
            stack.append([True, cur, 0, None, True])
        elif c == "[":
            stack.append([False, cur, 0, None, False])
    return values, keys, dups


def _json_key(tok: str) -> str:
    if "\\" not in tok:
        return tok[1:-1]
    try:
        return json.loads(tok)
    except ValueError:
        return tok[1:-1]


class _DuplicateKey(Exception):
    pass


def _pairs(pairs: list) -> dict:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise _DuplicateKey()
    return d


class _BadNumber(Exception):
    """A number literal strict JSON cannot carry; located afterwards by scanning."""

    def __init__(self, literal: str, message: str) -> None:
        super().__init__(message)
        self.literal = literal
        self.message = message


def _constant(name: str) -> Any:
    raise _BadNumber(name, f"invalid JSON: {name}: NaN and Infinity are not JSON numbers")


def _parse_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _BadNumber(literal, f"number {_clip(literal)} is too large for a 64-bit float "
                         "(it would become Infinity, which JSON cannot carry)")
    return value


def _parse_int(literal: str) -> int:
    digits = len(literal) - literal.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise _BadNumber(literal, f"integer with {digits} digits is too long "
                         f"(at most {MAX_INT_DIGITS})")
    return int(literal)


def _clip(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def printable_path(path: Path) -> Path:
    """``path`` with any key that cannot be written as UTF-8 shown with escapes."""
    return tuple(p.encode("utf-8", "backslashreplace").decode("utf-8")
                 if isinstance(p, str) and text_problem(p) else p for p in path)


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text: UTF-8 only. A UTF-8 BOM is accepted with a note; UTF-16/32 are refused."""
    notes: list[str] = []
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        raise ParseFailure("file is UTF-32 encoded", 0, "save it as UTF-8", 1, 1)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ParseFailure("file is UTF-16 encoded", 0, "save it as UTF-8", 1, 1)
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
        notes.append("bom")
    if b"\x00" in data[:8192]:
        pos = data.index(b"\x00")
        line = data.count(b"\n", 0, pos) + 1
        col = pos - data.rfind(b"\n", 0, pos)
        raise ParseFailure("binary data (NUL byte), not a text file", None,
                           "give the metadata file itself", line, col)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        pos = exc.start
        line = data.count(b"\n", 0, pos) + 1
        col = len(data[data.rfind(b"\n", 0, pos) + 1:pos].decode("utf-8", "replace")) + 1
        raise ParseFailure(
            f"not valid UTF-8 (byte 0x{data[pos]:02x} at offset {pos})", None,
            "save the file as UTF-8", line, col) from None
    return text, notes


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant,
                            parse_float=_parse_float, parse_int=_parse_int)


def parse_json(text: str) -> tuple[Any, Source]:
    """Strict JSON (RFC 8259): one value; duplicate keys, NaN/Infinity, numbers that overflow
    a 64-bit float, integers over ``MAX_INT_DIGITS`` digits and strings that cannot be
    written as UTF-8 (lone surrogates from ``\\ud800`` escapes) are errors, located."""
    src = Source(text)
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise ParseFailure(f"invalid JSON: {exc.msg}", exc.pos, _json_hint(exc)) from None
    except _DuplicateKey:
        values, keys, dups = scan_json(text)
        src._values, src._keys = values, keys
        path, pos = dups[0]
        raise ParseFailure(f"duplicate key {printable_path(path)[-1]!r}", pos,
                           "each key may appear once in an object; remove one",
                           path=printable_path(path)) from None
    except _BadNumber as exc:
        pos, path = _locate_literal(text, exc.literal)
        raise ParseFailure(exc.message, pos, "write a finite number of at most "
                           f"{MAX_INT_DIGITS} digits, or a string", path=path,
                           value_error=not exc.literal.lstrip("-").isalpha()) from None
    except RecursionError:
        raise ParseFailure("invalid JSON: nested too deeply", _too_deep(text),
                           f"metadata needs a few levels, at most {MAX_DEPTH}") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth_exceeded(data):
        raise ParseFailure("nested too deeply", _too_deep(text),
                           f"metadata needs a few levels, at most {MAX_DEPTH}")
    if "\\u" in text:  # only a \\u escape can put a lone surrogate into JSON text
        bad = find_unrepresentable(data)
        if bad is not None:
            off = src.key_offset(bad.path) if bad.is_key else src.value_offset(bad.path)
            raise ParseFailure(bad.message, off, bad.hint, path=printable_path(bad.path),
                               value_error=True)
    return data, src


def _locate_literal(text: str, literal: str) -> tuple[int | None, Path]:
    """Offset and JSON path of the first bare token equal to ``literal`` (one linear scan)."""
    pos = None
    for m in _TOKEN.finditer(text):
        if m.group() == literal:
            pos = m.start()
            break
    if pos is None:
        return None, ()
    values, _keys, _dups = scan_json(text)
    for path, off in values.items():
        if off == pos:
            return pos, printable_path(path)
    return pos, ()


def _json_hint(exc: json.JSONDecodeError) -> str | None:
    msg = exc.msg
    if msg.startswith("Expecting property name"):
        return "a trailing comma before '}' or a key without double quotes?"
    if msg.startswith("Expecting value"):
        return "a trailing comma, a missing value or single quotes?"
    if msg.startswith("Expecting ',' delimiter"):
        return "a missing comma between two items?"
    if msg.startswith("Invalid control character"):
        return "write newlines and tabs inside strings as \\n and \\t"
    if msg.startswith("Extra data"):
        return "only one JSON value per file"
    return None


def _too_deep(text: str) -> int | None:
    depth = 0
    for m in _TOKEN.finditer(text):
        c = m.group()[0]
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        elif c in "]}":
            depth -= 1
    return None


def _depth_exceeded(data: Any) -> bool:
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return False


# ---------------------------------------------------------------- YAML

_STD = "tag:yaml.org,2002:"
_STR = _STD + "str"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


def parse_yaml(text: str) -> tuple[Any, Source]:
    """One YAML document, safe tags only, positions recorded for every value and key."""
    loader_cls = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    _check_yaml_depth(text)
    try:
        loader = loader_cls(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = exc.problem or exc.context or "syntax error"
        if exc.context and exc.problem:
            msg = f"{exc.context}, {exc.problem}"
        raise ParseFailure(f"invalid YAML: {msg}", None, _yaml_hint(msg),
                           mark.line + 1 if mark else None,
                           mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ParseFailure(f"invalid YAML: {str(exc).splitlines()[0]}", None, None, 1, 1) from None
    except RecursionError:
        raise ParseFailure("invalid YAML: nested too deeply", None,
                           f"metadata needs a few levels, at most {MAX_DEPTH}", 1, 1) from None
    if node is None:
        raise ParseFailure("empty YAML document: no metadata", None,
                           "the file holds only comments or blank space", 1, 1)
    builder = _YamlBuilder(yaml.constructor.SafeConstructor())
    data = builder.build(node, ())
    return data, YamlSource(text, node)


def _yaml_hint(msg: str) -> str | None:
    if "scanning an alias" in msg or "scanning an anchor" in msg:
        return "a value starting with * or & must be quoted"
    if "could not find expected ':'" in msg:
        return "indent the continuation lines of a long text, or write it as a | block"
    if "found character '@'" in msg or "found character '`'" in msg:
        return "a value starting with @ or ` must be quoted"
    if "mapping values are not allowed" in msg:
        return "a value with ': ' must be quoted, or the indentation is off"
    if "found character '\\t'" in msg or "tab" in msg:
        return "indent with spaces, not tabs"
    if "expected <block end>" in msg or "did not find expected key" in msg:
        return "check the indentation of this line"
    return None


_BRACKETS = re.compile(r"[\[\]{}]")


def _check_yaml_depth(text: str) -> None:
    # libyaml builds nested flow collections recursively: refuse absurd flow nesting early.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for m in _BRACKETS.finditer(text):
        i, c = m.start(), m.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, i) + 1
                col = i - text.rfind("\n", 0, i)
                raise ParseFailure("invalid YAML: nested too deeply", None,
                                   f"metadata needs a few levels, at most {MAX_DEPTH}",
                                   line, col)
        else:
            depth = max(0, depth - 1)


class _YamlBuilder:
    def __init__(self, constructor: Any) -> None:
        self.constructor = constructor
        self.count = 0
        self.active: set[int] = set()

    def _fail(self, node: Any, message: str, hint: str | None, path: tuple = (),
              value_error: bool = False) -> ParseFailure:
        m = node.start_mark
        return ParseFailure(message, None, hint, m.line + 1, m.column + 1, path, value_error)

    def build(self, node: Any, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_YAML_NODES:
            raise self._fail(node, f"YAML expands to more than {MAX_YAML_NODES} values "
                             "(aliases repeated: an alias bomb?)", "do not use anchors and aliases")
        if len(path) > MAX_DEPTH:
            raise self._fail(node, "nested too deeply",
                             f"metadata needs a few levels, at most {MAX_DEPTH}")
        tag = node.tag
        kind = node.id
        if kind == "scalar":
            if tag == _STR:
                why = text_problem(node.value)
                if why:
                    raise self._fail(node, f"string: {why}", _SURROGATE_HINT,
                                     printable_path(path), True)
                return node.value
            if tag not in _SCALAR_TAGS:
                raise self._fail(node, f"unsupported YAML tag {tag!r}",
                                 "metadata holds plain strings, numbers, lists and mappings")
            if tag == _STD + "int" and len(node.value) > 4 * MAX_INT_DIGITS:
                raise self._fail(node, f"integer of {len(node.value)} characters is too long "
                                 f"(at most {MAX_INT_DIGITS} digits)", _NUMBER_HINT,
                                 printable_path(path), True)
            try:
                value = self.constructor.construct_object(node, deep=True)
            except Exception as exc:  # e.g. a timestamp out of range
                raise self._fail(node, f"invalid YAML value: {exc}".splitlines()[0],
                                 "quote it to make it a string") from None
            why = number_problem(value)
            if why:
                raise self._fail(node, why, _NUMBER_HINT, printable_path(path), True)
            return value
        ident = id(node)
        if ident in self.active:
            raise self._fail(node, "recursive YAML alias", "do not use anchors and aliases")
        self.active.add(ident)
        try:
            if kind == "sequence":
                if tag != _STD + "seq":
                    raise self._fail(node, f"unsupported YAML tag {tag!r}",
                                     "use a plain YAML list")
                return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
            if tag != _STD + "map":
                raise self._fail(node, f"unsupported YAML tag {tag!r}",
                                 "use a plain YAML mapping")
            out: dict = {}
            for knode, vnode in node.value:
                if knode.tag == _STD + "merge":
                    raise self._fail(knode, "YAML merge keys (<<) are not supported",
                                     "write the keys out")
                if knode.id != "scalar":
                    raise self._fail(knode, "a YAML mapping key must be a plain scalar",
                                     "use a string key")
                key = self.build_key(knode)
                if key in out:
                    raise self._fail(knode, f"duplicate key {key!r}",
                                     "each key may appear once in a mapping; remove one",
                                     path + (key,))
                out[key] = self.build(vnode, path + (key,))
            return out
        finally:
            self.active.discard(ident)

    def build_key(self, knode: Any) -> Any:
        if knode.tag not in _SCALAR_TAGS:
            raise self._fail(knode, f"unsupported YAML tag {knode.tag!r}", "use a string key")
        try:
            key = self.constructor.construct_object(knode, deep=True)
        except Exception as exc:
            raise self._fail(knode, f"invalid YAML key: {exc}".splitlines()[0],
                             "quote the key") from None
        if not isinstance(key, str):
            # JSON paths and the schemas only know string keys; say so rather than guess.
            raise self._fail(knode, f"mapping key {key!r} is not a string",
                             f"quote it: \"{knode.value}\"")
        why = text_problem(key)
        if why:
            raise self._fail(knode, f"key: {why}", _SURROGATE_HINT, (), True)
        return key


_SURROGATE_HINT = ("remove the \\ud800-\\udfff escape (a lone half of a UTF-16 pair) or "
                   "write the whole character")
_NUMBER_HINT = (f"write a finite number of at most {MAX_INT_DIGITS} digits (not .inf or "
                ".nan), or quote it to make it a string")
