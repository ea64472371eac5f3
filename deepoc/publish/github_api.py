"""The PyGithub edge: one client, and every API failure turned into one clear line.

``api_errors(action)`` wraps each call so a 401, a rate limit, a missing owner or a taken
name reads as a sentence naming what was being done and what to do; transient 5xx are
retried with back-off by PyGithub's own ``GithubRetry`` before they get here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import github
import requests
from github import Auth, GithubException, GithubRetry
from github.GithubException import BadCredentialsException, RateLimitExceededException
from urllib3.util.retry import Retry

from deepoc.errors import DeepOCError, UsageError

DEFAULT_API_URL = "https://api.github.com"
TOKEN_ENV = "GITHUB_TOKEN"


@dataclass(frozen=True)
class ApiSettings:
    """Retry and pacing knobs; the environment can shrink them (tests, impatient CI)."""

    retries: int = 4
    backoff: float = 1.0  # seconds; doubles per retry
    pace: float | None = None  # PyGithub's defaults: 0.25 s between requests, 1 s between writes
    fork_wait: float = 120.0  # seconds to wait for GitHub to finish a fork
    poll: float = 2.0

    @classmethod
    def from_env(cls) -> ApiSettings:
        """Read DEEPOC_GITHUB_RETRIES / _BACKOFF / _PACE / _FORK_WAIT / _POLL when set."""
        def num(name: str, default: float | None) -> float | None:
            raw = os.environ.get(f"DEEPOC_GITHUB_{name}", "").strip()
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError as exc:
                raise UsageError(f"DEEPOC_GITHUB_{name}={raw!r} is not a number") from exc

        base = cls()
        return cls(
            retries=int(num("RETRIES", base.retries) or 0),
            backoff=float(num("BACKOFF", base.backoff) or 0.0),
            pace=num("PACE", base.pace),
            fork_wait=float(num("FORK_WAIT", base.fork_wait) or 0.0),
            poll=float(num("POLL", base.poll) or 0.0),
        )


def read_token(token_file: str | None) -> str:
    """The token from --token-file, else GITHUB_TOKEN; never from a plain argument."""
    if token_file:
        path = Path(token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(
                f"cannot read --token-file {token_file}: {exc.strerror}; give a readable file "
                "holding only the token"
            ) from exc
        if not token or len(token.split()) != 1:
            raise UsageError(
                f"--token-file {token_file} must hold exactly one token on one line"
            )
        return token
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(
            f"no GitHub token: set {TOKEN_ENV} or pass --token-file FILE "
            "(a token with the 'repo' scope)"
        )
    return token


def check_api_url(api_url: str | None, allow_insecure: bool = False) -> str:
    """Validate --api-url and return it without a trailing slash.

    ``http://`` would send the token unencrypted: it needs ``allow_insecure``
    (``--allow-insecure-api``, for a local test server).

    A bare GitHub Enterprise Server address (``https://ghe.example.org``) gets the ``/api/v3``
    its REST API lives under; hosts named ``api.*`` (github.com, GHE.com) serve it at the root.
    """
    url = (api_url or DEFAULT_API_URL).strip().rstrip("/")
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise UsageError(
            f"--api-url {api_url!r} is not an API address: give e.g. https://api.github.com "
            "or https://ghe.example.org/api/v3"
        )
    if parts.scheme == "http" and not allow_insecure:
        raise UsageError(
            f"--api-url {api_url!r} is plain http: the token would travel unencrypted; use "
            "https, or pass --allow-insecure-api (only for a local test server)"
        )
    if not parts.path and not parts.hostname.startswith("api."):
        url += "/api/v3"
    return url


def client(token: str, api_url: str, settings: ApiSettings) -> Any:
    """A PyGithub client: 5xx retried with back-off, a rate limit reported at once."""
    # PyGithub logs every retry at INFO on its own stderr handler; our errors are one line.
    logging.getLogger("github").setLevel(logging.WARNING)
    retry = GithubRetry(
        total=settings.retries,
        # PATCH and PUT here only set fields (default branch, topics): safe to repeat
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"GET", "POST", "PATCH", "PUT"},
        backoff_factor=settings.backoff,
        raise_on_status=False,  # the last 5xx comes back as a GithubException with its status
        max_rate_limit_wait=0,  # never sleep until a rate-limit reset: say when it is
    )
    kwargs: dict[str, Any] = {}
    if settings.pace is not None:
        kwargs["seconds_between_requests"] = settings.pace
        kwargs["seconds_between_writes"] = settings.pace
    return github.Github(
        auth=Auth.Token(token), base_url=api_url, retry=retry, timeout=30,
        user_agent="deep-oc", **kwargs,
    )


def _message(exc: Any) -> str:
    data = getattr(exc, "data", None)
    msg = ""
    if isinstance(data, dict):
        msg = str(data.get("message") or "")
        details = []
        for err in data.get("errors") or []:
            if isinstance(err, dict):
                details.append(str(err.get("message") or err.get("code") or ""))
            else:
                details.append(str(err))
        details = [d for d in details if d]
        if details:
            msg = f"{msg} ({'; '.join(details)})" if msg else "; ".join(details)
    elif isinstance(data, str):
        msg = data
    return " ".join(msg.split())[:300] or "no message"


def _reset_time(headers: Any) -> str:
    headers = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    raw = str(headers.get("x-ratelimit-reset", "")).strip()
    if raw.isdigit():
        when = datetime.fromtimestamp(int(raw), timezone.utc)
        mins = max(0, int((when - datetime.now(timezone.utc)).total_seconds() + 59) // 60)
        return f"resets at {when.strftime('%Y-%m-%d %H:%M:%S')} UTC (in {mins} min)"
    retry_after = str(headers.get("retry-after", "")).strip()
    if retry_after:
        return f"retry after {retry_after} s"
    return "reset time not given"


class NotFound(DeepOCError):
    """A 404 the caller may want to handle (a repository that does not exist yet)."""


class NameTaken(DeepOCError):
    """A 422 'name already exists' on repository creation."""


@contextlib.contextmanager
def api_errors(action: str, api_url: str, not_found: str | None = None) -> Iterator[None]:
    """Turn PyGithub and network failures inside the block into one DeepOCError line.

    ``action`` says what was being done ("creating alice/foo"); ``not_found`` is the sentence
    used for a 404 (else a generic one).
    """
    try:
        yield
    except BadCredentialsException as exc:
        raise DeepOCError(
            f"{action}: GitHub at {api_url} rejected the token (401 {_message(exc)}): "
            "check GITHUB_TOKEN or --token-file"
        ) from None
    except RateLimitExceededException as exc:
        raise DeepOCError(
            f"{action}: GitHub API rate limit exceeded at {api_url}, "
            f"{_reset_time(exc.headers)}: rerun after that"
        ) from None
    except GithubException as exc:
        status = exc.status
        msg = _message(exc)
        if status == 401:
            raise DeepOCError(
                f"{action}: GitHub at {api_url} rejected the token (401 {msg}): "
                "check GITHUB_TOKEN or --token-file"
            ) from None
        if status == 403 and "rate limit" in msg.lower():
            raise DeepOCError(
                f"{action}: GitHub API rate limit exceeded at {api_url}, "
                f"{_reset_time(exc.headers)}: rerun after that"
            ) from None
        if status == 403:
            raise DeepOCError(
                f"{action}: GitHub refused it (403 {msg}): the token needs the 'repo' scope "
                "and access to that owner"
            ) from None
        if status == 404:
            raise NotFound(
                f"{action}: {not_found or 'not found'} (404 at {api_url})"
            ) from None
        if status == 422 and "already exists" in msg.lower():
            raise NameTaken(f"{action}: name already taken (422 {msg})") from None
        if status == 422:
            raise DeepOCError(f"{action}: GitHub refused the request (422 {msg})") from None
        if status is not None and status >= 500:
            raise DeepOCError(
                f"{action}: GitHub at {api_url} kept failing ({status} {msg}) after retries: "
                "try again later"
            ) from None
        raise DeepOCError(f"{action}: GitHub answered {status} {msg}") from None
    except requests.exceptions.RetryError:
        raise DeepOCError(
            f"{action}: GitHub at {api_url} kept failing after retries: try again later"
        ) from None
    except requests.exceptions.RequestException as exc:
        raise DeepOCError(
            f"{action}: cannot reach {api_url} ({type(exc).__name__}): check --api-url "
            "and the network"
        ) from None


def wait_until(check: Any, timeout: float, poll: float) -> bool:
    """Call ``check()`` until it returns True or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
