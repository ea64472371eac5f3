"""The marketplace web site, rendered from catalog.json and builds.json."""

from __future__ import annotations

__all__ = ["build_site"]


def build_site(*args, **kwargs):  # noqa: ANN002, ANN003 - thin re-export, see render.build_site
    """Render the site; imported lazily so ``deep-oc --help`` stays fast."""
    from deepoc.site.render import build_site as _build

    return _build(*args, **kwargs)
