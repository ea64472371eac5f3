#!/usr/bin/env bash
# Installs the real components the test suite drives (see docs/development.md):
# git, the Docker engine, an OCI registry, skopeo, Chromium, busybox-static,
# and, under .cache/node, npm-groovy-lint 16.2.0 and axe-core 4.14.1 (accessibility checks
# in Chromium). Idempotent and quiet when all is there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

need=()
command -v git >/dev/null || need+=(git)
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
command -v chromium >/dev/null || need+=(chromium)
# under pipefail every command of a pipe counts: grep reads all its input (no -q), and ldd
# exits 1 on the static binary it is asked about
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x sh >/dev/null \
  && { ldd /bin/busybox 2>&1 || true; } | grep "not a dynamic" >/dev/null || need+=(busybox-static)
command -v java >/dev/null || need+=(default-jre-headless)
command -v chattr >/dev/null || need+=(e2fsprogs)  # tests make folders immutable for root
command -v git-daemon >/dev/null || [ -x /usr/lib/git-core/git-daemon ] || need+=(git-daemon-sysvinit)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-system-deps: missing ${need[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
  echo "install-system-deps: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

lint="$here/.cache/node/node_modules/.bin/npm-groovy-lint"
if [ ! -x "$lint" ]; then
  echo "install-system-deps: npm install npm-groovy-lint@16.2.0"
  mkdir -p "$here/.cache/node"
  (cd "$here/.cache/node" && npm install --silent --no-audit --no-fund npm-groovy-lint@16.2.0 >/dev/null)
fi

axe="$here/.cache/node/node_modules/axe-core/axe.min.js"
if [ ! -f "$axe" ]; then
  echo "install-system-deps: npm install axe-core@4.14.1"
  mkdir -p "$here/.cache/node"
  (cd "$here/.cache/node" && npm install --silent --no-audit --no-fund axe-core@4.14.1 >/dev/null)
fi
