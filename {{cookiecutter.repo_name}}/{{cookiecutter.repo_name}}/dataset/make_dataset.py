"""Turn the raw data in ``data/raw`` into the data the model trains on.

Run it as ``python -m <package>.dataset.make_dataset``. The demo only lists the raw files.
"""

from __future__ import annotations

from pathlib import Path

from .. import config


def raw_files(folder: Path | None = None) -> list[Path]:
    """The raw data files, sorted, ignoring hidden files such as ``.gitkeep``."""
    folder = folder or config.RAW_DATA_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def main() -> None:
    files = raw_files()
    print(f"{len(files)} raw file(s) in {config.RAW_DATA_DIR}")


if __name__ == "__main__":
    main()
