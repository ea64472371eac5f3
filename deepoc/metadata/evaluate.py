"""A small JSON Schema (draft-07) evaluator for the keywords our schemas use.

Why our own: every failure becomes one short message with a hint and a place in the file,
instead of a dump of the schema. It implements exactly the keywords listed in ``KEYWORDS``
with jsonschema's semantics (tests/metadata/test_crosscheck.py compares its verdicts and
error paths with jsonschema's on the corpus and on generated instances), and it refuses,
when it is built, a schema that uses any other keyword: a keyword it skipped silently
would make it accept what jsonschema rejects.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from typing import Any

from deepoc.errors import DeepOCError
from deepoc.limits import MAX_SUGGEST_WORD
from deepoc.metadata.formats import CHECKERS, HINTS
from deepoc.metadata.vocab import match

#: keywords with an effect that the evaluator implements
KEYWORDS = frozenset({
    "$ref", "type", "properties", "required", "additionalProperties", "items", "enum",
    "const", "pattern", "format", "uniqueItems", "minItems", "maxItems", "minLength",
    "maxLength", "minimum", "maximum",
})
#: annotations and containers that have no effect on validity
ANNOTATIONS = frozenset({
    "$schema", "$id", "$comment", "title", "description", "definitions", "default",
    "examples", "example",
})


class Failure:
    """A raw failure: ``path`` as jsonschema reports it, ``at`` where to point the user."""

    __slots__ = ("path", "keyword", "message", "hint", "at", "at_key")

    def __init__(self, path: tuple, keyword: str, message: str, hint: str | None = None,
                 at: tuple | None = None, at_key: bool = False) -> None:
        self.path = path
        self.keyword = keyword
        self.message = message
        self.hint = hint
        self.at = path if at is None else at
        self.at_key = at_key


_TYPE_NAMES = {
    dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
    float: "number", type(None): "null",
}


def type_name(value: Any) -> str:
    """The JSON type name of a value; YAML dates and times get their own name."""
    name = _TYPE_NAMES.get(type(value))
    if name:
        return name
    if isinstance(value, datetime.datetime):
        return "YAML timestamp"
    if isinstance(value, datetime.date):
        return "YAML date"
    return type(value).__name__


def _is_type(value: Any, t: str) -> bool:
    if t == "string":
        return isinstance(value, str)
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if t == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float))
    raise ValueError(f"unknown type {t!r} in schema")


def equal(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema applies it: booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _search(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_closest_cache: dict[tuple, str | None] = {}


def closest(word: str, choices: list[str]) -> str | None:
    """The closest choice: same letters ignoring case and separators first, then difflib."""
    key = (word, tuple(choices))
    if key not in _closest_cache:
        if len(_closest_cache) > 10_000:
            _closest_cache.clear()
        _closest_cache[key] = _closest(word, choices)
    return _closest_cache[key]


def _closest(word: str, choices: list[str]) -> str | None:
    hit = match(word, choices)
    if hit or len(word) > MAX_SUGGEST_WORD:  # difflib's cost grows with the square of it
        return hit
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not found:
        lowered = {c.lower(): c for c in choices}
        found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        return lowered[found[0]] if found else None
    return found[0]


class LazyHint:
    """A "did you mean" hint worked out only when the issue is shown.

    A file can hold any number of unknown keys or bad values; only the first
    ``MAX_ISSUES_PER_FILE`` issues are reported, so only those pay for difflib.
    """

    __slots__ = ("word", "choices", "fallback")

    def __init__(self, word: str, choices: list[str], fallback: str | None = None) -> None:
        self.word = word
        self.choices = choices
        self.fallback = fallback

    def text(self) -> str | None:
        best = closest(self.word, self.choices)
        return f"did you mean {best!r}?" if best else self.fallback

    def __str__(self) -> str:
        return self.text() or ""


def hint_text(hint: str | LazyHint | None) -> str | None:
    """The text of a failure's hint (a lazy suggestion is worked out now)."""
    return hint.text() if isinstance(hint, LazyHint) else hint


_TYPES = frozenset({"string", "object", "array", "boolean", "null", "integer", "number"})


