"""The pre-generation checks: every problem listed at once, nothing written."""

from __future__ import annotations

import json

import pytest

from deepoc.errors import DeepOCError
from deepoc.template import bake, check, questions, resolve_answers

from .conftest import ROOT, run_cookiecutter

BAD = {
    "project_name": "   ",
    "repo_name": "Bad-Name",
    "git_base_url": "ftp://example.org/x/",
    "author_name": "Ann, Bob",
    "author_email": "ann@example.org, not-an-email",
    "app_version": "1.0",
    "dockerhub_user": "Upper Case",
    "docker_baseimage": "tensorflow/tensorflow:2.15.0",
    "baseimage_cpu_tag": "bad tag",
    "baseimage_gpu_tag": "-gpu",
    "jenkins_url": "jenkins.example.org",
}
# one fragment of the message per bad answer above
EXPECTED = [
    "project_name must not be empty",
    "repo_name 'Bad-Name'",
    "git_base_url 'ftp://example.org/x/'",
    "author_email has malformed address(es): 'not-an-email'",
    "app_version '1.0'",
    "dockerhub_user 'Upper Case'",
    "docker_baseimage 'tensorflow/tensorflow:2.15.0' must not carry a tag",
    "baseimage_cpu_tag 'bad tag'",
    "baseimage_gpu_tag '-gpu'",
    "jenkins_url 'jenkins.example.org'",
]


def test_every_question_has_a_prompt_and_no_input_defaults_pass():
    spec = questions(ROOT)
    public = [k for k in spec if not k.startswith("_")]
    assert set(spec["__prompts__"]) == set(public)
    assert not [k for k in spec if k.startswith("[")]  # no dummy "[Info]" keys
    assert check(resolve_answers(ROOT, {})) == []
    assert resolve_answers(ROOT, {"project_name": "Plant classifier"})["repo_name"] == (
        "plant_classifier"
    )
    assert resolve_answers(ROOT, {"project_name": "My-Great Model"})["repo_name"] == (
        "my_great_model"
    )


@pytest.mark.parametrize("url", [
    "https://zenodo.org/records/42/files/model.h5?download=1",
    "http://127.0.0.1:8000/weights.bin",
    "https://huggingface.co/org/m/resolve/main/model.safetensors?download=true&x=1,2",
    "https://share.example.org/s/AbC%20d/download/model+v2.tar.gz",
])
def test_weights_that_are_fine(url):
    for sha in ("0" * 64, "ABCDEF0123456789" * 4):
        assert check(resolve_answers(ROOT, {"weights_url": url, "weights_sha256": sha})) == []


def test_names_and_jenkins_url_that_need_nothing_or_are_derived():
    # no Jenkins server is the default: nothing to check, no badge written
    assert check(resolve_answers(ROOT, {"jenkins_url": ""})) == []
    assert check(resolve_answers(ROOT, {"jenkins_url": "https://ci.example.org"})) == []
    # a project name with no letters or digits gives no folder name: say so, once
    for name, message in (("", "project_name must not be empty"),
                          ("?!", "repo_name cannot be derived from project_name '?!'")):
        found = check(resolve_answers(ROOT, {"project_name": name}))
        assert len(found) == 1 and message in found[0], found
    assert resolve_answers(ROOT, {"project_name": "?!", "repo_name": "ok_name"})["repo_name"] == (
        "ok_name")


