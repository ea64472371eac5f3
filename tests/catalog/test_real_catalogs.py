"""Issue 22 on real git: catalogs as they are today (the AI4OS modules catalog) sync
without hand edits.

Module repositories are bare remotes as a hosting service keeps them (HEAD names the
default branch), served as local paths and by a real ``git daemon`` on 127.0.0.1; the
metadata files are real AI4OS ones from the shared corpus.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from deepoc.catalog.sync import sync, template_of_record
from deepoc.cli import main
from deepoc.limits import MAX_LICENSE_BYTES, MAX_TEMPLATE_CHARS

from .conftest import ModuleFactory

pytestmark = pytest.mark.xdist_group("catalog-sync")

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpus/metadata/files"
V2_YML = (CORPUS / "ai4os-hub+dogs-breed-detector__7ce1aa4__ai4-metadata.yml").read_bytes()
V1_JSON = (CORPUS / "ai4os-hub+dogs-breed-detector__bd14698__metadata.json").read_bytes()
LICENSES = Path(__file__).parent / "data" / "licenses"
MIT = (LICENSES / "MIT-dogs-breed-detector").read_bytes()
AGPL = (LICENSES / "AGPL-3.0-ai4os-yolov8-torch").read_bytes()


def ai4os_files(**extra: bytes | None) -> dict[str, bytes | None]:
    """An AI4OS module's files: both metadata files (v2 and the stale v1), a LICENSE."""
    return {"metadata.json": V1_JSON, "ai4-metadata.yml": V2_YML, "LICENSE": MIT, **extra}


def write_modules(path: Path, *entries: str) -> Path:
    path.write_text("---\n" + "".join(f"- module: {e}\n" for e in entries))
    return path


def by_name(workdir: Path) -> dict[str, dict]:
    catalog = json.loads((workdir / "catalog.json").read_text())
    return {m["name"]: m for m in catalog["modules"]}


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


# -- import, lint, sync -------------------------------------------------------------------
def test_import_lint_and_sync_a_catalog_of_the_real_shape(
    module_factory: ModuleFactory, git_daemon, tmp_path: Path
) -> None:
    served, port = git_daemon
    hub = served / "i22-import"
    for name in ("dogs-breed-detector", "fast-neural-transfer", "ai4os-yolov8-torch",
                 "plain-default"):
        module_factory.remote(hub / "ai4os-hub", name, files=ai4os_files())
    module_factory.remote(hub / "deephdc", "DEEP-OC-mods", branches=("master", "test"))
    base = f"git://127.0.0.1:{port}/i22-import"
    gitmodules = tmp_path / ".gitmodules"
    gitmodules.write_text(
        '[submodule "dogs-breed-detector"]\n'
        "\tpath = dogs-breed-detector\n"
        f"\turl = {base}/ai4os-hub/dogs-breed-detector.git\n"
        "\tbranch = main\n"
        '[submodule "fast-neural-transfer"]\n'
        "\tpath = fast-neural-transfer\n"
        f"\turl = {base}/ai4os-hub/fast-neural-transfer/\n"
        "\tbranch = main\n"
        '[submodule "DEEP-OC-mods"]\n'
        "\tpath = DEEP-OC-mods\n"
        f"\turl = {base}/deephdc/DEEP-OC-mods\n"
        "\tbranch = master\n"
        '[submodule "yolo"]\n'
        "\tpath = modules/ai4os-yolov8-torch\n"
        f"\turl = {base}/ai4os-hub/ai4os-yolov8-torch.git\n"
        "\tbranch = main\n"
        '[submodule "plain-default"]\n'
        "\tpath = plain-default\n"
        f"\turl = {base}/ai4os-hub/plain-default\n"
    )
    modules = tmp_path / "MODULES.yml"
    code, _out, err = run_cli("catalog", "import", str(gitmodules), "-o", str(modules),
                              "--allow-local")
    assert code == 0, err
    assert "\n  name: yolo\n" in modules.read_text()
    assert ".git\n" not in modules.read_text() and "/\n" not in modules.read_text()
    assert run_cli("catalog", "lint", str(modules), "--allow-local")[0] == 0
    work = tmp_path / "work"
    code, out, err = run_cli("catalog", "sync", str(modules), "--workdir", str(work),
                             "--allow-local")
    assert code == 0, out + err
    mods = by_name(work)
    assert sorted(mods) == ["dogs-breed-detector", "fast-neural-transfer", "mods",
                            "plain-default", "yolo"]
    assert list(mods["yolo"]["branches"]) == ["main"]
    assert list(mods["mods"]["branches"]) == ["master"]
    assert list(mods["plain-default"]["branches"]) == ["main", "test"]  # no branch =
    for name in ("dogs-breed-detector", "fast-neural-transfer", "yolo", "plain-default"):
        m = mods[name]
        assert m["status"] == "ok" and m["default_branch"] == "main", (name, m["reason"])
        main_rec = m["branches"]["main"]
        assert main_rec["metadata_file"] == "ai4-metadata.yml"
        assert main_rec["schema_version"].startswith("2.")
        assert main_rec["template"] == "ai4-template/2.0.0"
        assert main_rec["license_file"] == {"path": "LICENSE", "spdx_id": "MIT"}
    assert mods["mods"]["default_branch"] == "master"
    assert mods["mods"]["branches"]["master"]["metadata_file"] == "metadata.json"


