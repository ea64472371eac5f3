"""The API functions, called directly (no server)."""

import pickle

import marshmallow
import pytest

from ..models import deep_api


def _load(fields: dict, data: dict) -> dict:
    return marshmallow.Schema.from_dict(fields)().load(data)


def test_predict_is_deterministic():
    deep_api.warm()
    args = _load(deep_api.get_predict_args(), {"text": "Hello world"})
    first = deep_api.predict(**args)
    assert first == deep_api.predict(**args)
    assert len(first["labels"]) == args["top_k"] == 3
    assert abs(sum(p["probability"] for p in first["labels"]) - 1) < 1e-3


def test_predict_args_reject_bad_input():
    with pytest.raises(marshmallow.ValidationError):
        _load(deep_api.get_predict_args(), {})
    with pytest.raises(marshmallow.ValidationError):
        _load(deep_api.get_predict_args(), {"text": "x", "top_k": 0})


def test_blank_text_is_a_400_that_pickles():
    with pytest.raises(deep_api.BadRequest) as info:
        deep_api.predict(text="   ")
    assert info.value.status == 400
    again = pickle.loads(pickle.dumps(info.value))
    assert again.status == 400 and again.reason == info.value.reason

{%- if cookiecutter.model_type == "trainable" %}


def test_train_is_deterministic():
    args = _load(deep_api.get_train_args(), {"epochs": 3})
    result = deep_api.train(**args)
    assert result == deep_api.train(**args)
    assert len(result["loss"]) == 3
{%- else %}


def test_only_predict_is_offered():
    assert not hasattr(deep_api, "train")
    assert not hasattr(deep_api, "get_train_args")
{%- endif %}
