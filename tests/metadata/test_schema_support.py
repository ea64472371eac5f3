"""The evaluator refuses, when it is built, a schema keyword it does not implement."""

from __future__ import annotations

import pytest

from deepoc.metadata import schemas
from deepoc.metadata.evaluate import Evaluator, UnsupportedSchema


def test_every_shipped_schema_builds() -> None:
    for version in schemas.KNOWN:
        Evaluator(schemas.load(version), schemas.FILES[version])


@pytest.mark.parametrize(("schema", "message"), [
    ({"type": "object", "properties": {"tags": {"type": "array", "contains": {"const": "x"}}}},
     "keyword 'contains' at #/properties/tags"),
    ({"definitions": {"a/b": {"oneOf": [{"type": "string"}]}}},
     "keyword 'oneOf' at #/definitions/a~1b"),
    ({"items": [{"type": "string"}]}, "the tuple form of 'items' (a list of schemas) at #/items"),
    ({"additionalProperties": {"patternProperties": {}}},
     "keyword 'patternProperties' at #/additionalProperties"),
    ({"properties": {"x": {"$ref": "#/definitions/missing"}}},
     "$ref '#/definitions/missing' (only refs to a part of this schema are) at "
     "#/properties/x/$ref"),
    ({"properties": {"x": {"$ref": "other.json#/x"}}}, "$ref 'other.json#/x'"),
    ({"type": "decimal"}, "type 'decimal' at #/type"),
    ({"format": "email"}, "format 'email' at #/format"),
    ({"if": {"type": "string"}, "then": {"minLength": 1}}, "keyword 'if' at #"),
])
def test_an_unsupported_keyword_is_refused_naming_it_and_its_place(schema: dict,
                                                                   message: str) -> None:
    with pytest.raises(UnsupportedSchema) as info:
        Evaluator(schema, "my-schema.json")
    text = str(info.value)
    assert text.startswith("my-schema.json: ")
    assert message in text
    assert "not supported by deep-oc's metadata validator" in text


def test_keywords_inside_values_are_data_not_schemas() -> None:
    # "enum", "const", "default" and "examples" hold instances, whose keys mean nothing here
    Evaluator({"enum": [{"oneOf": 1}], "const": {"not": 2}, "default": {"anyOf": []},
               "examples": [{"if": 3}], "properties": {"oneOf": {"type": "string"}}})
