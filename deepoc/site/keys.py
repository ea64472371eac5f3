"""Input hashes of pages: one place for each formula, shared by the full build and the
delta build (which must compute the very same keys for the pages it touches)."""

from __future__ import annotations

from deepoc.hashing import sha1


def key(*parts: object) -> str:
    """The input hash of a page, from strings that already identify its parts."""
    return sha1("\x1f".join(map(str, parts)).encode()).hexdigest()


def module_page_key(content_key: str, slugs: str) -> str:
    """A module page shows its keywords' links: their slugs are part of its inputs."""
    return key(content_key, slugs) if slugs else content_key


def listing_key(what: tuple[object, ...], n: int, count: int, every: str,
                page_keys: list[str]) -> str:
    """Page ``n`` of ``count`` of a listing (home or a keyword) showing these cards."""
    return key(*what, n, count, every, *page_keys)


def doc_chunk_key(start: int, page_keys: list[str]) -> str:
    """A chunk of search results (card data) starting at module number ``start``."""
    return sha1(f"docs|{start}|{'|'.join(page_keys)}".encode()).hexdigest()
