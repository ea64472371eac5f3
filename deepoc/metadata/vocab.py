"""Common words for the v2 vocabularies: used for enum hints and by the v1 -> v2 migration."""

from __future__ import annotations

import re

#: normalised word -> vocabulary value (used only when that value is allowed where it is met)
SYNONYMS = {
    # tasks
    "imageclassification": "Computer Vision", "objectdetection": "Computer Vision",
    "segmentation": "Computer Vision", "imagesegmentation": "Computer Vision",
    "posedetection": "Computer Vision", "nlp": "Natural Language Processing",
    "timeseries": "Time Series", "timeseriesforecasting": "Time Series",
    "audioclassification": "Classification",
    # categories
    "trainable": "AI4 trainable", "inference": "AI4 inference",
    "pretrained": "AI4 pre trained",
    # data types
    "images": "Image", "image": "Image", "audio": "Audio", "text": "Text", "video": "Video",
    "tabular": "Tabular", "graph": "Graph",
    # libraries
    "tf": "TensorFlow", "torch": "PyTorch", "sklearn": "Scikit-learn",
}


def norm(word: str) -> str:
    """Lower case without spaces, dashes and underscores: ``Pre-trained`` -> ``pretrained``."""
    return re.sub(r"[\s_-]+", "", word).lower()


def match(word: str, vocabulary: list[str]) -> str | None:
    """The vocabulary value a word means: same letters, or a known synonym."""
    key = norm(word)
    for value in vocabulary:
        if norm(value) == key:
            return value
    hit = SYNONYMS.get(key)
    return hit if hit in vocabulary else None