# -- default branches ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def defaults(module_factory: ModuleFactory, git_daemon, tmp_path_factory):
    """Remotes whose default branch is main (and test), trunk (alone), master (and test)."""
    served, port = git_daemon
    where = served / "i22-defaults"
    remotes = {
        "main": module_factory.remote(where, "on-main")[0],
        "trunk": module_factory.remote(where, "on-trunk", branches=("trunk",))[0],
        "master": module_factory.remote(where, "on-master", branches=("master", "test"))[0],
    }
    return remotes, f"git://127.0.0.1:{port}/i22-defaults", tmp_path_factory.mktemp("def")


@pytest.mark.parametrize("transport", ["path", "git-daemon"])
def test_no_branches_follows_the_default_branch(defaults, transport: str) -> None:
    remotes, base, root = defaults
    urls = ([str(p) for p in remotes.values()] if transport == "path"
            else [f"{base}/{p.name}" for p in remotes.values()])
    yml = write_modules(root / f"MODULES-{transport}.yml", *urls)
    result = sync(yml, root / f"work-{transport}", allow_local=True)
    assert result.stats.ls_remote == 3  # one call per module answers heads and HEAD
    mods = by_name(root / f"work-{transport}")
    main_m, trunk_m, master_m = mods["on-main"], mods["on-trunk"], mods["on-master"]
    assert (main_m["default_branch"], trunk_m["default_branch"],
            master_m["default_branch"]) == ("main", "trunk", "master")
    assert main_m["status"] == trunk_m["status"] == master_m["status"] == "ok"
    assert {b: r["status"] for b, r in main_m["branches"].items()} == {"main": "ok",
                                                                       "test": "ok"}
    # no test branch: noted as for master repositories today, not a failure
    assert {b: r["status"] for b, r in trunk_m["branches"].items()} == {"trunk": "ok",
                                                                        "test": "missing"}
    notes = {o.name: o.notes for o in result.modules}
    assert notes["on-trunk"] == ["no branch test on the remote"]
    assert {b: r["status"] for b, r in master_m["branches"].items()} == {"master": "ok",
                                                                         "test": "ok"}


def test_a_master_remote_syncs_as_it_did_with_master_and_test(defaults) -> None:
    remotes, _base, root = defaults
    implicit = write_modules(root / "implicit.yml", str(remotes["master"]))
    explicit = root / "explicit.yml"
    explicit.write_text(f"- module: {remotes['master']}\n  branches: [master, test]\n")
    sync(implicit, root / "w-implicit", allow_local=True)
    sync(explicit, root / "w-explicit", allow_local=True)
    a, b = by_name(root / "w-implicit")["on-master"], by_name(root / "w-explicit")["on-master"]
    assert a["branches"] == b["branches"]
    assert a["default_branch"] == b["default_branch"] == "master"
    assert a["status"] == b["status"] == "ok"


@pytest.mark.parametrize("transport", ["path", "git-daemon"])
def test_a_default_branch_change_is_picked_up_by_the_next_sync(
    module_factory: ModuleFactory, git_daemon, tmp_path: Path, transport: str
) -> None:
    served, port = git_daemon
    bare, _work = module_factory.remote(served / f"i22-change-{transport}", "moving",
                                        branches=("master", "main", "test"))
    url = str(bare) if transport == "path" else \
        f"git://127.0.0.1:{port}/i22-change-{transport}/moving"
    yml = write_modules(tmp_path / "MODULES.yml", url)
    work = tmp_path / "work"
    sync(yml, work, allow_local=True)
    assert list(by_name(work)["moving"]["branches"]) == ["master", "test"]
    again = sync(yml, work, allow_local=True)  # no change: the fast path
    assert again.stats.fetches == 0 and again.stats.parses == 0
    module_factory.set_default(bare, "main")
    moved = sync(yml, work, allow_local=True)
    m = by_name(work)["moving"]
    assert m["default_branch"] == "main"
    assert list(m["branches"]) == ["main", "test"]
    assert m["branches"]["main"]["status"] == "ok"
    assert moved.stats.parses == 1  # main read; test reused as it was
    assert moved.modules[0].notes == ["default branch is now main (was master)"]
    lock = json.loads((work / "modules.lock").read_text())["modules"]["moving"]
    assert lock["default_branch"] == "main" and sorted(lock["branches"]) == ["main", "test"]


