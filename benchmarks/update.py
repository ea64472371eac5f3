"""``deep-oc update`` against a bake, and against ``cruft update`` on the same template.

Goals (issue "Template updates"): an update of an up-to-date pair ≤ 2× a bake; of a pair one
template version behind ≤ 3× a bake; both measured side by side, in one run, with
``cruft update`` of a single repo made from the same template as the reference a user
would pick instead.

The template is this checkout's, committed twice into a scratch git repository (cruft
clones its template): ``v1`` as it is, ``v2`` with a new file and a changed line.
``--setup`` installs cruft 2.16.0 into benchmarks/_ref/cruft (gitignored).

Usage: .venv/bin/python benchmarks/update.py [--runs N] [--setup]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CRUFT_ENV = HERE / "_ref" / "cruft"
CRUFT = CRUFT_ENV / "bin" / "cruft"
DEEP_OC = Path(sys.executable).with_name("deep-oc")
TEMPLATE_FILES = ("cookiecutter.json", "local_extensions.py", "hooks", "templates",
                  "{{cookiecutter.repo_name}}")


def _run(argv: list, cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return took


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@example.org", *args],
                   cwd=cwd, check=True, capture_output=True)


def _templates(work: Path) -> tuple[Path, Path, Path]:
    """A git repository of the template with tags v1 and v2, and a work tree of each."""
    repo = work / "template.git-work"
    repo.mkdir()
    for name in TEMPLATE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, repo / name)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "v1")
    _git(repo, "tag", "v1")
    docker = repo / "{{cookiecutter.repo_name}}" / "DEEP-OC-{{cookiecutter.repo_name}}"
    (docker / "CHANGELOG.md").write_text("# Changes\n")
    req = repo / "{{cookiecutter.repo_name}}" / "requirements.txt"
    req.write_text(req.read_text().replace("webargs>=5.5,<6", "webargs>=5.5,<7"))
    _git(repo, "commit", "-qam", "v2")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "v2 file")
    _git(repo, "tag", "v2")
    trees = []
    for tag in ("v1", "v2"):
        tree = work / f"template-{tag}"
        _git(repo, "worktree", "add", "-q", str(tree), tag)
        trees.append(tree)
    return repo, trees[0], trees[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--setup", action="store_true", help="install cruft 2.16.0 first")
    args = parser.parse_args()
    if args.setup and not CRUFT.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CRUFT_ENV)], check=True)
        subprocess.run([CRUFT_ENV / "bin" / "pip", "install", "-q", "cruft==2.16.0"],
                       check=True)
    have_cruft = CRUFT.exists()
    work = Path(tempfile.mkdtemp(prefix="deep-oc-bench-update-"))
    try:
        repo, v1, v2 = _templates(work)
        home = work / "home"
        home.mkdir()
        base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        base.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1")
        (home / ".gitconfig").write_text("[user]\n\tname = b\n\temail = b@example.org\n")
        times: dict[str, list[float]] = {"bake": [], "update, up to date": [],
                                         "update, one version behind": [],
                                         "cruft update, one version behind": []}
        for n in range(args.runs):
            out = work / f"run{n}"
            out.mkdir()
            env1 = dict(base, DEEPOC_TEMPLATE=str(v1))
            env2 = dict(base, DEEPOC_TEMPLATE=str(v2))
            times["bake"].append(_run([DEEP_OC, "new", "--no-input"], out, env1))
            times["update, up to date"].append(_run([DEEP_OC, "update"], out, env1))
            times["update, one version behind"].append(_run([DEEP_OC, "update"], out, env2))
            if have_cruft:
                cr = work / f"cruft{n}"
                cr.mkdir()
                _run([CRUFT, "create", f"file://{repo}", "--checkout", "v1", "--no-input"],
                     cr, base)
                project = cr / "demo_module"
                # the hooks' git repos are binary to cruft's diff: tell it to skip them
                spec = project / ".cruft.json"
                data = json.loads(spec.read_text())
                data["skip"] = [".git", ".git/*"]
                spec.write_text(json.dumps(data, indent=2))
                _git(project, "add", "-A")
                _git(project, "commit", "-qm", "cruft")
                times["cruft update, one version behind"].append(
                    _run([CRUFT, "update", "--checkout", "v2", "-y"], project, base))
        med = {k: statistics.median(v) for k, v in times.items() if v}
        print(f"runs: {args.runs} (median wall time, fresh process each)")
        for name, value in med.items():
            print(f"  {name:36s} {value * 1000:8.0f} ms")
        print("# ratios")
        print(f"update up to date / bake:        {med['update, up to date'] / med['bake']:.2f}x"
              " (goal <= 2)")
        behind = med["update, one version behind"]
        print(f"update one behind / bake:        {behind / med['bake']:.2f}x (goal <= 3)")
        if "cruft update, one version behind" in med:
            print(f"update one behind / cruft update: "
                  f"{behind / med['cruft update, one version behind']:.2f}x")
        else:
            print("(cruft not installed at benchmarks/_ref/cruft: run with --setup)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