def test_all_problems_listed_by_the_rules():
    found = check(resolve_answers(ROOT, BAD))
    assert len(found) == len(EXPECTED), found
    for fragment in EXPECTED:
        assert any(fragment in line for line in found), (fragment, found)


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ({"author_name": "Ann, Bob", "author_email": "a@x.org"}, "2 author(s) but author_email"),
        ({"repo_name": "class"}, "clash with a Python module"),
        ({"repo_name": "json"}, "clash with a Python module"),
        ({"repo_name": "a___b"}, "repo_name 'a___b'"),
        ({"repo_name": "_x"}, "repo_name '_x'"),
        ({"git_base_url": "https://user:pw@github.com/x"}, "user name or a password"),
        ({"git_base_url": "https://github.com/x y"}, "not allowed in a URL"),
        ({"project_name": "two\nlines"}, "project_name must be a single line"),
        ({"author_name": 'Ann "the" Lee'}, "double quotes"),
        ({"description": ""}, "description must not be empty"),
        ({"description": "nul\x00"}, "control characters"),
        ({"open_source_license": "GPL"}, "open_source_license 'GPL'"),
        ({"weights_url": "https://x.org/m.h5"}, "weights_sha256 is needed with weights_url"),
        ({"weights_sha256": "a" * 64}, "weights_sha256 is set but weights_url is empty"),
        ({"weights_url": "ftp://x.org/m.h5", "weights_sha256": "a" * 64}, "must be an http(s)"),
        ({"weights_url": "https:///m.h5", "weights_sha256": "a" * 64}, "must be an http(s)"),
        ({"weights_url": "https://u:pw@x.org/m.h5", "weights_sha256": "a" * 64},
         "must not contain a user name or a password"),
        ({"weights_url": "https://x.org/$HOME/m.h5", "weights_sha256": "a" * 64},
         "characters not allowed"),
        ({"weights_url": "https://x.org/a b.h5", "weights_sha256": "a" * 64},
         "characters not allowed"),
        ({"weights_url": "https://x.org/m.h5#frag", "weights_sha256": "a" * 64},
         "characters not allowed"),
        ({"weights_url": "https://x.org/m'.h5", "weights_sha256": "a" * 64},
         "characters not allowed"),
        ({"weights_url": "https://x.org/files/", "weights_sha256": "a" * 64},
         "must end with the file's name"),
        ({"weights_url": "https://x.org/.hidden", "weights_sha256": "a" * 64},
         "must end with the file's name"),
        ({"weights_url": "https://x.org/" + "a" * 2000, "weights_sha256": "a" * 64},
         "longer than 2000"),
        ({"weights_url": "https://x.org/m.h5", "weights_sha256": "a" * 63}, "64 hexadecimal"),
        ({"weights_url": "https://x.org/m.h5", "weights_sha256": "g" * 64}, "64 hexadecimal"),
        ({"weights_url": "https://x.org/m.h5\n", "weights_sha256": "a" * 64}, "single line"),
        ({"weights_url": "https://x.org/m.h5", "weights_sha256": "a" * 64 + "\n"},
         "single line"),
    ],
)
def test_single_rules(answers, fragment):
    full = resolve_answers(ROOT, {k: v for k, v in answers.items() if k != "open_source_license"})
    full.update(answers)
    found = check(full)
    assert any(fragment in line for line in found), found


def test_plain_cookiecutter_fails_in_pre_hook_with_every_problem(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    answers = dict(BAD, repo_name="bad-name")
    proc = run_cookiecutter(out, answers)
    assert proc.returncode != 0
    assert "pre_gen_project" in proc.output
    assert f"The answers have {len(EXPECTED)} problem(s); nothing was written" in proc.output
    for fragment in EXPECTED[2:]:
        assert fragment in proc.output, fragment
    assert list(out.iterdir()) == []


def test_bake_refuses_bad_answers_before_writing(tmp_path):
    out = tmp_path / "new-folder"
    with pytest.raises(DeepOCError) as info:
        bake(out, BAD)
    message = str(info.value)
    assert "\n" not in message and f"{len(EXPECTED)} problem(s)" in message
    assert not out.exists()


def test_existing_docker_repo_stops_plain_cookiecutter(tmp_path):
    (tmp_path / "DEEP-OC-demo_module").mkdir()
    (tmp_path / "DEEP-OC-demo_module" / "keep.txt").write_text("mine")
    proc = run_cookiecutter(tmp_path, {})
    assert proc.returncode != 0
    assert "DEEP-OC-demo_module already exists" in proc.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DEEP-OC-demo_module"]
    assert (tmp_path / "DEEP-OC-demo_module" / "keep.txt").read_text() == "mine"


def test_existing_code_repo_stops_before_anything(tmp_path):
    (tmp_path / "demo_module").mkdir()
    proc = run_cookiecutter(tmp_path, {})
    assert proc.returncode != 0
    assert "already exists" in proc.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_module"]
    assert list((tmp_path / "demo_module").iterdir()) == []
    with pytest.raises(DeepOCError, match="demo_module already exists"):
        bake(tmp_path, {})


def test_answers_reach_hooks_as_json_only():
    for hook in ("pre_gen_project.py", "post_gen_project.py"):
        text = (ROOT / "hooks" / hook).read_text()
        assert text.count("{{") == 1 and "{%" not in text
        assert "ANSWERS_JSON = r'''{{ cookiecutter | tojson }}'''" in text
    # tojson escapes single quotes, so no answer can close the raw string
    from jinja2 import Environment

    rendered = Environment().from_string("{{ x | tojson }}").render(x={"a": "'''\\\""})
    assert "'" not in rendered and json.loads(rendered) == {"a": "'''\\\""}


def test_overwrite_flag_does_not_touch_an_existing_repo(tmp_path):
    mine = tmp_path / "demo_module"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    proc = run_cookiecutter(tmp_path, {}, extra_args=["-f"])
    assert proc.returncode != 0
    assert "demo_module already exists and is not empty" in proc.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_module"]
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