class UnsupportedSchema(DeepOCError):
    """A schema this evaluator cannot check faithfully (a keyword it does not implement)."""

    exit_code = 70  # a fault of the shipped schemas, not of the file being validated


class Evaluator:
    """Evaluate instances against one schema document (``$ref`` only within it).

    Building one checks the whole schema first and raises :class:`UnsupportedSchema` naming
    the keyword and its place (a JSON pointer) when it uses anything the evaluator does not
    implement.
    """

    def __init__(self, schema: dict, name: str | None = None) -> None:
        self.root = schema
        declared = schema.get("$id") if isinstance(schema, dict) else None
        self.name = name or declared or "schema"
        self._compile(schema, "#")

    def resolve(self, ref: str) -> Any:
        """The node a local ``$ref`` (``#/definitions/x``) points to."""
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref supported, got {ref!r}")
        node: Any = self.root
        for part in ref[1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def _refuse(self, where: str, what: str) -> UnsupportedSchema:
        return UnsupportedSchema(
            f"{self.name}: {what} at {where} is not supported by deep-oc's metadata "
            "validator; implement it in deepoc/metadata/evaluate.py or leave it out")

    def _compile(self, node: Any, where: str) -> None:
        """Check that every keyword of ``node`` and of its subschemas is implemented."""
        if isinstance(node, bool):
            return
        if not isinstance(node, dict):
            raise self._refuse(where, f"a schema that is a {type_name(node)}")
        for kw, value in node.items():
            at = f"{where}/{_pointer_part(kw)}"
            if kw not in KEYWORDS and kw not in ANNOTATIONS:
                raise self._refuse(where, f"keyword {kw!r}")
            if kw in ("properties", "definitions"):
                if not isinstance(value, dict):
                    raise self._refuse(at, f"{kw!r} that is not an object")
                for name, sub in value.items():
                    self._compile(sub, f"{at}/{_pointer_part(name)}")
            elif kw == "additionalProperties":
                self._compile(value, at)
            elif kw == "items":
                if isinstance(value, list):
                    raise self._refuse(at, "the tuple form of 'items' (a list of schemas)")
                self._compile(value, at)
            elif kw == "$ref":
                try:
                    self.resolve(value)
                except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                    raise self._refuse(at, f"$ref {value!r} (only refs to a part of this "
                                       "schema are)") from None
            elif kw == "type":
                types = [value] if isinstance(value, str) else value
                unknown = [t for t in types if t not in _TYPES] \
                    if isinstance(types, list) else [types]
                if unknown:
                    raise self._refuse(at, f"type {unknown[0]!r}")
            elif kw == "format" and value not in CHECKERS:
                raise self._refuse(at, f"format {value!r}")

    def errors(self, instance: Any) -> list[Failure]:
        out: list[Failure] = []
        self._check(self.root, instance, (), out)
        return out

    def unknown_keys(self, instance: Any) -> list[tuple[tuple, str, list[str]]]:
        """Keys of objects whose schema lists ``properties`` but not this key.

        Returns (path of the key, key, known keys) for warnings; follows the schema only.
        """
        out: list[tuple[tuple, str, list[str]]] = []
        self._unknown(self.root, instance, (), out)
        return out

    def _unknown(self, schema: Any, inst: Any, path: tuple, out: list) -> None:
        if not isinstance(schema, dict) or not isinstance(inst, (dict, list)):
            return
        if "$ref" in schema:
            self._unknown(self.resolve(schema["$ref"]), inst, path, out)
            return
        props = schema.get("properties")
        if isinstance(inst, dict) and props is not None:
            known = [k for k, v in props.items() if v is not False]
            checks_extra = "additionalProperties" in schema
            for key, value in inst.items():
                sub = props.get(key)
                if sub is None:
                    if not checks_extra:
                        out.append((path + (key,), key, known))
                else:
                    self._unknown(sub, value, path + (key,), out)
        items = schema.get("items")
        if isinstance(inst, list) and isinstance(items, dict):
            for i, value in enumerate(inst):
                self._unknown(items, value, path + (i,), out)

    def _check(self, schema: Any, inst: Any, path: tuple, out: list[Failure]) -> None:
        if schema is True:
            return
        if schema is False:
            name = path[-1] if path else "value"
            out.append(Failure(path, "false", f"{name!r} is not allowed here", None,
                               path, at_key=True))
            return
        ref = schema.get("$ref")
        if ref is not None:  # draft-07: siblings of $ref are ignored
            self._check(self.resolve(ref), inst, path, out)
            return
        for kw, val in schema.items():
            fn = _CHECKS.get(kw)
            if fn is not None:
                fn(self, val, inst, path, out, schema)


def _c_type(ev: Evaluator, types: Any, inst: Any, path: tuple, out: list, schema: dict) -> None:
    tlist = [types] if isinstance(types, str) else types
    for t in tlist:
        if _is_type(inst, t):
            return
    want = " or ".join(tlist)
    got = type_name(inst)
    hint = None
    if got in ("YAML date", "YAML timestamp") and "string" in tlist:
        hint = f"YAML read this as a date; quote it: '{inst.isoformat()}'"
    elif want == "array" and got == "string":
        hint = "write it as a list: [\"...\"]"
    elif want == "string" and got == "array":
        hint = "write one string, not a list"
    elif want == "string" and got == "null":
        hint = "give a value, or quote it if it is meant as text"
    elif want == "string" and got in ("integer", "number", "boolean"):
        hint = f"quote it: \"{_yaml_scalar(inst)}\""
    out.append(Failure(path, "type", f"expected {want}, got {got}", hint))


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _c_properties(ev: Evaluator, props: dict, inst: Any, path: tuple, out: list,
                  schema: dict) -> None:
    if not isinstance(inst, dict):
        return
    for key, sub in props.items():
        if key in inst:
            ev._check(sub, inst[key], path + (key,), out)


def _c_required(ev: Evaluator, req: list, inst: Any, path: tuple, out: list,
                schema: dict) -> None:
    if not isinstance(inst, dict):
        return
    props = schema.get("properties", {})
    for key in req:
        if key not in inst:
            sub = props.get(key)
            what = ""
            if isinstance(sub, dict):
                kind = _describe_type(sub)
                desc = sub.get("description", "").rstrip(".")
                what = f" ({kind})" if kind else ""
                what += f": {desc}" if desc else ""
            where = f" to {_pathstr(path)}" if path else ""
            out.append(Failure(path, "required", f"missing required key {key!r}",
                               f"add {key!r}{where}{what}"))


def _describe_type(schema: dict) -> str:
    t = schema.get("type")
    if t == "array":
        items = schema.get("items")
        inner = items.get("type") if isinstance(items, dict) else None
        return f"a list of {inner}s" if isinstance(inner, str) else "a list"
    if t == "object":
        return "a mapping"
    if t == "string" and schema.get("format"):
        return f"a {schema['format']} string"
    return f"a {t}" if isinstance(t, str) else ""


def _pathstr(path: tuple) -> str:
    return format_path(path)


def format_path(path: tuple) -> str:
    """``("sources", "code")`` -> ``$.sources.code``; odd keys in brackets."""
    parts = ["$"]
    for p in path:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", p):
            parts.append(f".{p}")
        else:
            parts.append("[" + _json_str(p) + "]")
    return "".join(parts)


def _pointer_part(key: str) -> str:
    """One JSON pointer step (RFC 6901): ``~`` and ``/`` escaped."""
    return str(key).replace("~", "~0").replace("/", "~1")


def _json_str(s: str) -> str:
    return json.dumps(s)


def _c_additional(ev: Evaluator, add: Any, inst: Any, path: tuple, out: list,
                  schema: dict) -> None:
    if not isinstance(inst, dict):
        return
    props = schema.get("properties", {})
    extra = [k for k in inst if k not in props]
    if add is False:
        choices = list(props)
        for k in extra:
            out.append(Failure(path, "additionalProperties", f"unknown key {k!r}",
                               LazyHint(k, choices), path + (k,), at_key=True))
    elif isinstance(add, dict):
        for k in extra:
            ev._check(add, inst[k], path + (k,), out)


def _c_items(ev: Evaluator, items: Any, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if not isinstance(inst, list):
        return
    for i, value in enumerate(inst):
        ev._check(items, value, path + (i,), out)


def _c_enum(ev: Evaluator, enum: list, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if type(inst) is str:
        if inst in enum:
            return
    elif any(equal(inst, e) for e in enum):
        return
    choices = [e for e in enum if isinstance(e, str)]
    allowed = ", ".join(repr(e) for e in enum[:8])
    more = f" and {len(enum) - 8} more (docs/reference/schemas.md)" if len(enum) > 8 else ""
    hint: str | LazyHint = f"one of {allowed}{more}"
    if isinstance(inst, str) and choices:
        hint = LazyHint(inst, choices, hint)
    out.append(Failure(path, "enum", f"{_show(inst)} is not an allowed value", hint))


def _c_const(ev: Evaluator, const: Any, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if not equal(inst, const):
        out.append(Failure(path, "const", f"must be {const!r}"))


def _c_pattern(ev: Evaluator, pattern: str, inst: Any, path: tuple, out: list,
               schema: dict) -> None:
    if isinstance(inst, str) and not _search(pattern, inst):
        hint = schema.get("description", "").rstrip(".") or None
        if hint and "Docker image" in hint and "://" in inst:
            hint = "give the image name (org/name[:tag]), not a web address"
        out.append(Failure(path, "pattern", f"{_show(inst)} does not have the expected form",
                           hint))


def _c_format(ev: Evaluator, fmt: str, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if not isinstance(inst, str):
        return
    check = CHECKERS.get(fmt)
    if check is None or check(inst):
        return
    hint = HINTS.get(fmt)
    if inst != inst.strip():
        hint = "remove the spaces around the value"
    elif inst == "":
        hint = f"empty: give {HINTS.get(fmt)}, or remove the key"
    out.append(Failure(path, "format", f"{_show(inst)} is not a valid {fmt}", hint))


def _c_unique(ev: Evaluator, unique: bool, inst: Any, path: tuple, out: list,
              schema: dict) -> None:
    if not unique or not isinstance(inst, list):
        return
    for j in range(1, len(inst)):
        for i in range(j):
            if equal(inst[i], inst[j]):
                out.append(Failure(path, "uniqueItems",
                                   f"{_show(inst[j])} is repeated (also item {i})",
                                   "list each value once", path + (j,)))
                return


def _c_min_items(ev: Evaluator, n: int, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if isinstance(inst, list) and len(inst) < n:
        out.append(Failure(path, "minItems", f"needs at least {n} item(s), has {len(inst)}"))


def _c_max_items(ev: Evaluator, n: int, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if isinstance(inst, list) and len(inst) > n:
        out.append(Failure(path, "maxItems", f"allows at most {n} item(s), has {len(inst)}"))


def _c_min_length(ev: Evaluator, n: int, inst: Any, path: tuple, out: list,
                  schema: dict) -> None:
    if isinstance(inst, str) and len(inst) < n:
        msg = "must not be empty" if n == 1 else f"needs at least {n} characters"
        out.append(Failure(path, "minLength", msg))


def _c_max_length(ev: Evaluator, n: int, inst: Any, path: tuple, out: list,
                  schema: dict) -> None:
    if isinstance(inst, str) and len(inst) > n:
        out.append(Failure(path, "maxLength", f"allows at most {n} characters, has {len(inst)}"))


def _number(inst: Any) -> bool:
    return isinstance(inst, (int, float)) and not isinstance(inst, bool)


def _c_minimum(ev: Evaluator, n: float, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if _number(inst) and inst < n:
        out.append(Failure(path, "minimum", f"{_show(inst)} is less than {n}"))


def _c_maximum(ev: Evaluator, n: float, inst: Any, path: tuple, out: list, schema: dict) -> None:
    if _number(inst) and inst > n:
        out.append(Failure(path, "maximum", f"{_show(inst)} is more than {n}"))


_CHECKS = {
    "type": _c_type, "properties": _c_properties, "required": _c_required,
    "additionalProperties": _c_additional, "items": _c_items, "enum": _c_enum,
    "const": _c_const, "pattern": _c_pattern, "format": _c_format, "uniqueItems": _c_unique,
    "minItems": _c_min_items, "maxItems": _c_max_items, "minLength": _c_min_length,
    "maxLength": _c_max_length, "minimum": _c_minimum, "maximum": _c_maximum,
}