def test_no_default_branch_falls_back_to_master_and_test(
    module_factory: ModuleFactory, tmp_path: Path
) -> None:
    bare, _work = module_factory.remote(tmp_path, "dangling", branches=("master", "test"))
    module_factory.set_default(bare, "gone")  # HEAD names a branch that does not exist
    yml = write_modules(tmp_path / "MODULES.yml", str(bare))
    sync(yml, tmp_path / "work", allow_local=True)
    m = by_name(tmp_path / "work")["dangling"]
    assert m["default_branch"] is None and list(m["branches"]) == ["master", "test"]
    bare2, _ = module_factory.remote(tmp_path, "dangling-main", branches=("main",))
    module_factory.set_default(bare2, "gone")
    yml = write_modules(tmp_path / "MODULES2.yml", str(bare2))
    result = sync(yml, tmp_path / "work2", allow_local=True)
    assert result.modules[0].reason == (
        "none of the branches master, test exist on the remote (it has: main); the "
        "remote's HEAD names no branch; list the right ones under 'branches:' in MODULES.yml")


# -- which metadata file ------------------------------------------------------------------
@pytest.fixture(scope="module")
def metadata_files(module_factory: ModuleFactory, tmp_path_factory):
    root = tmp_path_factory.mktemp("meta")
    v2_json = json.dumps(__import__("yaml").safe_load(V2_YML), default=str).encode()
    specs = {
        "both": ai4os_files(),
        "only-v1": {"LICENSE": MIT},  # the baked metadata.json alone
        "only-v2-json": {"metadata.json": None, "ai4-metadata.json": v2_json},
        "yml-and-json": {"metadata.json": None, "ai4-metadata.json": v2_json,
                         "ai4-metadata.yml": V2_YML},
    }
    remotes = {k: module_factory.remote(root, k, branches=("main",), files=v)[0]
               for k, v in specs.items()}
    yml = write_modules(root / "MODULES.yml", *map(str, remotes.values()))
    result = sync(yml, root / "work", allow_local=True)
    return by_name(root / "work"), result


def _ignored(rec: dict) -> list[dict]:
    return [w for w in rec["warnings"] if "is ignored" in w["message"]]


def test_both_metadata_files_the_v2_one_is_read_and_the_other_named(metadata_files) -> None:
    rec = metadata_files[0]["both"]["branches"]["main"]
    assert rec["metadata_file"] == "ai4-metadata.yml" and rec["valid"]
    assert rec["schema_version"].startswith("2.")
    assert rec["metadata"]["title"] == "Dogs breed detector"
    [warning] = _ignored(rec)
    assert warning["path"] == "metadata.json"
    assert warning["message"].startswith("metadata.json is ignored: ai4-metadata.yml is read")


def test_only_metadata_json_is_read_as_today(metadata_files) -> None:
    rec = metadata_files[0]["only-v1"]["branches"]["main"]
    assert rec["metadata_file"] == "metadata.json" and rec["valid"]
    assert rec["schema_version"].startswith("1.") and _ignored(rec) == []


def test_ai4_metadata_json_is_v2_as_json(metadata_files) -> None:
    rec = metadata_files[0]["only-v2-json"]["branches"]["main"]
    assert rec["metadata_file"] == "ai4-metadata.json" and rec["valid"], rec["errors"]
    assert rec["schema_version"].startswith("2.") and _ignored(rec) == []
    both = metadata_files[0]["yml-and-json"]["branches"]["main"]
    assert both["metadata_file"] == "ai4-metadata.yml"
    assert [w["path"] for w in _ignored(both)] == ["ai4-metadata.json"]


# -- licenses and the template of record --------------------------------------------------
def _v2(**changes) -> bytes:
    import yaml

    data = yaml.safe_load(V2_YML)
    for key, value in changes.items():
        if key == "ai4_template":
            data["links"]["ai4_template"] = value
        else:
            data[key] = value
    return yaml.safe_dump(data, allow_unicode=True).encode()


