"""SHA-1 without importing :mod:`hashlib`.

Why: hashlib loads OpenSSL, about 4 ms per process, and a one-module site rebuild has a
budget of a few tens of milliseconds. CPython's built-in ``_sha1`` gives the same digests;
hashlib is the fallback where the built-in module is missing.
"""

from __future__ import annotations

try:
    from _sha1 import sha1
except ImportError:  # pragma: no cover - CPython built without its own hashes
    from hashlib import sha1

__all__ = ["sha1"]
