"""Features of one input; the demo model uses simple text statistics."""

from __future__ import annotations


def text_features(text: str) -> dict[str, float]:
    """Deterministic features of ``text``: length, words, share of upper-case letters."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    return {
        "length": float(len(text)),
        "words": float(len(text.split())),
        "upper_ratio": upper / len(letters) if letters else 0.0,
    }
