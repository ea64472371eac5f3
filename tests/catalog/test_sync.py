"""catalog sync on real repositories baked from the template.

One scenario, three syncs: a first sync of a mixed catalog (valid modules over a local
path, file:// and git daemon; invalid, unparseable, unreachable, no test branch), a second
after changes (one metadata edited, one turned invalid, one repo deleted, one entry
removed, one branch deleted), and a third with nothing changed.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from deepoc.catalog.sync import SyncResult, sync
from deepoc.errors import DeepOCError

from .conftest import ModuleFactory, closed_port_url, git

pytestmark = pytest.mark.xdist_group("catalog-sync")

BROKEN = b'{\n  "title": "broken",\n  "summary": \n'
V2 = (
    Path(__file__).resolve().parents[3]
    / "shared/corpus/metadata/files"
    / "ai4os-hub+ai4os-audio-classification-tf__441d495__ai4-metadata.yml"
)


@dataclass
class Scenario:
    workdir: Path
    modules_yml: Path
    repos: dict[str, Path]
    first: SyncResult
    first_catalog: dict
    first_lock: dict
    second: SyncResult
    second_catalog: dict
    third: SyncResult
    third_catalog: dict
    lock_stable: bool
    edited_commit: str
    heads_before: dict[str, str]


def _catalog(workdir: Path) -> dict:
    return json.loads((workdir / "catalog.json").read_text())


def _by_name(catalog: dict) -> dict[str, dict]:
    return {m["name"]: m for m in catalog["modules"]}


def _entries(items: list[str]) -> str:
    return "---\n# test catalog\n" + "".join(f"- module: {u}\n" for u in items)


@pytest.fixture(scope="module")
def scenario(module_factory: ModuleFactory, git_daemon, tmp_path_factory) -> Scenario:
    f = module_factory
    served, port = git_daemon
    root = tmp_path_factory.mktemp("scenario")
    repos = {
        "alpha": f.make("DEEP-OC-alpha", where=root),
        "beta": f.make("DEEP-OC-beta", where=root),
        "gamma": f.make("DEEP-OC-gamma", where=served),
        "invalid": f.make("DEEP-OC-invalid", where=root, metadata=lambda d: {**d, "title": 42}),
        "unparse": f.make("DEEP-OC-unparse", where=root, metadata=BROKEN),
        "notest": f.make("DEEP-OC-notest", where=root, branches=("master",)),
        "edited": f.make("DEEP-OC-edited", where=root),
        "goes_bad": f.make("DEEP-OC-goes_bad", where=root),
        "deleted": f.make("DEEP-OC-deleted", where=root),
        "dropped": f.make("DEEP-OC-dropped", where=root),
        "loses_test": f.make("DEEP-OC-loses_test", where=root),
        "nometa": f.make("DEEP-OC-nometa", where=root),
        "v2": f.make("DEEP-OC-v2", where=root),
    }
    f.commit_files(repos["nometa"], "master", {"metadata.json": None})
    f.commit_files(
        repos["v2"], "master", {"metadata.json": None, "ai4-metadata.yml": V2.read_bytes()}
    )
    lines = [
        str(repos["alpha"]) + "/",  # a defect sync tolerates: normalised
        f"file://{repos['beta']}",
        f"git://127.0.0.1:{port}/DEEP-OC-gamma",
        str(repos["invalid"]),
        "./DEEP-OC-unparse",  # relative to MODULES.yml
        closed_port_url("DEEP-OC-unreachable"),
        str(root / "DEEP-OC-nowhere"),
        str(repos["notest"]),
        str(repos["edited"]),
        str(repos["goes_bad"]),
        str(repos["deleted"]),
        str(repos["dropped"]),
        str(repos["loses_test"]),
        str(repos["nometa"]),
        str(repos["v2"]),
    ]
    modules_yml = root / "MODULES.yml"
    modules_yml.write_text(_entries(lines))
    workdir = root / "work"

    first = sync(modules_yml, workdir, jobs=4, allow_local=True)
    first_catalog = _catalog(workdir)
    first_lock = json.loads((workdir / "modules.lock").read_text())

    heads_before = {n: git("rev-parse", "master", cwd=p).strip() for n, p in repos.items()}
    edited_commit = f.edit(repos["edited"], "master")
    f.edit(repos["goes_bad"], "master", metadata=lambda d: {**d, "title": ["not", "a", "str"]})
    shutil.rmtree(repos["deleted"])
    git("branch", "-D", "test", cwd=repos["loses_test"])
    lines.remove(str(repos["dropped"]))
    modules_yml.write_text(_entries(lines))

    second = sync(modules_yml, workdir, jobs=4, allow_local=True)
    second_catalog = _catalog(workdir)
    second_lock = (workdir / "modules.lock").read_bytes()
    third = sync(modules_yml, workdir, jobs=2, allow_local=True)
    lock_stable = (workdir / "modules.lock").read_bytes() == second_lock
    third_catalog = _catalog(workdir)
    return Scenario(
        workdir,
        modules_yml,
        repos,
        first,
        first_catalog,
        first_lock,
        second,
        second_catalog,
        third,
        third_catalog,
        lock_stable,
        edited_commit,
        heads_before,
    )


def test_valid_modules_over_path_file_url_and_git_daemon(scenario: Scenario) -> None:
    mods = _by_name(scenario.first_catalog)
    for name in ("alpha", "beta", "gamma"):
        m = mods[name]
        assert m["status"] == "ok" and m["reason"] is None and m["stale"] is False
        assert set(m["branches"]) == {"master", "test"}
        master = m["branches"]["master"]
        assert master["status"] == "ok" and master["valid"] is True and master["errors"] == []
        assert master["metadata_file"] == "metadata.json"
        assert master["metadata_hash"].startswith("sha256:")
        assert master["metadata"]["title"] == f"DEEP-OC-{name} (master)"
        assert master["commit"] == scenario.heads_before[name]
        assert master["code_repo"] == master["metadata"]["sources"]["code"]
        assert master["build"]["build_version"] == 1
        assert master["created"] <= master["updated"] <= master["commit_time"]
        assert m["mirror"] == f"mirrors/{name}.git"
        assert (scenario.workdir / m["mirror"] / "HEAD").is_file()
        assert m["branches"]["test"]["metadata"]["title"] == f"DEEP-OC-{name} (test)"
    assert mods["alpha"]["url"] == str(scenario.repos["alpha"])  # trailing / normalised
    assert mods["gamma"]["url"].startswith("git://127.0.0.1:")


def test_catalog_keeps_file_order_and_entry_lines(scenario: Scenario) -> None:
    names = [m["name"] for m in scenario.first_catalog["modules"]]
    assert names[:5] == ["alpha", "beta", "gamma", "invalid", "unparse"]
    assert [m["entry_line"] for m in scenario.first_catalog["modules"]][:3] == [3, 4, 5]
    assert scenario.first_catalog["catalog_version"] == 1
    assert scenario.first_catalog["source"] == "MODULES.yml"


def test_invalid_metadata_recorded_with_all_errors(scenario: Scenario) -> None:
    m = _by_name(scenario.first_catalog)["invalid"]
    assert m["status"] == "invalid"
    master = m["branches"]["master"]
    assert master["status"] == "invalid" and master["valid"] is False
    assert master["errors"] and any("title" in e["path"] for e in master["errors"])
    assert "metadata.json" in master["reason"] and "invalid" in master["reason"]
    assert "invalid" in [o.name for o in scenario.first.failed]


def test_unparseable_metadata(scenario: Scenario) -> None:
    m = _by_name(scenario.first_catalog)["unparse"]
    assert m["status"] == "invalid"
    master = m["branches"]["master"]
    assert master["valid"] is False and master["metadata"] is None
    assert "does not parse" in master["reason"]
    assert master["errors"][0]["line"] is not None


def test_unreachable_urls_fail_fast_with_reason(scenario: Scenario) -> None:
    mods = _by_name(scenario.first_catalog)
    for name in ("unreachable", "nowhere"):
        m = mods[name]
        assert m["status"] == "error" and m["branches"] == {} and m["mirror"] is None
        assert m["reason"].startswith("unreachable: ")
    failed = {o.name for o in scenario.first.failed}
    assert failed == {"invalid", "unparse", "unreachable", "nowhere", "nometa"}


def test_missing_test_branch_is_recorded_not_fatal(scenario: Scenario) -> None:
    m = _by_name(scenario.first_catalog)["notest"]
    assert m["status"] == "ok"
    assert m["branches"]["master"]["status"] == "ok"
    test = m["branches"]["test"]
    assert (test["commit"], test["status"], test["reason"]) == (
        None,
        "missing",
        "no branch test on the remote",
    )
    assert test["valid"] is False and test["metadata"] is None and test["errors"] == []


def test_missing_metadata_file(scenario: Scenario) -> None:
    m = _by_name(scenario.first_catalog)["nometa"]
    assert m["status"] == "invalid"
    master = m["branches"]["master"]
    assert master["status"] == "missing" and master["metadata_file"] is None
    assert master["commit"] == scenario.heads_before["nometa"]
    assert "has no ai4-metadata.yml or ai4-metadata.json or metadata.json" in master["reason"]
    assert m["branches"]["test"]["status"] == "ok"


def test_ai4_metadata_yml_v2(scenario: Scenario) -> None:
    m = _by_name(scenario.first_catalog)["v2"]
    assert m["status"] == "ok"
    master = m["branches"]["master"]
    assert master["metadata_file"] == "ai4-metadata.yml"
    assert master["schema_version"].startswith("2.")
    assert master["code_repo"] == master["metadata"]["links"]["source_code"]
    json.dumps(master["metadata"])  # dates from YAML became strings
    assert m["branches"]["test"]["metadata_file"] == "metadata.json"


def test_lock_records_url_branch_commit_hash(scenario: Scenario) -> None:
    lock = scenario.first_lock
    assert lock["lock_version"] == 1
    alpha = lock["modules"]["alpha"]
    assert alpha["url"] == str(scenario.repos["alpha"])
    cat = _by_name(scenario.first_catalog)["alpha"]["branches"]
    for b in ("master", "test"):
        assert alpha["branches"][b] == {
            "commit": cat[b]["commit"],
            "metadata_hash": cat[b]["metadata_hash"],
        }
    assert "unreachable" not in lock["modules"]
    assert set(lock["modules"]["notest"]["branches"]) == {"master"}


def test_first_sync_reads_everything_once(scenario: Scenario) -> None:
    s = scenario.first.stats
    assert s.ls_remote == 15
    assert s.fetches == 13  # every reachable module once
    assert s.reused_branches == 0
    assert s.read_branches == 25  # 12 modules x 2 branches + notest's master
    assert s.parses == 24  # nometa's master has nothing to parse


def test_only_changed_metadata_is_reread(scenario: Scenario) -> None:
    second = scenario.second
    s = second.stats
    assert s.ls_remote == 14  # one remote call per module, 'dropped' is gone
    by = {o.name: o for o in second.modules}
    assert by["edited"].read_branches == ["master"]
    assert by["goes_bad"].read_branches == ["master"]
    reread = sorted(o.name for o in second.modules if o.read_branches)
    assert reread == ["edited", "goes_bad"]
    assert s.fetches == 2 and s.parses == 2 and s.read_branches == 2
    assert by["alpha"].fetched is False and by["alpha"].changed is False
    m = _by_name(scenario.second_catalog)["edited"]
    assert m["status"] == "ok"
    assert m["branches"]["master"]["commit"] == scenario.edited_commit
    assert m["branches"]["master"]["updated"] >= m["branches"]["master"]["created"]
    assert m["branches"]["test"] == _by_name(scenario.first_catalog)["edited"]["branches"]["test"]


def test_turned_invalid_keeps_last_good_entry_stale(scenario: Scenario) -> None:
    before = _by_name(scenario.first_catalog)["goes_bad"]["branches"]["master"]
    m = _by_name(scenario.second_catalog)["goes_bad"]
    assert m["status"] == "stale" and m["stale"] is True
    master = m["branches"]["master"]
    assert master["status"] == "stale"
    assert master["commit"] == before["commit"] and master["metadata"] == before["metadata"]
    assert master["failure"]["status"] == "invalid" and master["failure"]["errors"]
    assert master["failure"]["commit"] != before["commit"]
    assert "invalid" in m["reason"]


def test_deleted_repo_keeps_last_good_entry_stale(scenario: Scenario) -> None:
    before = _by_name(scenario.first_catalog)["deleted"]
    m = _by_name(scenario.second_catalog)["deleted"]
    assert m["status"] == "stale" and m["stale"] is True
    assert m["reason"].startswith("unreachable: ")
    assert m["branches"] == before["branches"]


def test_vanished_branch_is_stale_and_fails(scenario: Scenario) -> None:
    m = _by_name(scenario.second_catalog)["loses_test"]
    assert m["status"] == "stale"
    test = m["branches"]["test"]
    assert test["status"] == "stale" and "vanished" in test["reason"]
    assert (
        test["commit"]
        == _by_name(scenario.first_catalog)["loses_test"]["branches"]["test"]["commit"]
    )
    assert m["branches"]["master"]["status"] == "ok"


def test_removed_module_dropped_and_reported(scenario: Scenario) -> None:
    assert scenario.second.removed == ["dropped"]
    assert "dropped" not in _by_name(scenario.second_catalog)
    assert not (scenario.workdir / "mirrors" / "dropped.git").exists()
    assert scenario.third.removed == []


def test_second_sync_failures(scenario: Scenario) -> None:
    failed = {o.name for o in scenario.second.failed}
    assert failed == {
        "invalid",
        "unparse",
        "unreachable",
        "nowhere",
        "goes_bad",
        "deleted",
        "loses_test",
        "nometa",
    }


def test_no_change_resync_costs_one_call_per_module(scenario: Scenario) -> None:
    s = scenario.third.stats
    assert s.ls_remote == 14
    assert s.fetches == 0 and s.parses == 0 and s.logs == 0 and s.read_branches == 0
    assert scenario.lock_stable  # same state, same bytes: a committed lock does not churn
    a = dict(scenario.second_catalog, generated=None)
    b = dict(scenario.third_catalog, generated=None)
    assert a == b


def test_only_syncs_named_modules(scenario: Scenario, tmp_path: Path) -> None:
    workdir = tmp_path / "w"
    shutil.copytree(scenario.workdir, workdir)
    result = sync(scenario.modules_yml, workdir, only=["alpha"], allow_local=True)
    assert [o.name for o in result.modules] == ["alpha"]
    assert result.stats.ls_remote == 1
    assert _catalog(workdir)["modules"] == scenario.third_catalog["modules"]
    with pytest.raises(DeepOCError, match="no such module"):
        sync(scenario.modules_yml, workdir, only=["nope"], allow_local=True)


def test_strict_writes_nothing(scenario: Scenario, tmp_path: Path) -> None:
    workdir = tmp_path / "w"
    shutil.copytree(scenario.workdir, workdir)
    before = (workdir / "catalog.json").read_bytes()
    with pytest.raises(DeepOCError, match="--strict"):
        sync(scenario.modules_yml, workdir, strict=True, allow_local=True)
    assert (workdir / "catalog.json").read_bytes() == before
