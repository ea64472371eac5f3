"""``deep-oc update``: a module made by one template version takes the next one, keeping
the author's edits, with real cookiecutter and real git merges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, copy_template, git_env, previous_release

DEEP_OC = str(Path(sys.executable).with_name("deep-oc"))
CODE = "{{cookiecutter.repo_name}}"
DOCKER = f"{CODE}/DEEP-OC-{CODE}"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _next_version(template: Path) -> None:
    """The template's next release: a new file, a changed line authors leave alone, a
    changed line authors edit, a deleted file, a new version number."""
    (template / DOCKER / "CHANGELOG.md").write_text("# Changes\n\n- template 0.3.0\n")
    _edit(template / CODE / "requirements.txt", "webargs>=5.5,<6", "webargs>=5.5,<7")
    _edit(template / DOCKER / "Dockerfile", "# Build arguments (the same file builds",
          "# Build arguments (one file, both images; the same file builds")
    (template / CODE / "references" / ".gitkeep").unlink()


class Module:
    """A baked pair and the commands an author runs on it."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.code, self.docker = root / "plant", root / "DEEP-OC-plant"

    @classmethod
    def baked(cls, tmp_path: Path, template: Path) -> Module:
        """``deep-oc new --no-input project_name=Plant`` with ``template``, in tmp_path/work."""
        home, root = tmp_path / "home", tmp_path / "work"
        home.mkdir()
        root.mkdir()
        m = cls(root, git_env(home))
        proc = m.deep_oc("new", "--no-input", "project_name=Plant", template=template)
        assert proc.returncode == 0, proc.stderr
        return m

    def deep_oc(self, *args: str, template: Path) -> subprocess.CompletedProcess:
        env = dict(self.env, DEEPOC_TEMPLATE=str(template))
        return subprocess.run([DEEP_OC, *args], cwd=self.root, env=env, capture_output=True,
                              text=True, timeout=180, stdin=subprocess.DEVNULL)

    def git(self, repo: Path, *args: str) -> str:
        env = {k: v for k, v in self.env.items() if not k.startswith("GIT_")}
        ident = ["-c", "user.name=Ann Lee", "-c", "user.email=ann@example.org"]
        proc = subprocess.run(["git", *ident, *args], cwd=repo, env=env, capture_output=True,
                              text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    def commit_all(self, repo: Path, message: str) -> None:
        self.git(repo, "add", "-A")
        self.git(repo, "commit", "-qm", message)


@pytest.fixture()
def module(tmp_path) -> tuple[Module, Path, Path]:
    """Baked with template 0.2.0, edited as an author would; and template 0.3.0 beside it."""
    v1 = copy_template(tmp_path / "template-0.2.0", "0.2.0")
    m = Module.baked(tmp_path, v1)
    # the author's own work
    with (m.code / "plant" / "models" / "deep_api.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef author_helper():\n    return 'mine'\n")
    with (m.code / "README.md").open("a", encoding="utf-8") as fh:
        fh.write("\n## Results\n\nOur model reaches 97 % accuracy.\n")
    (m.code / "notebooks" / ".gitkeep").unlink()
    m.commit_all(m.code, "my model")
    meta = json.loads((m.docker / "metadata.json").read_text(encoding="utf-8"))
    meta["description"] = ["Our own words about the model."]
    (m.docker / "metadata.json").write_text(json.dumps(meta, indent=4) + "\n", encoding="utf-8")
    m.commit_all(m.docker, "my description")
    _edit(m.docker / "Dockerfile", "# Build arguments (the same file builds",
          "# Build arguments, as we use them (the same file builds")
    m.commit_all(m.docker, "my Dockerfile comment")
    v2 = copy_template(tmp_path / "template-0.3.0", "0.3.0")
    _next_version(v2)
    return m, v1, v2


def test_update_keeps_the_authors_edits_brings_the_templates_and_stops_at_conflicts(module):
    m, v1, v2 = module
    assert m.deep_oc("update", "--check", template=v1).returncode == 0
    check = m.deep_oc("update", "--check", template=v2)
    assert check.returncode == 1
    assert "plant: template outdated: made with 0.2.0, installed 0.3.0" in check.stdout
    assert m.git(m.code, "status", "--porcelain") == ""  # --check changed nothing

    proc = m.deep_oc("update", template=v2)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "DEEP-OC-plant: template 0.3.0 merged into master with conflicts in: Dockerfile" in (
        proc.stdout)
    assert "git merge --continue" in proc.stdout and "git merge --abort" in proc.stdout
    # the code repo merged cleanly: both sides' changes are there
    assert "return 'mine'" in (m.code / "plant" / "models" / "deep_api.py").read_text()
    assert "97 % accuracy" in (m.code / "README.md").read_text()
    assert "webargs>=5.5,<7" in (m.code / "requirements.txt").read_text()
    assert not (m.code / "references" / ".gitkeep").exists()  # deleted by the template
    assert not (m.code / "notebooks" / ".gitkeep").exists()  # deleted by the author
    recorded = json.loads((m.code / ".cookiecutter.json").read_text())
    assert recorded["_template_version"] == "0.3.0"
    # the Docker repo: the new file arrived, the author's metadata stays, the line both
    # touched has git's markers
    assert (m.docker / "CHANGELOG.md").is_file()
    meta = json.loads((m.docker / "metadata.json").read_text())
    assert meta["description"] == ["Our own words about the model."]
    dockerfile = (m.docker / "Dockerfile").read_text()
    assert "<<<<<<<" in dockerfile and "as we use them" in dockerfile and "one file" in dockerfile
    # while the merge is unfinished, another update is refused
    again = m.deep_oc("update", template=v2)
    assert again.returncode == 1 and "a merge is in progress" in again.stderr

    # the author resolves it their way, then a rerun is a no-op
    m.git(m.docker, "checkout", "--ours", "Dockerfile")
    m.git(m.docker, "add", "Dockerfile")
    m.git(m.docker, "commit", "-q", "--no-edit")
    rerun = m.deep_oc("update", template=v2)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.count("up to date with the template 0.3.0") == 2
    assert m.deep_oc("update", "--check", template=v2).returncode == 0
    # the template branch holds only template output, one commit per version
    log = m.git(m.docker, "log", "--format=%s", "template").splitlines()
    assert log == ["Template 0.3.0 (was 0.2.0)", "Initial commit from the DEEP-OC template 0.2.0"]


def test_a_dirty_tree_or_a_detached_head_is_refused_before_anything_changes(module):
    m, _, v2 = module
    before = m.git(m.docker, "for-each-ref")
    (m.code / "scratch.txt").write_text("work in progress")
    proc = m.deep_oc("update", template=v2)
    assert proc.returncode == 1 and "the work tree has changes" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert m.git(m.docker, "for-each-ref") == before  # not even the other repo was touched
    (m.code / "scratch.txt").unlink()
    m.git(m.code, "checkout", "-q", "--detach")
    proc = m.deep_oc("update", template=v2)
    assert proc.returncode == 1 and "HEAD is detached" in proc.stderr


def test_answer_changes_flow_into_the_files_on_a_new_branch(module):
    m, v1, _ = module
    # the author's comment sits next to the line naming the tag: git would (rightly) see
    # both sides touching the same lines, which the first test covers
    m.git(m.docker, "revert", "--no-edit", "HEAD")
    proc = m.deep_oc("update", "--branch", "new-base", "baseimage_cpu_tag=2.16.1", template=v1)
    assert proc.returncode == 0, proc.stderr
    assert "merged into new-base" in proc.stdout
    for repo in (m.code, m.docker):
        assert m.git(repo, "branch", "--show-current") == "new-base"
    assert json.loads((m.docker / "build.json").read_text())["cpu_tag"] == "2.16.1"
    assert "ARG tag=2.16.1" in (m.docker / "Dockerfile").read_text()
    meta = json.loads((m.docker / "metadata.json").read_text())
    assert meta["description"] == ["Our own words about the model."]  # the author's edit
    assert "ARG tag=2.16.1" not in m.git(m.docker, "show", "master:Dockerfile")
    bad = m.deep_oc("update", "baseimage_cpu_tag=bad tag", template=v1)
    assert bad.returncode == 2 and "baseimage_cpu_tag 'bad tag'" in bad.stderr


def test_a_repo_without_a_template_branch_says_what_to_do(tmp_path):
    repo = tmp_path / "old"
    repo.mkdir()
    env = git_env(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    (repo / ".cookiecutter.json").write_text("{}")
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    subprocess.run(["git", "-c", "user.name=a", "-c", "user.email=a@b.org", "commit", "-qm", "x"],
                   cwd=repo, check=True, env=env)
    proc = subprocess.run([DEEP_OC, "update", str(repo)], capture_output=True, text=True,
                          env=dict(env, PATH=os.environ["PATH"]))
    assert proc.returncode == 1
    assert "no 'template' branch" in proc.stderr and proc.stderr.count("\n") == 1


def test_a_module_of_the_previous_release_updates_to_this_one(tmp_path):
    """Baked by the template as its previous version really was (from git history), with an
    author's commit; the update brings this version's Dockerfile (exact commit, rclone) and
    its new questions with their defaults, and the result is up to date."""
    old, old_version = previous_release(tmp_path / "previous")
    current = json.loads((ROOT / "cookiecutter.json").read_text())["_template_version"]
    assert old_version != current
    m = Module.baked(tmp_path, old)
    before = json.loads((m.docker / ".cookiecutter.json").read_text())
    assert before["_template_version"] == old_version
    with (m.code / "plant" / "models" / "deep_api.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef author_helper():\n    return 'mine'\n")
    m.commit_all(m.code, "my model")

    check = m.deep_oc("update", "--check", template=ROOT)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"made with {old_version}, installed {current}" in check.stdout
    proc = m.deep_oc("update", template=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for repo in (m.code, m.docker):
        recorded = json.loads((repo / ".cookiecutter.json").read_text())
        assert recorded["_template_version"] == current
        # questions the old template did not ask are recorded with their defaults
        assert recorded["weights_url"] == "" and recorded["weights_sha256"] == ""
        assert m.git(repo, "status", "--porcelain") == ""
    dockerfile = (m.docker / "Dockerfile").read_text()
    assert "ARG commit=\n" in dockerfile and "rclone" in dockerfile
    assert "weights" not in dockerfile.replace("weights_", "")  # no weights step
    assert "return 'mine'" in (m.code / "plant" / "models" / "deep_api.py").read_text()
    meta = json.loads((m.docker / "metadata.json").read_text())
    assert "pre_trained_weights" not in meta["sources"] and "pre-trained" not in meta["keywords"]
    assert m.deep_oc("update", "--check", template=ROOT).returncode == 0
