"""The module cache file: indexed batches, later entries win, damage ends the file."""

from pathlib import Path

from deepoc.site.cache import MAX_BATCHES, ModuleCache


def _open(path: Path, key: str = "g") -> ModuleCache:
    return ModuleCache(str(path), key)


def test_batches_are_appended_and_later_entries_win(tmp_path: Path):
    path = tmp_path / "cache"
    c = _open(path)
    assert len(c) == 0 and c.get("a") is None
    c.save(["a", "b"], {"a": b"1", "b": b"22"})
    c.close()
    c = _open(path)
    assert (c.get("a"), c.get("b"), c.batches) == (b"1", b"22", 1)
    c.save(["a", "b"], {"a": b"333"})
    c.close()
    c = _open(path)
    assert (c.get("a"), c.get("b"), c.batches, len(c)) == (b"333", b"22", 2, 2)
    assert "a" in c and "z" not in c
    c.close()


def test_another_renderer_or_settings_start_over(tmp_path: Path):
    path = tmp_path / "cache"
    c = _open(path)
    c.save(["a"], {"a": b"1"})
    c.close()
    other = _open(path, "other settings")
    assert len(other) == 0 and other.get("a") is None
    other.save(["a"], {"a": b"2"})  # rewritten for the new settings
    other.close()
    assert _open(path, "other settings").get("a") == b"2"
    assert _open(path).get("a") is None


def test_a_batch_cut_short_ends_the_file(tmp_path: Path):
    path = tmp_path / "cache"
    c = _open(path)
    c.save(["a", "b"], {"a": b"1" * 100})
    c.close()
    c = _open(path)
    c.save(["a", "b"], {"b": b"2" * 100})
    c.close()
    whole = path.read_bytes()
    for cut in (1, 50, 100, 120):
        path.write_bytes(whole[:-cut])
        c = _open(path)
        assert c.get("a") == b"1" * 100 and c.get("b") is None and c.batches == 1
        c.close()


def test_compaction_keeps_only_live_entries(tmp_path: Path):
    path = tmp_path / "cache"
    for i in range(MAX_BATCHES + 1):
        c = _open(path)
        c.save([f"k{i}"], {f"k{i}": b"x" * 10})
        c.close()
    c = _open(path)
    assert c.batches <= 2 and c.get(f"k{MAX_BATCHES}") == b"x" * 10
    assert len(c) < MAX_BATCHES  # dead modules' entries were dropped on the way
    c.close()


def test_a_batch_after_a_cut_tail_replaces_it(tmp_path: Path):
    """A crash that cut the last batch short must not make the next batch unreadable: the
    new batch is written where the whole ones end."""
    path = tmp_path / "cache"
    c = _open(path)
    c.save(["a", "b", "c"], {"a": b"1" * 100})
    c.close()
    c = _open(path)
    c.save(["a", "b", "c"], {"b": b"2" * 100})
    c.close()
    path.write_bytes(path.read_bytes()[:-30])
    c = _open(path)
    c.save(["a", "b", "c"], {"c": b"3" * 100})
    c.close()
    c = _open(path)
    assert (c.get("a"), c.get("b"), c.get("c"), c.batches) == (b"1" * 100, None, b"3" * 100, 2)
    c.close()
