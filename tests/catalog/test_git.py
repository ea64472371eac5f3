"""The git edge: never prompts, fails fast and in one line on unreachable remotes."""

from __future__ import annotations

import pytest

from deepoc.catalog import git

from .conftest import free_port


@pytest.mark.parametrize(
    "template",
    [
        "https://127.0.0.1:{port}/o/DEEP-OC-x",
        "http://127.0.0.1:{port}/o/DEEP-OC-x",
        "git://127.0.0.1:{port}/DEEP-OC-x",
        "ssh://git@127.0.0.1:{port}/o/DEEP-OC-x",
        "/nonexistent/deep-oc/DEEP-OC-x",
        "file:///nonexistent/deep-oc/DEEP-OC-x",
    ],
)
def test_unreachable_fails_fast_without_prompting(template: str) -> None:
    url = template.format(port=free_port())
    with pytest.raises(git.GitError) as info:
        # stdin is closed and no terminal prompt is allowed: a prompt would fail, not hang
        git.ls_remote_heads(url, timeout=30)
    message = str(info.value)
    assert message and "\n" not in message


def test_timeout_is_a_git_error(hanging_server) -> None:
    with pytest.raises(git.GitError, match="timed out after 1 s"):
        git.ls_remote_heads(f"git://127.0.0.1:{hanging_server.port}/x", timeout=1)


def test_iso_utc() -> None:
    assert git.iso_utc(0) == "1970-01-01T00:00:00Z"
    assert git.iso_utc(1_700_000_000) == "2023-11-14T22:13:20Z"
