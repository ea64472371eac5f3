"""The content hash of the site's pages and keys: SHA-1, as :mod:`hashlib` gives it.

deepoc/site imports ``sha1`` from here; it names the one hash those keys use.
"""

from __future__ import annotations

from hashlib import sha1

__all__ = ["sha1"]
