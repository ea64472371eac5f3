#!/usr/bin/env bash
# Deploy {{ cookiecutter.repo_name }} through the orchent client of the INDIGO PaaS
# orchestrator (TOSCA template). Copy this file to submit_<something>.sh (git ignores
# those copies), adjust the settings below, and run it.
#
# Credentials are read from the environment and never stored in this file:
#   ORCHENT_URL            orchestrator endpoint
#   ORCHENT_ACCESS_TOKEN   your OIDC access token (e.g. from oidc-agent: oidc-token <account>)
#   RCLONE_USER, RCLONE_PASS  (optional) remote storage account for data and models
set -euo pipefail

: "${ORCHENT_URL:?set ORCHENT_URL to the orchestrator endpoint}"
: "${ORCHENT_ACCESS_TOKEN:?set ORCHENT_ACCESS_TOKEN (an OIDC access token)}"
command -v orchent >/dev/null || { echo "orchent is not installed" >&2; exit 1; }

TOSCA_TEMPLATE=${TOSCA_TEMPLATE:-deep-oc-marathon-webdav.yml}
DOCKER_IMAGE=${DOCKER_IMAGE:-{{ cookiecutter.dockerhub_user }}/{{ cookiecutter.repo_name }}:latest}
RUN_COMMAND=${RUN_COMMAND:-deepaas-run --listen-ip 0.0.0.0 --listen-port 5000}
NUM_CPUS=${NUM_CPUS:-1}
MEM_SIZE=${MEM_SIZE:-4096 MB}
NUM_GPUS=${NUM_GPUS:-0}
RCLONE_URL=${RCLONE_URL:-}
RCLONE_VENDOR=${RCLONE_VENDOR:-nextcloud}

inputs=$(python3 - "$DOCKER_IMAGE" "$RUN_COMMAND" "$NUM_CPUS" "$MEM_SIZE" "$NUM_GPUS" \
    "$RCLONE_URL" "$RCLONE_VENDOR" <<'PY'
import json, os, sys
image, command, cpus, mem, gpus, url, vendor = sys.argv[1:]
inputs = {"docker_image": image, "run_command": command, "num_cpus": cpus,
          "mem_size": mem, "num_gpus": gpus, "rclone_url": url, "rclone_vendor": vendor,
          "rclone_user": os.environ.get("RCLONE_USER", ""),
          "rclone_pass": os.environ.get("RCLONE_PASS", "")}
print(json.dumps(inputs))
PY
)

export ORCHENT_URL ORCHENT_ACCESS_TOKEN
exec orchent depcreate "$TOSCA_TEMPLATE" "$inputs"
