"""Write figures to ``reports/figures``; the demo writes a plain-text bar chart."""

from __future__ import annotations

from pathlib import Path

from .. import config


def bar_chart(values: dict[str, float], width: int = 40) -> str:
    """A text bar chart of ``values`` (scaled to the largest), one line per key."""
    top = max(values.values(), default=0.0) or 1.0
    return "\n".join(f"{k:>12} {'#' * round(width * v / top)} {v:g}" for k, v in values.items())


def save_chart(values: dict[str, float], name: str = "chart.txt") -> Path:
    """Save :func:`bar_chart` of ``values`` under ``reports/figures`` and return its path."""
    config.FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = config.FIGURES_DIR / name
    path.write_text(bar_chart(values) + "\n", encoding="utf-8")
    return path
