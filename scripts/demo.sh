#!/usr/bin/env bash
# The main job on the embedded default: no configuration, no account, no network.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/bootstrap.sh
exec .venv/bin/deep-oc demo "$@"
