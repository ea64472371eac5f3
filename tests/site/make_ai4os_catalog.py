"""Write tests/site/data/ai4os-catalog.json from real AI4OS modules (run by hand, rarely).

The fixture is a catalog.json as ``deep-oc catalog sync`` writes it for AI4OS modules: each
module's real ``ai4-metadata.yml`` at its default branch (``main``), with the fields sync
adds for them (``default_branch``, ``metadata_file``, ``license_file`` for their LICENSE
files, ``template`` from ``links.ai4_template``). The mirrors are bare clones of
github.com/ai4os-hub/<name> under /work/.mirror; SPDX ids are what the LICENSE texts are
(read by hand), but for thermal-anomaly-segmenter, left unidentified (null) so the fixture
also has a LICENSE text no license id was found for.

    .venv/bin/python tests/site/make_ai4os_catalog.py [MIRRORS]
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).parent / "data" / "ai4os-catalog.json"
MODULES = {  # name -> SPDX id of its LICENSE (None: not identified)
    "ai4os-demo-app": "MIT", "ai4os-yolov8-torch": "AGPL-3.0", "dogs-breed-detector": "MIT",
    "ai4os-image-classification-tf": "Apache-2.0", "obj-detection-torch": "MIT",
    "ai4os-speech-to-text-tf": "Apache-2.0", "ai4os-fasterrcnn-torch": "MIT",
    "semseg-vaihingen": "MIT", "thermal-anomaly-segmenter": None, "satsr": "GPL-3.0",
    "sentinel-data-fusion": "MIT", "birds-audio-classification": "MIT",
    "zooprocess-multiple-classifier": "AGPL-3.0", "WITOIL-for-iMagine": "GPL-3.0",
    "thunderstorm-nowcast-microstep": "MIT",
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def entry(mirrors: Path, name: str, spdx: str | None, line: int) -> dict:
    repo = mirrors / f"ai4os-hub+{name}" / "repo"
    default = _git(repo, "symbolic-ref", "--short", "HEAD").strip()
    heads = _git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    raw = _git(repo, "show", f"{default}:ai4-metadata.yml")
    meta = yaml.safe_load(raw)
    commit, when = _git(repo, "log", "-1", "--format=%H %cI", default).split()
    dates = meta.get("dates") or {}
    branch = {
        "commit": commit, "commit_time": when, "metadata_file": "ai4-metadata.yml",
        "metadata_hash": "sha256:" + hashlib.sha256(raw.encode()).hexdigest(),
        "schema_version": "2.0.0", "valid": True, "errors": [], "warnings": [],
        "metadata": meta, "code_repo": (meta.get("links") or {}).get("source_code"),
        "created": f"{dates.get('created', '2024-01-01')}T00:00:00Z",
        "updated": f"{dates.get('updated', '2024-01-01')}T00:00:00Z",
        "build": None, "status": "ok", "reason": None, "template_version": None,
        "license_file": {"path": "LICENSE", "spdx_id": spdx},
        "template": (meta.get("links") or {}).get("ai4_template"),
    }
    branches = {default: branch}
    if "master" in heads and default != "master":  # an old branch the default must win over
        branches["master"] = dict(branch, metadata=dict(meta, title=meta["title"] + " (old)"))
    return {"name": name, "url": f"https://github.com/ai4os-hub/{name}", "entry_line": line,
            "mirror": f"mirrors/{name}.git", "status": "ok", "reason": None, "stale": False,
            "default_branch": default, "branches": branches}


def main() -> int:
    mirrors = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    modules = [entry(mirrors, name, spdx, i + 1) for i, (name, spdx) in
               enumerate(MODULES.items())]
    doc = {"catalog_version": 1, "generated": "2026-12-01T00:00:00Z", "source": "MODULES.yml",
           "modules": modules}
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(modules)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
