#!/usr/bin/env bash
# Make (once per machine) the local stand-in for the module base images and tag it.
#   DOCKER_HOST=unix://... test-baseimage.sh NAME:TAG [NAME:TAG ...]
# There is no Docker Hub here, so `FROM tensorflow/tensorflow:<tag>` must find a local image:
# Debian bookworm (debootstrap minbase) with python3, pip, venv, git and ca-certificates,
# `python`/`pip` aliases, and a wheelhouse of DEEPaaS and build tools made on the host so
# `pip install` works offline in containers (PIP_NO_INDEX, PIP_FIND_LINKS=/wheelhouse).
# The image is named after a hash of its recipe (packages, wheels, RECIPE): when unchanged the
# cached image is only re-tagged (well under a second); otherwise it is rebuilt (~1.5 min).
# A copy is kept as a `docker save` tar under $DEEPOC_CACHE_DIR (default ~/.cache/deep-oc), so an
# engine with a fresh data root (as the tests use) loads it in seconds instead of rebuilding.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: test-baseimage.sh NAME:TAG [NAME:TAG ...]" >&2; exit 2; }
: "${DOCKER_HOST:?set DOCKER_HOST to the engine to use, e.g. unix:///tmp/x/docker.sock}"
# DEEPaaS, the template's requirements.txt and the build backend of its pyproject.toml.
WHEELS="${DEEPOC_TESTBASE_WHEELS:-deepaas==2.6.0 aiohttp<4 webargs>=5.5,<6 marshmallow>=3.14,<4 setuptools>=77 wheel pbr}"
MIRROR="${DEEPOC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
docker=docker
[ -x /usr/bin/docker ] && docker=/usr/bin/docker
PACKAGES=python3,python3-pip,python3-venv,git,ca-certificates
RECIPE=1  # bump when the image recipe below changes
key=$(echo "$RECIPE $PACKAGES $WHEELS" | sha256sum | cut -c1-16)
image="deep-oc/testbase:$key"
cache="${DEEPOC_CACHE_DIR:-$HOME/.cache/deep-oc}/testbase-$key.tar"

mkdir -p "$(dirname "$cache")"
# One maker at a time per machine: a second caller waits, then loads the first one's tar.
exec 9>"$cache.lock"
flock 9
if ! $docker image inspect "$image" >/dev/null 2>&1 && [ -s "$cache" ]; then
  $docker load -q -i "$cache" >/dev/null || rm -f "$cache"
fi

if ! $docker image inspect "$image" >/dev/null 2>&1; then
  echo "test-baseimage: building $image (first run on this machine)" >&2
  work=$(mktemp -d /tmp/deepoc-testbase.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  # The host is Debian 12 with Python 3.11 like the image: wheels built here install there.
  py=python3
  [ -x "$(dirname "$0")/../../.venv/bin/python" ] && py="$(dirname "$0")/../../.venv/bin/python"
  "$py" -m pip wheel -q --wheel-dir "$work/ctx/wheelhouse" $WHEELS 2>"$work/pip.log" >&2 || {
    echo "test-baseimage: pip wheel failed:" >&2; tail -n 5 "$work/pip.log" >&2; exit 1; }
  debootstrap --variant=minbase --include="$PACKAGES" \
    bookworm "$work/root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
      echo "test-baseimage: debootstrap failed; last lines:" >&2; tail -n 5 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
  ln -sf python3 "$work/root/usr/bin/python"
  ln -sf pip3 "$work/root/usr/bin/pip"
  tar -C "$work/root" -c . | $docker import - "deep-oc/testbase-root:$key" >/dev/null
  cat >"$work/ctx/Dockerfile" <<DOCKERFILE
FROM deep-oc/testbase-root:$key
COPY wheelhouse /wheelhouse
ENV PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheelhouse PIP_BREAK_SYSTEM_PACKAGES=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 LANG=C.UTF-8
LABEL org.deep-oc.testbase=$key
CMD ["/bin/bash"]
DOCKERFILE
  DOCKER_BUILDKIT=0 $docker build -q -t "$image" "$work/ctx" >/dev/null 2>"$work/build.log" || {
    echo "test-baseimage: docker build failed:" >&2; cat "$work/build.log" >&2; exit 1; }
  $docker rmi "deep-oc/testbase-root:$key" >/dev/null 2>&1 || true
  $docker save -o "$cache.$$.tmp" "$image" && mv "$cache.$$.tmp" "$cache"
fi
for name in "$@"; do
  $docker tag "$image" "$name"
done
echo "$image"
