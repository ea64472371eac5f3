"""A LICENSE file's SPDX id: real license texts are named, altered ones are not.

The texts are real files (tests/catalog/data/SOURCES.md says where each comes from); each
test gives it a copyright line of its own, as a module's LICENSE has, and the altered
ones are edited here in code: a clause removed, a clause added, a paragraph replaced.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from identify.identify import license_id

from deepoc.catalog.git import Blob
from deepoc.catalog.licenses import (
    MAX_HUNK_WORDS,
    faithful,
    identify_license,
    license_file,
    metadata_license,
)

DATA = Path(__file__).parent / "data" / "licenses"


def text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def own_copyright(body: str, line: str = "Copyright (c) 2025 Jane Example <jane@example.org>"
                  ) -> str:
    return f"{line}\n\n{body}"


def _identify_alone(tmp_path: Path, body: str) -> str | None:
    """What identify's license_id says with no stricter check (to show why there is one)."""
    f = tmp_path / "LICENSE"
    f.write_text(body, encoding="utf-8")
    return license_id(str(f))


# -- real texts ---------------------------------------------------------------------------
REAL = {
    "MIT-ai4os-demo-app": "MIT",
    "MIT-dogs-breed-detector": "MIT",
    "Apache-2.0-debian-common-licenses": "Apache-2.0",
    "BSD-3-Clause-jinja2": "BSD-3-Clause",
    "GPL-3.0-debian-common-licenses": "GPL-3.0",
    "AGPL-3.0-ai4os-yolov8-torch": "AGPL-3.0",
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_license_texts_are_identified(name: str) -> None:
    assert identify_license((DATA / name).read_bytes()) == REAL[name]


@pytest.mark.parametrize("name", sorted(REAL))
def test_with_a_copyright_line_of_its_own(name: str) -> None:
    body = own_copyright(text(name))
    assert identify_license(body.encode()) == REAL[name]


def test_placeholders_filled_in_are_still_the_license() -> None:
    # Apache's appendix filled in, BSD's "copyright holder" given a name, MIT's title
    apache = text("Apache-2.0-debian-common-licenses").replace(
        "Copyright [yyyy] [name of copyright owner]", "Copyright 2025 Jane Example")
    assert identify_license(apache.encode()) == "Apache-2.0"
    bsd = own_copyright(text("BSD-3-Clause-jinja2").replace(
        "Neither the name of the copyright holder", "Neither the name of Example Org"))
    assert identify_license(bsd.encode()) == "BSD-3-Clause"
    mit = "MIT License\n\n" + text("MIT-ai4os-demo-app").replace("The MIT License (MIT)\n", "")
    assert identify_license(mit.encode()) == "MIT"


def test_windows_line_ends_and_a_bom_change_nothing() -> None:
    body = own_copyright(text("GPL-3.0-debian-common-licenses")).replace("\n", "\r\n")
    assert identify_license(b"\xef\xbb\xbf" + body.encode()) == "GPL-3.0"


# -- altered texts ------------------------------------------------------------------------
def _paragraphs(body: str) -> list[str]:
    return body.split("\n\n")


def test_mit_with_a_paragraph_replaced_is_not_mit() -> None:
    paras = _paragraphs(own_copyright(text("MIT-ai4os-demo-app")))
    notice = next(i for i, p in enumerate(paras) if p.startswith("The above copyright"))
    # the notice condition replaced by a clause of another real license (BSD's third)
    bsd = text("BSD-3-Clause-jinja2")
    paras[notice] = next(p for p in _paragraphs(bsd) if p.startswith("3. "))[3:]
    assert identify_license("\n\n".join(paras).encode()) is None


def test_gpl_with_a_clause_removed_is_not_gpl(tmp_path: Path) -> None:
    body = own_copyright(text("GPL-3.0-debian-common-licenses"))
    paras = _paragraphs(body)
    # section 7's paragraph listing what "additional permissions" may be removed (~90 words)
    clause = next(p for p in paras if p.lstrip().startswith("When you convey a copy of a "
                                                             "covered work, you may at your"))
    assert len(clause.split()) > 5 * MAX_HUNK_WORDS
    altered = body.replace(clause + "\n\n", "")
    # identify alone still says GPL-3.0: 5 % of the GPL is some 1,700 characters
    assert _identify_alone(tmp_path, altered) == "GPL-3.0"
    assert identify_license(altered.encode()) is None


def test_apache_with_a_clause_added_is_not_apache(tmp_path: Path) -> None:
    body = own_copyright(text("Apache-2.0-debian-common-licenses"))
    anchor = "   3. Grant of Patent License."
    assert anchor in body
    added = ("   2a. Field of Use. The licenses granted above do not extend to any use of the "
             "Work or of Derivative Works for military or surveillance purposes.\n\n")
    altered = body.replace(anchor, added + anchor)
    assert _identify_alone(tmp_path, altered) == "Apache-2.0"
    assert identify_license(altered.encode()) is None


def test_agpl_without_its_network_clause_is_not_agpl(tmp_path: Path) -> None:
    body = own_copyright(text("AGPL-3.0-ai4os-yolov8-torch"))
    paras = _paragraphs(body)
    clause = next(p for p in paras if "Notwithstanding any other provision of this License, "
                  "if you modify the" in p)
    altered = body.replace(clause + "\n\n", "")
    assert identify_license(altered.encode()) is None


def test_bsd3_without_its_third_clause_is_bsd2() -> None:
    body = own_copyright(text("BSD-3-Clause-jinja2"))
    third = next(p for p in _paragraphs(body) if p.startswith("3. "))
    # what is left is word for word the two-clause license, and is named so
    assert identify_license(body.replace(third + "\n\n", "").encode()) == "BSD-2-Clause"


def test_the_terms_cut_short_are_not_the_license() -> None:
    body = own_copyright(text("MIT-ai4os-demo-app"))
    cut = body.rsplit(" ", 6)[0]  # the last six words of the disclaimer gone
    assert identify_license(cut.encode()) is None


@pytest.mark.parametrize("data", [b"", b"   \n", b"\xff\xfe not UTF-8 \xe9",
                                  b"All rights reserved. Do not copy."])
def test_not_a_license_is_none(data: bytes) -> None:
    assert identify_license(data) is None


def test_faithful_is_a_word_diff_against_identifys_own_text() -> None:
    mit = text("MIT-ai4os-demo-app")
    assert faithful(mit, "MIT")
    assert not faithful(mit, "BSD-3-Clause")
    assert not faithful(mit, "No-Such-License")
    assert "to use, copy, modify" in mit
    assert faithful(mit.replace("to use, copy, modify", "to use, copy, really modify"), "MIT")
    ten = "to use (for research and teaching only, never for any gain), copy, modify"
    assert not faithful(mit.replace("to use, copy, modify", ten), "MIT")
    four = "to use, copy, modify, with written leave first, merge"  # MAX_INSERTED_WORDS
    assert faithful(mit.replace("to use, copy, modify, merge", four), "MIT")
    five = "to use, copy, modify, only with written leave first, merge"
    assert not faithful(mit.replace("to use, copy, modify, merge", five), "MIT")


# -- what sync records --------------------------------------------------------------------
def test_metadata_license_counts_blank_as_none() -> None:
    assert metadata_license({"license": "MIT"}) == "MIT"
    assert metadata_license({"license": "  AGPL-3.0 "}) == "AGPL-3.0"
    for meta in ({"license": ""}, {"license": "  \n"}, {"license": None}, {"license": 3},
                 {}, None, ["license"]):
        assert metadata_license(meta) is None


def test_license_file_takes_the_first_present() -> None:
    mit = (DATA / "MIT-ai4os-demo-app").read_bytes()
    gpl = (DATA / "GPL-3.0-debian-common-licenses").read_bytes()
    blobs = {"LICENSE": Blob("LICENSE", None), "LICENSE.md": Blob("LICENSE.md", None),
             "LICENSE.txt": Blob("LICENSE.txt", mit), "COPYING": Blob("COPYING", gpl)}
    assert license_file(blobs) == ({"path": "LICENSE.txt", "spdx_id": "MIT"}, None)
    blobs["LICENSE.txt"] = Blob("LICENSE.txt", None)
    assert license_file(blobs) == ({"path": "COPYING", "spdx_id": "GPL-3.0"}, None)
    assert license_file({}) == (None, None)
    rec, warning = license_file({"LICENSE": Blob("LICENSE", None, 9_000_000, 262_144)})
    assert rec == {"path": "LICENSE", "spdx_id": None}
    assert warning["path"] == "LICENSE" and "too large to identify" in warning["message"]