@pytest.fixture(scope="module")
def licensed(module_factory: ModuleFactory, tmp_path_factory):
    root = tmp_path_factory.mktemp("lic")
    mit_altered = MIT.replace(b"The above copyright notice and this permission notice",
                              b"The above copyright notice, a payment of 100 EUR a year and "
                              b"this permission notice")
    specs = {
        "mit": ai4os_files(),
        "agpl-copying": ai4os_files(LICENSE=None, COPYING=AGPL),
        "named": ai4os_files(**{"ai4-metadata.yml": _v2(license="Apache-2.0")}),
        "blank": ai4os_files(**{"ai4-metadata.yml": _v2(license="  ")}),
        "altered": ai4os_files(LICENSE=mit_altered),
        "huge": ai4os_files(LICENSE=MIT + b" " * MAX_LICENSE_BYTES),
        "none": ai4os_files(LICENSE=None),
        "odd-template": ai4os_files(**{"ai4-metadata.yml": _v2(
            ai4_template="ai4-template/1.9.9\u202e\u0007 " + "x" * 5000)}),
    }
    remotes = {k: module_factory.remote(root, k, branches=("main",), files=v)[0]
               for k, v in specs.items()}
    yml = write_modules(root / "MODULES.yml", *map(str, remotes.values()))
    sync(yml, root / "work", allow_local=True)
    return {k: m["branches"]["main"] for k, m in by_name(root / "work").items()}


def test_license_files_are_identified(licensed) -> None:
    assert licensed["mit"]["license_file"] == {"path": "LICENSE", "spdx_id": "MIT"}
    assert licensed["agpl-copying"]["license_file"] == {"path": "COPYING",
                                                        "spdx_id": "AGPL-3.0"}
    assert licensed["blank"]["license_file"] == {"path": "LICENSE", "spdx_id": "MIT"}
    assert licensed["named"]["license_file"] is None  # the metadata's license stands
    assert licensed["none"]["license_file"] is None
    assert all(r["status"] == "ok" for r in licensed.values())


def test_an_altered_or_oversized_license_is_not_named(licensed) -> None:
    assert licensed["altered"]["license_file"] == {"path": "LICENSE", "spdx_id": None}
    huge = licensed["huge"]
    assert huge["license_file"] == {"path": "LICENSE", "spdx_id": None}
    assert [w["path"] for w in huge["warnings"] if "too large" in w["message"]] == ["LICENSE"]
    assert huge["valid"]  # a license too large to read costs the module nothing else


def test_the_template_of_record(licensed) -> None:
    assert licensed["mit"]["template"] == "ai4-template/2.0.0"
    odd = licensed["odd-template"]["template"]
    assert odd.startswith("ai4-template/1.9.9") and odd.isprintable()
    assert len(odd) == MAX_TEMPLATE_CHARS and odd.endswith("…")


def test_template_of_record_is_one_neutral_line() -> None:
    assert template_of_record({"links": {"ai4_template": "ai4-template/1.9.9"}}) == \
        "ai4-template/1.9.9"
    assert template_of_record({"links": {"ai4_template": "a\u202eb\x1b[31m\nc"}}) == \
        "ab[31m c"  # textsafe.neutralise drops controls; one line
    for meta in ({"links": {"ai4_template": 1.9}}, {"links": {"ai4_template": " "}},
                 {"links": "x"}, {"title": "v1"}, None):
        assert template_of_record(meta) is None


# -- records of an older deep-oc ----------------------------------------------------------
def test_records_without_the_new_fields_are_read_again_once(
    module_factory: ModuleFactory, tmp_path: Path
) -> None:
    bare, _ = module_factory.remote(tmp_path, "older", files=ai4os_files())
    yml = write_modules(tmp_path / "MODULES.yml", str(bare))
    work = tmp_path / "work"
    sync(yml, work, allow_local=True)
    cat_path = work / "catalog.json"
    catalog = json.loads(cat_path.read_text())
    for m in catalog["modules"]:  # as an older deep-oc wrote it
        m.pop("default_branch")
        for rec in m["branches"].values():
            for key in ("license_file", "template"):
                rec.pop(key)
            rec["metadata_file"] = "metadata.json"
    cat_path.write_text(json.dumps(catalog))
    again = sync(yml, work, allow_local=True)
    assert again.stats.parses == 2  # both branches read again (their heads did not move)
    rec = by_name(work)["older"]["branches"]["main"]
    assert rec["metadata_file"] == "ai4-metadata.yml" and rec["template"] is not None
    assert sync(yml, work, allow_local=True).stats.parses == 0


def test_every_new_field_is_present_on_every_record(metadata_files) -> None:
    for m in metadata_files[0].values():
        assert m["default_branch"] == "main"
        for rec in m["branches"].values():
            assert {"metadata_file", "license_file", "template"} <= set(rec)
