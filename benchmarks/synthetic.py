"""Synthetic catalogs in the catalog.json / builds.json formats, for tests and benchmarks.

Deterministic (seeded) so two runs render the same site; sizes go from a handful of modules
to tens of thousands without touching git or Docker.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone
from typing import Any

_WORDS = (
    "image segmentation classification detection audio speech text language plant leaf "
    "disease satellite ocean climate forecast anomaly medical tumour retina cell microscopy "
    "species bird insect fish coral vessel sound noise weather flood fire crop soil yield "
    "transformer convolutional recurrent network model training inference dataset labels "
    "transfer learning embedding clustering regression tabular graph video tracking pose "
    "galaxy particle physics chemistry protein genome molecule energy grid traffic city"
).split()
_LICENSES = ("MIT", "Apache 2.0", "BSD-3-Clause", "AGPL-3.0-only")
# Descriptions draw from a Zipf-like vocabulary: the domain words above are the common ones,
# then thousands of rarer made-up words. Real module descriptions look like that (the
# shared corpus: 63 modules, 2,131 distinct terms, about 114 distinct terms per module).
_VRNG = random.Random(7)
_VOCAB = list(_WORDS) + ["".join(_VRNG.choices("abcdefghijklmnopqrstuvwxyz", k=_VRNG.randint(5, 9)))
                         for _ in range(8000)]
_CUM: list[float] = []
_acc = 0.0
for _rank in range(len(_VOCAB)):
    _acc += 1.0 / (_rank + 1)
    _CUM.append(_acc)


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(_VOCAB, cum_weights=_CUM, k=n)).capitalize() + "."


def module_entry(i: int, rng: random.Random, base: datetime) -> dict[str, Any]:
    """One catalog.json module entry with valid v1 metadata on master."""
    name = f"mod_{i:05d}"
    kws = sorted({rng.choice(_WORDS) for _ in range(rng.randint(2, 5))})
    kws.append(f"topic-{i % 97}")
    kind = rng.random()
    if kind < 0.5:
        kws += ["trainable", "inference"]
    elif kind < 0.8:
        kws += ["inference", "pre-trained"]
    else:
        kws += ["trainable"]
    created = base + timedelta(hours=i * 7)
    updated = created + timedelta(days=rng.randint(0, 300))
    meta = {
        "title": f"{' '.join(rng.choice(_WORDS) for _ in range(3)).capitalize()} {i}",
        "summary": _sentence(rng, 12),
        "description": [_sentence(rng, 45) for _ in range(3)],
        "keywords": kws,
        "license": rng.choice(_LICENSES),
        "date_creation": created.strftime("%Y-%m-%d"),
        "sources": {
            "dockerfile_repo": f"https://github.com/example/DEEP-OC-{name}",
            "docker_registry_repo": f"deephdc/{name}",
            "code": f"https://github.com/example/{name}",
        },
        "dataset_url": f"https://zenodo.org/records/{1000 + i}",
    }
    commit = hashlib.sha1(name.encode()).hexdigest()
    return {
        "name": name, "url": f"https://github.com/example/DEEP-OC-{name}", "entry_line": i + 1,
        "mirror": f"mirrors/{name}.git", "status": "ok", "reason": None, "stale": False,
        "branches": {"master": {
            "commit": commit, "commit_time": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "metadata_file": "metadata.json",
            "metadata_hash": "sha256:" + hashlib.sha256(repr(meta).encode()).hexdigest(),
            "schema_version": "1.0.0", "valid": True, "errors": [], "warnings": [],
            "metadata": meta, "code_repo": meta["sources"]["code"],
            "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "updated": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "build": {"build_version": 1, "image": f"deephdc/{name}", "base_image": "x",
                      "cpu_tag": "cpu", "gpu_tag": "gpu", "build_args": {}},
            "status": "ok", "reason": None}},
    }


def build_records(entry: dict[str, Any], rng: random.Random, registry: str = "localhost:5000",
                  branch: str = "master") -> list[dict[str, Any]]:
    """builds.json records for a module: CPU mostly pushed, GPU sometimes, a few failures."""
    out = []
    name = entry["name"]
    commit = entry["branches"][branch]["commit"]
    for variant, chance in (("cpu", 0.9), ("gpu", 0.5)):
        r = rng.random()
        if r > chance:
            continue
        status = "failed" if r > chance - 0.05 else rng.choice(("pushed", "reused"))
        tags = [] if status == "failed" else (
            ["latest", "cpu", f"{commit[:7]}_7", commit[:7]] if variant == "cpu"
            else ["gpu", f"{commit[:7]}_7-gpu"])
        out.append({
            "module": name, "branch": branch, "git_tag": None, "variant": variant,
            "commit": commit, "build_number": "7", "image": f"{registry}/deephdc/{name}",
            "tags": tags, "digest": "sha256:" + hashlib.sha256(name.encode()).hexdigest(),
            "build_key": "sha256:" + "0" * 64, "status": status,
            "reason": "docker build failed at step 5" if status == "failed" else None,
            "duration": 12.3, "log": f"logs/{name}-{branch}-{variant}.log",
            "time": "2026-11-20T10:00:00Z"})
    return out


def catalog(n: int, seed: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    """A catalog.json and builds.json pair with ``n`` valid modules."""
    rng = random.Random(seed)
    base = datetime(2019, 1, 1, tzinfo=timezone.utc)
    modules = [module_entry(i, rng, base) for i in range(n)]
    records = [rec for m in modules for rec in build_records(m, rng)]
    cat = {"catalog_version": 1, "generated": "2026-11-21T12:00:00Z", "source": "MODULES.yml",
           "modules": modules}
    builds = {"builds_version": 1, "updated": "2026-11-21T12:00:00Z", "builds": records}
    return cat, builds


#: facet value counts of a synthetic AI4OS catalog: about the real one's (46 modules:
#: 6 libraries, 12 tasks, 3 categories, 8 data types, some 80 tags) with room to grow
V2_VALUES = {"libraries": 8, "tasks": 15, "categories": 3, "data-type": 8, "tags": 80}
_CATEGORIES = ("AI4 trainable", "AI4 inference", "AI4 pre trained")


def _name(offset: int, v: int) -> str:
    """The ``v``-th value of a facet: words of the vocabulary (so slugs start with many
    different letters, as real values do), two words past its end."""
    if offset + v < len(_VOCAB):
        return _VOCAB[offset + v]
    return f"{_VOCAB[v % len(_VOCAB)]} {_VOCAB[(v // len(_VOCAB) + offset) % len(_VOCAB)]}"


def _zipf_pick(rng: random.Random, n_values: int, k: int) -> list[int]:
    weights = [1.0 / (r + 1) for r in range(n_values)]
    return sorted(set(rng.choices(range(n_values), weights=weights, k=k)))


def v2_module_entry(i: int, rng: random.Random, base: datetime,
                    values: dict[str, int]) -> dict[str, Any]:
    """One catalog.json entry of an AI4OS module (v2 metadata on ``main``, its default
    branch), drawing its libraries, tasks, categories, data types and tags from ``values``
    distinct values each (a few common, many rare)."""
    entry = module_entry(i, rng, base)
    name = entry["name"]
    br = entry["branches"].pop("master")
    old = br["metadata"]
    meta = {
        "metadata_version": "2.0.0", "title": old["title"], "summary": old["summary"],
        "description": "\n\n".join(old["description"]),
        "dates": {"created": old["date_creation"], "updated": br["updated"][:10]},
        "links": {"source_code": f"https://github.com/example/{name}",
                  "docker_image": f"example/{name}", "ai4_template": "ai4-template/2.1.0"},
        "libraries": [_name(5000, v).capitalize()
                      for v in _zipf_pick(rng, values["libraries"], 2)],
        "tasks": [_name(6000, v).title() for v in _zipf_pick(rng, values["tasks"], 2)],
        "categories": [_CATEGORIES[v] if v < 3 else f"Category {_name(7000, v)}"
                       for v in _zipf_pick(rng, values["categories"], 2)],
        "data-type": [_name(7500, v).capitalize()
                      for v in _zipf_pick(rng, values["data-type"], 2)],
        "tags": [_name(0, v) for v in _zipf_pick(rng, values["tags"], 4)],
    }
    br.update(metadata=meta, metadata_file="ai4-metadata.yml", schema_version="2.0.0",
              license_file={"path": "LICENSE", "spdx_id": rng.choice(_LICENSES[:2] + (None,))},
              template="ai4-template/2.1.0")
    entry.update(url=f"https://github.com/example/{name}", default_branch="main",
                 branches={"main": br})
    return entry


def v2_catalog(n: int, values: dict[str, int] | None = None,
               seed: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    """A catalog.json and builds.json pair with ``n`` AI4OS (v2) modules."""
    rng = random.Random(seed)
    base = datetime(2019, 1, 1, tzinfo=timezone.utc)
    modules = [v2_module_entry(i, rng, base, values or V2_VALUES) for i in range(n)]
    records = [rec for m in modules for rec in build_records(m, rng, branch="main")]
    cat = {"catalog_version": 1, "generated": "2026-11-21T12:00:00Z", "source": "MODULES.yml",
           "modules": modules}
    builds = {"builds_version": 1, "updated": "2026-11-21T12:00:00Z", "builds": records}
    return cat, builds
