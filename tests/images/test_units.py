"""Pure parts of images: build key, builds.json merging, credentials, command lines."""

from __future__ import annotations

import base64
import json

import pytest

from deepoc.cli import build_parser
from deepoc.images import buildkey
from deepoc.images.records import FIELDS, BuildRecord, BuildsFile
from deepoc.images.registry import credentials, is_insecure, split_image
from deepoc.images.smoke import check_models

TEMPLATE_LIKE = "ARG tag=1\nFROM x:${tag}\nARG branch=master\nARG code_repo=u\nRUN git clone\n"
ENTRIES = [("100644", "a" * 40, "Dockerfile"), ("100644", "b" * 40, "metadata.json"),
           ("100644", "c" * 40, "README.md"), ("100644", "d" * 40, "app.py")]


def key(**kw):
    args = {"code_commit": "1" * 40, "context": [("100644", "a" * 40, "Dockerfile")],
            "buildargs": {"tag": "1", "branch": "master", "code_repo": "u"}, "base_image_id": "b"}
    args.update(kw)
    return buildkey.build_key(**args)


def test_key_is_stable_and_sensitive_to_each_input():
    assert key() == key() and key().startswith("sha256:")
    assert key(code_commit="2" * 40) != key()
    assert key(base_image_id="other") != key()
    assert key(buildargs={"tag": "2", "branch": "master", "code_repo": "u"}) != key()
    assert key(context=[("100644", "e" * 40, "Dockerfile")]) != key()
    # order of build args does not matter
    assert key(buildargs={"code_repo": "u", "branch": "master", "tag": "1"}) == key()


def test_context_without_copy_is_only_the_dockerfile():
    ctx = buildkey.context_identity(ENTRIES, TEMPLATE_LIKE)
    assert [e[2] for e in ctx] == ["Dockerfile"]


def test_context_with_copy_excludes_metadata_only():
    ctx = buildkey.context_identity(ENTRIES, TEMPLATE_LIKE + "COPY app.py /app.py\n")
    assert sorted(e[2] for e in ctx) == ["Dockerfile", "README.md", "app.py"]
    ctx = buildkey.context_identity(ENTRIES, TEMPLATE_LIKE + "COPY metadata.json /m.json\n")
    assert "metadata.json" in [e[2] for e in ctx]
    assert buildkey.dockerfile_reads_context("RUN --mount=type=bind,target=/x true")


def test_declared_args():
    assert buildkey.dockerfile_declares_arg(TEMPLATE_LIKE, "code_repo")
    assert buildkey.dockerfile_declares_arg("ARG code_repo\n", "code_repo")
    assert not buildkey.dockerfile_declares_arg("ARG code_repository\n", "code_repo")


def record(module, variant="cpu", status="pushed"):
    return BuildRecord(module=module, branch="master", git_tag=None, variant=variant,
                       commit="0" * 40, status=status, tags=["latest"])


def test_builds_file_newest_wins_and_keeps_others(tmp_path):
    path = tmp_path / "builds.json"
    b = BuildsFile(path)
    b.add([record("a"), record("a", "gpu"), record("b")])
    BuildsFile(path).add([record("a", status="failed")])
    doc = json.loads(path.read_text())
    assert doc["builds_version"] == 1 and doc["updated"].endswith("Z")
    got = {(r["module"], r["variant"]): r["status"] for r in doc["builds"]}
    assert got == {("a", "cpu"): "failed", ("a", "gpu"): "pushed", ("b", "cpu"): "pushed"}
    assert all(set(r) == set(FIELDS) for r in doc["builds"])


def test_builds_file_replaces_an_unreadable_file(tmp_path):
    path = tmp_path / "builds.json"
    path.write_text("{half a fi")
    BuildsFile(path).add([record("a")])
    assert len(json.loads(path.read_text())["builds"]) == 1


def test_credentials_from_env_then_docker_config(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPOC_REGISTRY_USERNAME", raising=False)
    monkeypatch.delenv("DEEPOC_REGISTRY_PASSWORD", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert credentials("reg.example.org") is None
    auth = base64.b64encode(b"me:secret").decode()
    (tmp_path / "config.json").write_text(json.dumps(
        {"auths": {"https://reg.example.org/v1/": {"auth": auth}}}))
    assert credentials("reg.example.org") == ("me", "secret")
    monkeypatch.setenv("DEEPOC_REGISTRY_USERNAME", "env")
    monkeypatch.setenv("DEEPOC_REGISTRY_PASSWORD", "pw")
    assert credentials("reg.example.org") == ("env", "pw")


def test_registry_names():
    assert split_image("localhost:5000/deephdc/x").repository == "deephdc/x"
    assert split_image("reg.example.org/a/b").registry == "reg.example.org"
    assert is_insecure("localhost:5000") and is_insecure("127.0.0.1:1")
    assert not is_insecure("registry.example.org")


def test_smoke_check_models():
    ok = {"models": [{"name": "x", "author": "A", "license": "MIT", "id": "x"}]}
    assert check_models(ok) == [{"name": "x", "author": "A", "license": "MIT"}]
    assert check_models({"models": [{"name": "x", "author": "A", "license": ""}]})
    assert not check_models({"models": [{"name": "x", "license": "MIT"}]})
    assert not check_models({"models": []}) and not check_models([1])


@pytest.mark.parametrize("line", [
    "images build --catalog w/catalog.json --registry localhost:5000",
    "images build --catalog w/catalog.json --registry r --build-number 3 --only a --jobs 2"
    " --no-push",
    "images build --repo . --branch master --registry docker.io --build-number 7",
    "images build --repo . --git-tag v1 --registry r --code-repo https://x/y --no-push",
    "images tags --branch test --commit abcdef1 --build-number 1 --variant gpu",
])
def test_contract_command_lines_parse(line):
    args = build_parser().parse_args(line.split())
    assert callable(args.func)


def test_images_tags_prints_one_per_line(capsys):
    from deepoc.cli import main

    assert main(["images", "tags", "--git-tag", "v2", "--commit", "abcdef1234",
                 "--build-number", "9", "--variant", "gpu"]) == 0
    assert capsys.readouterr().out.split() == ["v2-gpu", "abcdef1_9-gpu", "abcdef1-gpu"]


def test_bad_usage_is_one_line(capsys, tmp_path):
    from deepoc.cli import main

    assert main(["images", "build", "--repo", ".", "--registry", "r"]) == 2
    assert main(["images", "build", "--catalog", str(tmp_path / "nope.json"),
                 "--registry", "r"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("deep-oc: error:") for line in err)


def test_builds_file_merges_concurrent_writers(tmp_path):
    """Two runs (e.g. `--only a` and `--only b` side by side) both keep their records."""
    path = tmp_path / "builds.json"
    one, two = BuildsFile(path), BuildsFile(path)
    one.add([record("a")])
    two.add([record("b")])
    one.add([record("a", "gpu")])
    doc = json.loads(path.read_text())
    assert {(r["module"], r["variant"]) for r in doc["builds"]} == {
        ("a", "cpu"), ("a", "gpu"), ("b", "cpu")}


def test_a_build_record_serialises_to_the_builds_json_fields():
    rec = record("a")
    rec.built = True  # counted by the run, never written
    entry = rec.to_dict()
    assert list(entry) == list(FIELDS)
    assert entry["tags"] == ["latest"] and entry["time"].endswith("Z")
