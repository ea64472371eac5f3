"""The DEEPaaS API of this module: DEEPaaS finds it through the ``deepaas.v2.model`` entry point.

DEEPaaS calls these functions (all optional, see https://docs.deep-hybrid-datacloud.eu):

- ``get_metadata()``: what ``GET /v2/models/`` shows, read from the installed package.
- ``warm()``: load the model once, before the first request.
- ``get_predict_args()`` / ``predict(**args)``: the inputs of ``POST .../predict/``.
- ``get_train_args()`` / ``train(**args)``: the inputs of ``POST .../train/``.

A module that only predicts (or only trains) deletes the other pair. The demo below is
deterministic: the same input always gives the same answer, so tests can check it.
Bad inputs are rejected by the argument schema (HTTP 422) or by :class:`BadRequest`
(HTTP 400); unexpected errors become HTTP 500 and the server keeps running.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import time
from email.utils import getaddresses

from aiohttp import web
from webargs import fields, validate

from .. import config
from ..features.build_features import text_features

#: The distribution (and package) name, as in pyproject.toml.
DIST_NAME = __name__.split(".")[0]

_MODEL: dict | None = None


class BadRequest(web.HTTPBadRequest):
    """An HTTP 400 that survives DEEPaaS's worker processes (it must be picklable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)

    def __reduce__(self):
        return (type(self), (self.reason,))


def get_metadata() -> dict:
    """Name, version, summary, authors and license of the installed package."""
    meta = importlib.metadata.metadata(DIST_NAME)
    author_email = meta.get("Author-email") or ""
    author = meta.get("Author") or ", ".join(
        name for name, _addr in getaddresses([author_email]) if name
    )
    return {
        "name": meta["Name"],
        "version": meta["Version"],
        "summary": meta.get("Summary") or "",
        "description": meta.get("Summary") or "",
        "author": author,
        "author-email": author_email,
        "license": meta.get("License-Expression") or meta.get("License") or "",
    }


def warm() -> None:
    """Load the model; the demo model is a fixed list of labels."""
    global _MODEL
    if _MODEL is None:
        _MODEL = {"labels": list(config.LABELS), "loaded_at": time.time()}


def get_predict_args() -> dict:
    """The inputs of a prediction, with the help texts the API page shows."""
    return {
        "text": fields.Str(
            required=True,
            validate=validate.Length(min=1, max=10000),
            metadata={"description": "Text to classify (1 to 10000 characters)."},
        ),
        "top_k": fields.Int(
            load_default=3,
            validate=validate.Range(min=1, max=len(config.LABELS)),
            metadata={"description": "How many labels to return, most probable first."},
        ),
    }


def _scores(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    raw = [digest[i] + 1 for i in range(len(config.LABELS))]
    total = sum(raw)
    return [r / total for r in raw]


def predict(**kwargs) -> dict:
    """Classify ``text``: deterministic demo scores derived from the text itself."""
    warm()
    text = kwargs.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("'text' must contain something other than white space")
    top_k = int(kwargs.get("top_k") or 3)
    ranked = sorted(zip(config.LABELS, _scores(text)), key=lambda p: (-p[1], p[0]))
    return {
        "labels": [{"label": k, "probability": round(v, 6)} for k, v in ranked[:top_k]],
        "features": text_features(text),
    }

{%- if cookiecutter.model_type == "trainable" %}


def get_train_args() -> dict:
    """The inputs of a training run."""
    return {
        "epochs": fields.Int(
            load_default=1,
            validate=validate.Range(min=1, max=1000),
            metadata={"description": "Number of passes over the training data."},
        ),
        "learning_rate": fields.Float(
            load_default=0.001,
            validate=validate.Range(min=0, min_inclusive=False, max=1),
            metadata={"description": "Step size of the optimiser (0 < lr <= 1)."},
        ),
    }


def train(**kwargs) -> dict:
    """Train the model; the demo returns a deterministic loss curve and saves nothing."""
    warm()
    epochs = int(kwargs.get("epochs") or 1)
    lr = float(kwargs.get("learning_rate") or 0.001)
    if epochs < 1:
        raise BadRequest("'epochs' must be at least 1")
    losses = [round(1.0 / (1.0 + lr * 100 * (e + 1)), 6) for e in range(epochs)]
    return {"epochs": epochs, "learning_rate": lr, "loss": losses, "final_loss": losses[-1]}
{%- endif %}


if __name__ == "__main__":  # a quick look without DEEPaaS
    print(json.dumps(predict(text="Hello world"), indent=2))
