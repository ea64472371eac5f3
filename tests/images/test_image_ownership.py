"""No module can write another module's images: the catalog names every module's repository
(images/naming.py). Real engine and a registry of the test's own, so its whole content can be
listed: only the repositories the catalog gave out may appear in it."""

from __future__ import annotations

import json
import urllib.request

import pytest

from deepoc.cli import main
from deepoc.images.registry import Registry

from .conftest import builds, git

pytestmark = pytest.mark.xdist_group("docker")


def _set_build_image(m, image) -> None:  # noqa: ANN001 - a conftest Module
    path = m.docker / "build.json"
    doc = json.loads(path.read_text())
    if image is None:
        doc.pop("image")
    else:
        doc["image"] = image
    path.write_text(json.dumps(doc, indent=2) + "\n")
    git("commit", "-q", "-am", "build.json image", cwd=m.docker)


def _repositories(reg) -> set[str]:  # noqa: ANN001
    with urllib.request.urlopen(f"http://127.0.0.1:{reg.port}/v2/_catalog") as r:
        return set(json.load(r)["repositories"])


def test_build_json_cannot_push_over_another_modules_image(services, modules, tmp_path, capsys):
    reg = services.new_registry()
    try:
        victim = modules.hand_made("own_victim")
        hostile = {
            "own_hijack": "deephdc/own_victim",  # another module's image
            "own_hostreg": f"{reg.host}/deephdc/own_victim",  # with a registry host
            "own_tagged": "deephdc/own_tagged:latest",  # its own name, but with a tag
            "own_foreign": "someone/else",  # anywhere else
        }
        mods = [victim]
        for name, image in hostile.items():
            m = modules.hand_made(name)
            _set_build_image(m, image)
            mods.append(m)
        omitted = modules.hand_made("own_omitted")  # no image in build.json: the catalog's
        _set_build_image(omitted, None)
        mods.append(omitted)
        work = tmp_path / "work"
        catalog = modules.catalog(work, mods)
        code = main(["images", "build", "--catalog", str(catalog), "--registry", reg.host,
                     "--build-number", "1"])
        out, err = capsys.readouterr()
        assert code == 1
        assert "2 pushed, 4 failed" in err
        assert "internal error" not in err and "Traceback" not in err
        recs = builds(work / "builds.json")
        for name, image in hostile.items():
            rec = recs[(name, "master", "cpu")]
            assert rec["status"] == "failed" and rec["tags"] == []
            assert rec["reason"] == (
                f"build.json names image {image!r}, but the catalog builds module {name} as "
                f"'deephdc/{name}': set \"image\": \"deephdc/{name}\" in build.json, or ask "
                "the catalog operator for an 'image:' entry in MODULES.yml")
            assert f"{name}@master cpu: failed (build.json names image" in out
        good = recs[("own_victim", "master", "cpu")]
        assert good["status"] == "pushed" and good["image"] == f"{reg.host}/deephdc/own_victim"
        assert Registry(reg.host).digest("deephdc/own_victim", "latest") == good["digest"]
        assert recs[("own_omitted", "master", "cpu")]["image"] == \
            f"{reg.host}/deephdc/own_omitted"
        assert _repositories(reg) == {"deephdc/own_victim", "deephdc/own_omitted"}
    finally:
        reg.stop()


def test_operator_override_and_namespace(services, modules, tmp_path, capsys):
    reg = services.new_registry()
    try:
        moved = modules.hand_made("own_moved")
        _set_build_image(moved, "ops/moved-here")
        plain = modules.hand_made("own_plain")
        _set_build_image(plain, "lab/own_plain")
        squatter = modules.hand_made("own_squat")  # an override onto another module's name
        work = tmp_path / "work"
        work.mkdir()
        (work / "MODULES.yml").write_text(
            f"---\n- module: {moved.docker}\n  branches: [master]\n  image: ops/moved-here\n"
            f"- module: {plain.docker}\n  branches: [master]\n"
            f"- module: {squatter.docker}\n  branches: [master]\n  image: lab/own_plain\n")
        from deepoc.catalog.sync import sync

        sync(work / "MODULES.yml", work, allow_local=True)
        code = main(["images", "build", "--catalog", str(work / "catalog.json"), "--registry",
                     reg.host, "--namespace", "lab", "--build-number", "1"])
        err = capsys.readouterr().err
        assert code == 1 and "internal error" not in err
        recs = builds(work / "builds.json")
        assert recs[("own_moved", "master", "cpu")]["image"] == f"{reg.host}/ops/moved-here"
        assert recs[("own_moved", "master", "cpu")]["status"] == "pushed"
        for name in ("own_plain", "own_squat"):
            rec = recs[(name, "master", "cpu")]
            assert rec["status"] == "failed"
            assert rec["reason"].startswith("image lab/own_plain is claimed by more than one")
        assert _repositories(reg) == {"ops/moved-here"}
    finally:
        reg.stop()


@pytest.mark.parametrize("ns", ["Bad", "a:1", "x/"])
def test_a_bad_namespace_is_a_usage_error(ns, tmp_path, capsys):
    (tmp_path / "catalog.json").write_text('{"modules": []}')
    code = main(["images", "build", "--catalog", str(tmp_path / "catalog.json"),
                 "--registry", "localhost:1", "--namespace", ns])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"deep-oc: error: --namespace {ns!r} ")
    assert err.count("\n") == 1
