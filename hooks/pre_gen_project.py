"""Check every answer before cookiecutter writes anything; report all problems at once.

Cookiecutter renders this file with Jinja before running it. The answers arrive as one
JSON document in a raw string (Jinja's ``tojson`` escapes quotes, so no answer can end
the string or inject code); nothing else in this file is templated. Only the standard
library is used: this runs wherever plain ``cookiecutter`` is installed.

``deep-oc new`` imports :func:`problems` from this file so the rules live in one place.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

ANSWERS_JSON = r'''{{ cookiecutter | tojson }}'''

LICENSES = ("MIT", "Apache-2.0", "BSD-3-Clause", "AGPL-3.0-only", "no license")
MODEL_TYPES = ("inference", "trainable")

# A Python package name that is also a valid Docker repository path component:
# lower case, starts with a letter, single or double underscores between alphanumerics.
REPO_RE = re.compile(r"^[a-z][a-z0-9]*(?:_{1,2}[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&*+/=?^_`|~'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
URL_CHARS_RE = re.compile(r"^[A-Za-z0-9._~:/%+@-]+$")
# A download URL may have a query (?download=1) but nothing a Dockerfile or a shell would
# read as syntax: no $, quotes, backslashes, spaces or '#'.
WEIGHTS_URL_CHARS_RE = re.compile(r"^[A-Za-z0-9._~:/%+@?=&,-]+$")
# The weights are saved under the URL's last path segment, in the package's models folder.
WEIGHTS_FILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$")
SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
MAX_WEIGHTS_URL = 2000
DOCKER_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
DOCKER_USER_RE = re.compile(rf"^{DOCKER_COMPONENT}$")
DOCKER_IMAGE_RE = re.compile(
    rf"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?/)?"
    rf"{DOCKER_COMPONENT}(?:/{DOCKER_COMPONENT})*$"
)
DOCKER_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# What cookiecutter.json derives repo_name as when project_name has no letters or digits:
# a folder name cookiecutter can create (an empty one is the output folder itself), which
# no valid repo_name can be.
NO_NAME = "(no name)"
STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
SINGLE_LINE = (
    "git_base_url",
    "project_name",
    "repo_name",
    "author_name",
    "author_email",
    "app_version",
    "dockerhub_user",
    "docker_baseimage",
    "baseimage_cpu_tag",
    "baseimage_gpu_tag",
    "jenkins_url",
    "weights_url",
    "weights_sha256",
)


def _url_problem(key: str, value: str) -> str | None:
    if not URL_CHARS_RE.match(value):
        return f"{key} {value!r} has characters not allowed in a URL here (spaces, quotes...)"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{key} {value!r} must be an http(s) URL with a host, e.g. https://github.com/deephdc"
    if "@" in parts.netloc:
        return f"{key} {value!r} must not contain a user name or a password"
    if parts.query or parts.fragment or value.endswith("/"):
        return f"{key} {value!r} must not end with '/' nor have a query or a fragment"
    return None


def _weights_problems(url: str, sha256: str) -> list:
    """The trained weights: none (both empty), or an http(s) URL ending with a file name and
    the SHA-256 the build checks the download against."""
    if not url:
        if sha256:
            return ["weights_sha256 is set but weights_url is empty: give the weights' URL, "
                    "or leave both empty (no weights)"]
        return []
    out = []
    parts = urlsplit(url) if WEIGHTS_URL_CHARS_RE.match(url) else None
    if len(url) > MAX_WEIGHTS_URL:
        out.append(f"weights_url is longer than {MAX_WEIGHTS_URL} characters")
    elif parts is None:
        out.append(f"weights_url {url!r} has characters not allowed here (spaces, quotes, $, "
                   "backslashes, '#'...): percent-encode them")
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        out.append(f"weights_url {url!r} must be an http(s) URL with a host, e.g. "
                   "https://zenodo.org/records/1/files/model.h5")
    elif "@" in parts.netloc:
        out.append(f"weights_url {url!r} must not contain a user name or a password: private "
                   "weights take a token from the build secret weights_token")
    elif not WEIGHTS_FILE_RE.match(parts.path.rsplit("/", 1)[-1]):
        out.append(f"weights_url {url!r} must end with the file's name (letters, digits, "
                   "'.', '_', '+', '-'), e.g. .../model.h5: the weights are saved under it")
    if not sha256:
        out.append("weights_sha256 is needed with weights_url: the build checks the download "
                   "against it (sha256sum FILE prints it)")
    elif not SHA256_RE.match(sha256):
        out.append(f"weights_sha256 {sha256!r} must be 64 hexadecimal digits (sha256sum FILE)")
    return out


def problems(answers: dict, output_dir: str | None = None, check_code_dir: bool = True) -> list:
    """Every problem with ``answers`` as one human-readable line each (empty: all good).

    ``output_dir`` is the folder the two repositories go into; when given, existing
    ``<repo>`` (if ``check_code_dir``) or ``DEEP-OC-<repo>`` folders there are problems too.
    """
    out = []

    def text(key: str) -> str:
        value = answers.get(key, "")
        if not isinstance(value, str):
            out.append(f"{key} must be text, not {type(value).__name__}")
            return ""
        return value

    values = {key: text(key) for key in SINGLE_LINE + ("description", "open_source_license")}
    values["model_type"] = text("model_type") if "model_type" in answers else "inference"
    for key in SINGLE_LINE:
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in values[key]):
            out.append(f"{key} must be a single line without tabs or control characters")

    if not values["project_name"].strip():
        out.append("project_name must not be empty")

    repo = values["repo_name"]
    if repo == NO_NAME:
        if values["project_name"].strip():
            out.append(
                f"repo_name cannot be derived from project_name {values['project_name']!r} "
                "(it has no letters or digits): give one, e.g. repo_name=plant_classifier"
            )
    elif not REPO_RE.match(repo):
        out.append(
            f"repo_name {repo!r} must be lower case letters, digits and single underscores, "
            "starting with a letter (e.g. plant_classifier)"
        )
    elif keyword.iskeyword(repo) or repo in STDLIB or repo in ("deepaas", "test", "tests"):
        out.append(f"repo_name {repo!r} would clash with a Python module; choose another name")
    elif len(repo) > 100:
        out.append(f"repo_name {repo!r} is longer than 100 characters")

    for key in ("git_base_url", "jenkins_url"):
        if key == "jenkins_url" and not values[key]:
            continue  # no Jenkins server: no badges and no continuous_integration block
        problem = _url_problem(key, values[key])
        if problem:
            out.append(problem)

    authors = [a.strip() for a in values["author_name"].split(",")]
    emails = [e.strip() for e in values["author_email"].split(",")]
    if not values["author_name"].strip() or not all(authors):
        out.append("author_name must list one or more names, separated by commas, none empty")
    elif any(ch in name for name in authors for ch in '<>"\\'):
        out.append("author_name must not contain <, >, double quotes or backslashes")
    bad = [e for e in emails if not EMAIL_RE.match(e)]
    if bad:
        out.append(
            "author_email has malformed address(es): "
            + ", ".join(repr(e) for e in bad)
            + " (expected name@domain.tld, several separated by commas)"
        )
    if authors and all(authors) and len(authors) != len(emails):
        out.append(
            f"author_name lists {len(authors)} author(s) but author_email has "
            f"{len(emails)} address(es): give one e-mail per author, in the same order"
        )

    if not values["description"].strip():
        out.append("description must not be empty")
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in values["description"]):
        out.append("description must not contain control characters (newlines are fine)")

    if not VERSION_RE.match(values["app_version"]):
        out.append(f"app_version {values['app_version']!r} must be X.Y.Z, e.g. 0.1.0")
    if values["open_source_license"] not in LICENSES:
        out.append(
            f"open_source_license {values['open_source_license']!r} must be one of: "
            + ", ".join(LICENSES)
        )
    if values["model_type"] not in MODEL_TYPES:
        out.append(f"model_type {values['model_type']!r} must be one of: " + ", ".join(MODEL_TYPES))

    if not DOCKER_USER_RE.match(values["dockerhub_user"]):
        out.append(
            f"dockerhub_user {values['dockerhub_user']!r} must be a lower-case Docker Hub "
            "user or organisation (letters, digits, '.', '_', '-')"
        )
    base = values["docker_baseimage"]
    if "@" in base or ":" in base.rsplit("/", 1)[-1]:
        out.append(
            f"docker_baseimage {base!r} must not carry a tag or digest: "
            "put the tag in baseimage_cpu_tag / baseimage_gpu_tag"
        )
    elif not DOCKER_IMAGE_RE.match(base):
        out.append(f"docker_baseimage {base!r} is not a valid Docker image name")
    if not DOCKER_TAG_RE.match(values["baseimage_cpu_tag"]):
        out.append(
            f"baseimage_cpu_tag {values['baseimage_cpu_tag']!r} is not a valid Docker tag "
            "(letters, digits, '_', '.', '-'; at most 128)"
        )
    gpu = values["baseimage_gpu_tag"]
    if gpu and not DOCKER_TAG_RE.match(gpu):
        out.append(
            f"baseimage_gpu_tag {gpu!r} is not a valid Docker tag (or leave it empty: no GPU image)"
        )

    out += _weights_problems(values["weights_url"], values["weights_sha256"])

    if output_dir is not None and REPO_RE.match(repo):
        folder = Path(output_dir)
        names = ([repo] if check_code_dir else []) + [f"DEEP-OC-{repo}"]
        for name in names:
            if (folder / name).exists() or (folder / name).is_symlink():
                out.append(
                    f"{folder / name} already exists: move it away or choose another repo_name"
                )
    return out


def main() -> int:
    answers = json.loads(ANSWERS_JSON)
    # cookiecutter has already created <output>/<repo> (the cwd) when this runs; an existing
    # code repo folder makes cookiecutter itself stop earlier, before this hook.
    output_dir = answers.get("_output_dir") or str(Path.cwd().parent)
    found = problems(answers, output_dir, check_code_dir=False)
    here = Path.cwd()
    if any(here.iterdir()):  # only with cookiecutter -f: the folder was there before
        found.append(f"{here} already exists and is not empty: move it away or choose another "
                     "repo_name")
    if not found:
        return 0
    print(f"\nThe answers have {len(found)} problem(s); nothing was written:", file=sys.stderr)
    for problem in found:
        print(f"  - {problem}", file=sys.stderr)
    print("Fix them and run again.\n", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
