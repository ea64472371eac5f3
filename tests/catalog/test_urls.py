"""normalise_url, identity, defects and module_name: pure functions, tested exhaustively."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepoc.catalog.urls import defects, identity, is_url, module_name, normalise_url, url_kind

GH = "https://github.com/deephdc/DEEP-OC-dogs_breed_det"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (GH, GH),
        (GH + "/", GH),
        (GH + "//", GH),
        (GH + ".git", GH),
        (GH + ".git/", GH),
        (GH + "/.git", GH),
        (GH + " ", GH),
        ("  " + GH + "\t", GH),
        (GH + "/tree/master", GH),
        (GH + "/tree/main/", GH),
        (GH + "/tree/feature/x", GH),
        (GH + "/blob/master/metadata.json", GH),
        (GH + "/commits/master", GH),
        ("https://gitlab.com/g/DEEP-OC-x/-/tree/main", "https://gitlab.com/g/DEEP-OC-x"),
        ("https://github.com/deephdc/deep-oc-dogs_breed_det", GH),
        ("https://github.com/deephdc/Deep-Oc-dogs_breed_det", GH),
        ("https://github.com/deephdc/DEEP-oc-dogs_breed_det.git/", GH),
        (
            "https://github.com/deephdc/UC-emvollmer-deep-oc-tbbrdet_api/",
            "https://github.com/deephdc/UC-emvollmer-DEEP-OC-tbbrdet_api",
        ),
        (
            "https://github.com/MicroStep-MIS/DEEP-OC-ai4eosc_thunder_nowcast_ml/tree/master",
            "https://github.com/MicroStep-MIS/DEEP-OC-ai4eosc_thunder_nowcast_ml",
        ),
        # 'deep-oc' inside a word or in the owner is not the marker: left alone
        ("https://github.com/deep-oc/DEEP-OC-x", "https://github.com/deep-oc/DEEP-OC-x"),
        ("https://github.com/o/mydeep-ocx", "https://github.com/o/mydeep-ocx"),
        ("https://github.com/o/deep-oc", "https://github.com/o/DEEP-OC"),
        ("HTTPS://GitHub.COM/deephdc/DEEP-OC-x", "https://github.com/deephdc/DEEP-OC-x"),
        ("https://user@GitHub.com/o/DEEP-OC-x", "https://user@github.com/o/DEEP-OC-x"),
        ("http://github.com/o/DEEP-OC-x", "http://github.com/o/DEEP-OC-x"),
        # ssh forms keep their scheme
        ("git@github.com:deephdc/DEEP-OC-x.git", "git@github.com:deephdc/DEEP-OC-x"),
        ("git@github.com:deephdc/deep-oc-x/", "git@github.com:deephdc/DEEP-OC-x"),
        ("ssh://git@github.com/deephdc/DEEP-OC-x.git", "ssh://git@github.com/deephdc/DEEP-OC-x"),
        ("ssh://git@host.example:2222/srv/DEEP-OC-x.git", "ssh://git@host.example:2222/srv/DEEP-OC-x"),
        # other hosts: case is the server's business, .git and / are not
        ("https://git.example.org/g/deep-oc-x.git", "https://git.example.org/g/deep-oc-x"),
        ("https://git.example.org/g/x/tree/main", "https://git.example.org/g/x/tree/main"),
        ("git://127.0.0.1:9418/DEEP-OC-x.git", "git://127.0.0.1:9418/DEEP-OC-x"),
        # local: a directory name, kept as is apart from trailing slashes
        ("/srv/git/DEEP-OC-x.git/", "/srv/git/DEEP-OC-x.git"),
        ("/srv/git/deep-oc-x", "/srv/git/deep-oc-x"),
        ("./repos/DEEP-OC-x/", "./repos/DEEP-OC-x"),
        ("../DEEP-OC-x", "../DEEP-OC-x"),
        ("~/DEEP-OC-x/", "~/DEEP-OC-x"),
        ("/", "/"),
        ("file:///srv/git/DEEP-OC-x/", "file:///srv/git/DEEP-OC-x"),
        ("file:///srv/git/DEEP-OC-x.git", "file:///srv/git/DEEP-OC-x.git"),
        # not URLs: returned stripped, unchanged
        ("DEEP-OC-x", "DEEP-OC-x"),
        (" not a url ", "not a url"),
        ("", ""),
    ],
)
def test_normalise_url(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (GH, "network"),
        ("http://h/x", "network"),
        ("ssh://git@h/x", "network"),
        ("git+ssh://git@h/x", "network"),
        ("git://127.0.0.1:1/x", "network"),
        ("git@github.com:o/r", "network"),
        ("github.com:o/r", "network"),
        ("file:///x", "file"),
        ("/abs/x", "path"),
        ("./x", "path"),
        ("../x", "path"),
        ("~/x", "path"),
        ("x", None),
        ("DEEP-OC-x", None),
        ("https://", None),
        ("https://github.com", None),
        ("https://github.com/", None),
        ("ftp://h/x", None),
        ("mailto:me@x.org", None),
        ("file://", None),
        ("has space/x", None),
        ("https://h/a b", None),
        ("", None),
        ("C:/windows", None),
    ],
)
def test_url_kind(url: str, kind: str | None) -> None:
    assert url_kind(url) == kind
    assert is_url(url) is (kind is not None)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (GH, GH + ".git"),
        (GH, "git@github.com:deephdc/DEEP-OC-dogs_breed_det.git"),
        (GH, "ssh://git@github.com/deephdc/DEEP-OC-dogs_breed_det"),
        (GH, "https://github.com/DeepHDC/deep-oc-dogs_breed_det/tree/master"),
        (GH, "https://www.github.com/deephdc/DEEP-OC-dogs_breed_det"),
        (GH, "http://github.com/deephdc/DEEP-OC-dogs_breed_det"),
        ("/srv/x/", "/srv/x"),
        ("file:///srv/x/", "file:///srv/x"),
        ("git://127.0.0.1:1/x.git", "git://127.0.0.1:1/x"),
    ],
)
def test_identity_same_repo(a: str, b: str) -> None:
    assert identity(a) == identity(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (GH, "https://github.com/other/DEEP-OC-dogs_breed_det"),
        (GH, "https://gitlab.com/deephdc/DEEP-OC-dogs_breed_det"),
        ("/srv/x", "/srv/X"),
        ("https://git.example.org/g/x", "https://git.example.org/g/X"),
        ("git://127.0.0.1:1/x", "git://127.0.0.1:2/x"),
    ],
)
def test_identity_different_repo(a: str, b: str) -> None:
    assert identity(a) != identity(b)


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        (GH, []),
        (GH + "/", ["trailing-slash"]),
        (GH + ".git", ["dot-git"]),
        (GH + ".git/", ["dot-git", "trailing-slash"]),
        (GH + " ", ["whitespace"]),
        (GH + "/tree/master", ["web-suffix"]),
        ("https://github.com/o/deep-oc-x", ["deep-oc-case"]),
        ("https://github.com/o/UC-me-Deep-OC-x.git", ["dot-git", "deep-oc-case"]),
        ("HTTPS://GITHUB.COM/o/DEEP-OC-x", ["spelling"]),
        ("/srv/DEEP-OC-x/", ["trailing-slash"]),
        ("/srv/DEEP-OC-x.git", []),
        ("/srv/deep-oc-x", []),
        ("file:///srv/x/", ["trailing-slash"]),
        ("not a url", []),
    ],
)
def test_defects(raw: str, codes: list[str]) -> None:
    assert [d.code for d in defects(raw)] == codes


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (GH, "dogs_breed_det"),
        (GH + ".git/", "dogs_breed_det"),
        ("https://github.com/deephdc/deep-oc-dogs_breed_det", "dogs_breed_det"),
        ("https://github.com/deephdc/DEEP-OC-Plants-Classification-TF", "plants-classification-tf"),
        ("https://github.com/deephdc/UC-adnaneds-DEEP-OC-unet", "uc-adnaneds-deep-oc-unet"),
        ("git@github.com:me/DEEP-OC-x.git", "x"),
        ("/srv/git/DEEP-OC-x.git", "x"),
        ("file:///srv/git/DEEP-OC-y/", "y"),
        ("git://127.0.0.1:9/DEEP-OC-z", "z"),
        ("/srv/git/my repo+1", "my-repo-1"),
        ("/srv/git/DEEP-OC-", "deep-oc"),
        ("/", "module"),
    ],
)
def test_module_name(url: str, name: str) -> None:
    assert module_name(url) == name


URL_PARTS = st.sampled_from(
    ["", "/", "//", ".git", ".git/", "/tree/master", "/tree/main/", " ", "/blob/master/x"]
)


@settings(deadline=None, max_examples=200)  # no timing assertions on a loaded CI machine
@given(
    host=st.sampled_from(["https://github.com", "git@github.com:", "ssh://git@github.com",
                          "https://gitlab.com", "git://127.0.0.1:9418"]),
    owner=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,8}", fullmatch=True),
    repo=st.from_regex(r"(UC-[a-z]{1,5}-)?(deep-oc|DEEP-OC|Deep-Oc)-[a-z0-9_]{1,10}",
                       fullmatch=True),
    tail=URL_PARTS,
)
def test_normal_form_is_a_fixed_point(host: str, owner: str, repo: str, tail: str) -> None:
    sep = "" if host.endswith(":") else "/"
    url = f"{host}{sep}{owner}/{repo}{tail}"
    once = normalise_url(url)
    assert normalise_url(once) == once
    assert defects(once) == []
    assert identity(once) == identity(url)
    assert module_name(once) == module_name(url)
    assert is_url(once)
