"""Issue 17 on real git: one hostile module never breaks the others.

One catalog of hostile modules (each a real repository baked from the template) and one
good module, synced once with the real CLI, then rendered by ``site build``. Each case
asserts its module's one-line reason; all of them assert exit code 3 (some failed, catalog
written), the good module synced, strict JSON written, no internal error, nothing written
outside the outputs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from deepoc.catalog import git as catalog_git
from deepoc.cli import main
from deepoc.limits import MAX_BUILD_JSON_BYTES, MAX_METADATA_BYTES

from .conftest import ModuleFactory, git

pytestmark = pytest.mark.xdist_group("catalog-hostile")


def strict_loads(text: str):
    def refuse(name: str):
        raise ValueError(f"{name} is not strict JSON")

    return json.loads(text, parse_constant=refuse)


def _splice(base: bytes, fields: str) -> bytes:
    """metadata.json with ``fields`` (raw JSON text) as its last members, replacing a
    member of the same name."""
    data = json.loads(base)
    data.pop(json.loads("{" + fields.split(":", 1)[0] + ": 0}").popitem()[0], None)
    text = json.dumps(data, indent=2).rstrip().rstrip("}")
    return (text + ",\n  " + fields + "\n}\n").encode()


def _pad_json(size: int) -> bytes:
    """A valid build.json of exactly ``size`` bytes."""
    head = b'{"base_image": "deephdc/deep-oc-generic", "cpu_tag": "latest"'
    return head + b" " * (size - len(head) - 2) + b"}\n"


BOMB_YAML = b"metadata_version: 2.0.0\ntitle: bomb\n" + b"".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [".encode()
    + b", ".join([f"*{chr(96 + i)}".encode() if i else b"lol"] * 10) + b"]\n"
    for i in range(9)
)

# name -> (files to commit, words the module's reason must contain); metadata.json is the
# baked one unless given (None deletes it)
CASES: dict[str, tuple[dict[str, bytes | None] | str, tuple[str, ...]]] = {
    "surr_title": ('"title": "Demo \\ud800 module"', ("cannot be encoded as UTF-8", "U+D800")),
    "surr_key": ('"x\\udfffy": 1', ("cannot be encoded as UTF-8",)),
    "surr_nested": ('"extra": {"a": [{"b": "\\udbff"}]}', ("cannot be encoded as UTF-8",)),
    "inf_float": ('"x": 1e999999', ("too large for a 64-bit float",)),
    "neg_inf": ('"x": [-Infinity]', ("NaN and Infinity are not JSON numbers",)),
    "nan": ('"x": {"y": NaN}', ("NaN and Infinity",)),
    "long_int": ('"x": ' + "9" * 5000, ("5000 digits is too long",)),
    "long_int_101": ('"x": ' + "1" * 101, ("101 digits is too long",)),
    "yaml_inf": ({"metadata.json": None,
                  "ai4-metadata.yml": b"metadata_version: 2.0.0\ntitle: x\nscore: .inf\n"},
                 ("ai4-metadata.yml", "not a JSON number")),
    "yaml_bomb": ({"metadata.json": None, "ai4-metadata.yml": BOMB_YAML},
                  ("alias bomb",)),
    "yaml_self": ({"metadata.json": None,
                   "ai4-metadata.yml": b"metadata_version: 2.0.0\ntitle: &t [*t]\n"},
                  ("recursive YAML alias",)),
    "big_build": ({"build.json": _pad_json(MAX_BUILD_JSON_BYTES + 1)},
                  ("build.json", "too large", "1,048,577 bytes", "limit 1.0 MiB",
                   "not read")),
    "big_meta": ({"metadata.json": b"{" + b" " * (3 * MAX_METADATA_BYTES) + b"}"},
                 ("metadata.json", "too large", "3.0 MiB", "limit 1.0 MiB")),
}
# hostile but harmless: these modules must sync fine
FINE: dict[str, dict[str, bytes | None] | str] = {
    "int_100": '"x": ' + "9" * 100,
    "build_at_limit": {"build.json": _pad_json(MAX_BUILD_JSON_BYTES)},
    "odd_text": '"x": "nul \\u0000 bidi \\u202e\\u2066 ctl \\u001b[31m nonchar \\uffff '
                'pair \\ud83d\\ude00 <script>alert(1)</script>"',
    "many_keys": ", ".join(f'"k{i}": {i}' for i in range(250)),
    # build.json is advisory: unrepresentable values there are a warning, no build data
    "build_nan": {"build.json": b'{"base_image": "x", "cpu_tag": NaN}'},
    "build_surr": {"build.json": b'{"base_image": "x\\ud800"}'},
    "build_huge": {"build.json": b'{"n": 1e999999}'},
}
BAD_URLS = {
    "a.ext::sh": "transport syntax 'a.ext::'",
    "x.y::/path": "transport syntax 'x.y::'",
    "ext::sh -c touch% {marker}": "transport syntax 'ext::'",
    "-u{marker}": "starts with '-'",
    "http://github.com/o/DEEP-OC-plainhttp": "'http://' is not allowed",
}


@dataclass
class Run:
    root: Path
    work: Path
    code: int
    out: str
    err: str
    catalog: dict
    catalog_text: str
    by_url: dict[str, dict]
    repos: dict[str, Path]
    site_code: int
    site: Path
    before: set[str]
    after: set[str]
    marker: Path


def _tree(root: Path, skip: tuple[Path, ...]) -> set[str]:
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) not in skip]
        out.update(str(Path(dirpath, f).relative_to(root)) for f in filenames)
    return out


def _make(f: ModuleFactory, root: Path, name: str, spec) -> Path:
    repo = f.make(f"DEEP-OC-{name}", where=root)
    for branch in ("master", "test"):
        if isinstance(spec, str):
            git("checkout", "--quiet", branch, cwd=repo)
            base = (repo / "metadata.json").read_bytes()
            f.commit_files(repo, branch, {"metadata.json": _splice(base, spec)})
        else:
            f.commit_files(repo, branch, spec)
    return repo


@pytest.fixture(scope="module")
def hostile(module_factory: ModuleFactory, tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("hostile")
    repos_dir = root / "repos"
    repos_dir.mkdir()
    repos = {"good": module_factory.make("DEEP-OC-good", where=repos_dir)}
    for name, (spec, _words) in CASES.items():
        repos[name] = _make(module_factory, repos_dir, name, spec)
    for name, spec in FINE.items():
        repos[name] = _make(module_factory, repos_dir, name, spec)
    marker = root / "pwned"
    lines = [f"- module: {p}" for p in repos.values()]
    lines += [f"- module: '{u.format(marker=marker)}'" for u in BAD_URLS]
    yml = root / "MODULES.yml"
    yml.write_text("---\n" + "\n".join(lines) + "\n")
    work, site = root / "work", root / "site"
    before = _tree(root, (work, site))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["catalog", "sync", str(yml), "--workdir", str(work), "--allow-local"])
        site_code = main(["site", "build", "--catalog", str(work / "catalog.json"),
                          "-o", str(site), "-q"])
    text = (work / "catalog.json").read_text(encoding="utf-8")
    catalog = strict_loads(text)
    return Run(root, work, code, out.getvalue(), err.getvalue(), catalog, text,
               {m["url"]: m for m in catalog["modules"]}, repos, site_code, site, before,
               _tree(root, (work, site)), marker)


def _module(run: Run, name: str) -> dict:
    return run.by_url[str(run.repos[name])]


def test_the_run_as_a_whole(hostile: Run) -> None:
    assert hostile.code == 3, hostile.out + hostile.err
    assert "internal error" not in hostile.out + hostile.err
    assert hostile.site_code == 0, hostile.err
    assert (hostile.site / "index.html").is_file()
    # nothing written outside work/ and site/ (site build keeps its lock beside site/)
    assert hostile.after - {".site.lock"} == hostile.before
    assert not hostile.marker.exists()  # no ext:: command ran
    assert len(hostile.catalog["modules"]) == len(hostile.repos) + len(BAD_URLS)
    strict_loads((hostile.work / "modules.lock").read_text(encoding="utf-8"))
    hostile.catalog_text.encode("utf-8")


@pytest.mark.parametrize("name", ["good", *FINE])
def test_harmless_modules_sync(hostile: Run, name: str) -> None:
    m = _module(hostile, name)
    assert m["status"] == "ok", m["reason"]
    assert all(b["valid"] for b in m["branches"].values())


def test_many_keys_are_capped_in_the_catalog(hostile: Run) -> None:
    rec = _module(hostile, "many_keys")["branches"]["master"]
    assert len(rec["warnings"]) == 101
    assert rec["warnings"][-1]["message"] == "... and 150 more warnings"


@pytest.mark.parametrize("name", ["build_nan", "build_surr", "build_huge"])
def test_unrepresentable_build_json_is_a_warning(hostile: Run, name: str) -> None:
    rec = _module(hostile, name)["branches"]["master"]
    assert rec["build"] is None
    (warning,) = [w for w in rec["warnings"] if w["path"] == "build.json"]
    assert warning["message"].startswith("build.json is not valid JSON: ")
    assert warning["line"] == 1


def test_odd_text_survives_to_the_catalog(hostile: Run) -> None:
    meta = _module(hostile, "odd_text")["branches"]["master"]["metadata"]
    assert "\u202e" in meta["x"] and "\x00" in meta["x"] and "\U0001F600" in meta["x"]


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_module_fails_alone_with_its_reason(hostile: Run, name: str) -> None:
    m = _module(hostile, name)
    assert m["status"] in ("invalid", "error")
    reason = m["reason"]
    assert reason and "\n" not in reason and "internal error" not in reason
    for word in CASES[name][1]:
        assert word in reason, reason
    assert f"failed: {name}: " in hostile.out
    for rec in m["branches"].values():
        assert rec["metadata"] is None and not rec["valid"]


@pytest.mark.parametrize("url", list(BAD_URLS))
def test_refused_urls_fail_alone_without_running_git(hostile: Run, url: str) -> None:
    m = hostile.by_url.get(url.format(marker=hostile.marker))
    assert m is not None, sorted(hostile.by_url)
    assert m["status"] == "error" and m["mirror"] is None and m["branches"] == {}
    assert m["reason"].startswith("URL refused: ") and BAD_URLS[url] in m["reason"]


def test_blob_over_the_limit_is_never_read(hostile: Run) -> None:
    mirror = hostile.work / "mirrors" / "big_build.git"
    head = git("rev-parse", "master", cwd=mirror).strip()
    _time, blobs = catalog_git.cat_files(mirror, head, ["build.json", "metadata.json"])
    big, meta = blobs
    assert big.data is None and big.too_large
    assert (big.size, big.limit) == (MAX_BUILD_JSON_BYTES + 1, MAX_BUILD_JSON_BYTES)
    assert meta.data is not None and not meta.too_large


def test_without_allow_local_nothing_local_is_read(hostile: Run, tmp_path: Path) -> None:
    yml = tmp_path / "MODULES.yml"
    yml.write_text(f"- module: {hostile.repos['good']}\n"
                   f"- module: file://{hostile.repos['int_100']}\n")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["catalog", "sync", str(yml), "--workdir", str(tmp_path / "w")])
    assert code == 3
    catalog = strict_loads((tmp_path / "w" / "catalog.json").read_text())
    assert [m["status"] for m in catalog["modules"]] == ["error", "error"]
    assert all("--allow-local" in m["reason"] for m in catalog["modules"])
    assert "0 ls-remote, 0 fetch(es)" in out.getvalue()
    assert not (tmp_path / "w" / "mirrors").exists()


def test_git_itself_refuses_helpers_and_local_transports(hostile: Run, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for url in (f"ext::sh -c touch% {marker}", f"ext::sh -c touch% {marker}% #"):
        for allow_local in (False, True):
            with pytest.raises(catalog_git.GitError, match="not allowed"):
                catalog_git.ls_remote_heads(url, timeout=30, allow_local=allow_local)
            with pytest.raises(catalog_git.GitError, match="not allowed"):
                catalog_git.fetch(tmp_path / "m.git", url, ["master"], timeout=30,
                                  allow_local=allow_local)
    with pytest.raises(catalog_git.GitError, match="transport 'file' not allowed"):
        catalog_git.ls_remote_heads(f"file://{hostile.repos['good']}", timeout=30)
    assert not marker.exists()
