"""The module cache beside the site: per-module derived data by content key, between builds.

Why this layout: a one-module rebuild needs the entries of about a hundred modules (the
cards on the pages it touches), not all of them, so reading and decoding the whole file
(2 MB at 1,000 modules) would be most of its cost. The file is a header and then batches,
each batch an index (its keys and entry sizes, small) and the entries back to back. Opening
the cache reads only the indexes; an entry is read with one ``pread`` when asked for.
A build appends one batch of the entries it made; when most entries belong to modules that
are gone, the file is rewritten with only the live ones (through a temp file and a rename).
Every part is framed by its length, so a batch cut short by a crash ends the file, and the
next batch is written over it.
"""

from __future__ import annotations

import marshal
import os

from deepoc.site.tree import write_all

MAGIC = "deep-oc site cache"
VERSION = 3
_LEN = 8  # bytes of a frame's length prefix
MAX_BATCHES = 16


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(_LEN, "little") + data


def _batch(entries: dict[str, bytes]) -> bytes:
    """One batch: its index frame, then one frame holding every entry back to back."""
    keys = list(entries)
    blobs = [entries[k] for k in keys]
    return _frame(marshal.dumps((keys, [len(b) for b in blobs]))) + _frame(b"".join(blobs))


class ModuleCache:
    """Read-only view of the cache file of one build, by content key (a mapping of bytes)."""

    def __init__(self, path: str, globals_key: str) -> None:
        self.path, self._header = path, marshal.dumps([MAGIC, VERSION, globals_key])
        self._where: dict[str, tuple[int, int]] = {}
        self.batches = 0
        self._end = 0  # where the last whole batch ends: a new batch is written there
        self._fd = -1
        try:
            self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            self._index()
        except (OSError, ValueError, EOFError, TypeError):
            self._where, self.batches, self._end = {}, 0, 0

    def _index(self) -> None:
        fd, size = self._fd, os.fstat(self._fd).st_size
        head = os.pread(fd, _LEN + len(self._header), 0)
        if head != _frame(self._header):
            return  # another renderer, settings or format: start over
        at = len(head)
        where: dict[str, tuple[int, int]] = {}
        batches = 0
        while at + _LEN <= size:
            index_len = int.from_bytes(os.pread(fd, _LEN, at), "little")
            index_end = at + _LEN + index_len
            if index_end + _LEN > size:
                break
            raw = os.pread(fd, index_len + _LEN, at + _LEN)
            blob_len = int.from_bytes(raw[index_len:], "little")
            blob_at = index_end + _LEN
            if blob_at + blob_len > size:
                break  # cut short by a crash: the batch is not there
            keys, lengths = marshal.loads(raw[:index_len])
            if sum(lengths) != blob_len or len(keys) != len(lengths):
                break
            for key, length in zip(keys, lengths, strict=True):
                where[key] = (blob_at, length)
                blob_at += length
            at = blob_at
            batches += 1
        self._where, self.batches, self._end = where, batches, at

    def get(self, key: str) -> bytes | None:
        spot = self._where.get(key)
        if spot is None:
            return None
        data = os.pread(self._fd, spot[1], spot[0])
        return data if len(data) == spot[1] else None

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __len__(self) -> int:
        return len(self._where)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def save(self, live: list[str], fresh: dict[str, bytes]) -> None:
        """Add the entries this build made (``fresh``); rewrite the file with only the
        ``live`` modules' entries when it holds mostly dead ones or too many batches."""
        where = self._where
        if where and self.batches < MAX_BATCHES and len(where) + len(fresh) <= 2 * len(live) + 64:
            if fresh:  # a later batch's entry wins over an earlier one with the same key
                # written where the whole batches end, not after a tail a crash cut short
                # (the tail's length fields would swallow the new batch)
                fd = os.open(self.path, os.O_WRONLY | os.O_CLOEXEC)
                try:
                    write_all(fd, _batch(fresh), self._end)
                finally:
                    os.close(fd)
            return
        entries = {}
        for k in live:
            data = fresh.get(k) or self.get(k)
            if data is not None:
                entries[k] = data
        # rare (one build in 16 at most), so the shared writer's imports and fsync are fine
        from deepoc.fsutil import atomic_write_bytes

        atomic_write_bytes(self.path, _frame(self._header) + _batch(entries))
