#!/usr/bin/env bash
# Start or stop a Docker engine for tests and benchmarks, with no bridge network.
#   dockerd.sh start DIR   -> prints the PID once `docker info` answers on unix://DIR/docker.sock
#   dockerd.sh stop PID    -> stops that engine and waits until it is gone
# Sockets, pid file, exec root and log live under DIR. The data root (image and layer cache)
# is Docker's default (images and layers persist on the machine; only one engine can use it);
# set DEEPOC_DOCKER_DATA_ROOT to give this engine its own (the tests do, so runs never clash).
set -euo pipefail
cmd=${1:-}
case "$cmd" in
  start)
    dir=${2:?usage: dockerd.sh start DIR}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    sock="$dir/docker.sock"
    args=(--bridge=none --iptables=false --ip-masq=false --host "unix://$sock"
          --pidfile "$dir/docker.pid" --exec-root "$dir/exec")
    if [ -n "${DEEPOC_DOCKER_DATA_ROOT:-}" ]; then
      args+=(--data-root "$DEEPOC_DOCKER_DATA_ROOT")
    fi
    setsid dockerd "${args[@]}" >"$dir/dockerd.log" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 300); do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "dockerd.sh: dockerd exited at start; see $dir/dockerd.log:" >&2
        tail -n 5 "$dir/dockerd.log" >&2
        exit 1
      fi
      if [ -S "$sock" ] && docker -H "unix://$sock" info >/dev/null 2>&1; then
        echo "$pid"
        exit 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "dockerd.sh: dockerd did not answer within 30 s; see $dir/dockerd.log" >&2
    exit 1
    ;;
  stop)
    pid=${2:?usage: dockerd.sh stop PID}
    # Where its exec root is, to unmount what dockerd leaves mounted there (netns/default).
    exec_root=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n '/^--exec-root$/{n;p}')
    kill -0 "$pid" 2>/dev/null || exit 0
    bash "$(dirname "$0")/stop-pid.sh" "$pid" 30
    if [ -n "$exec_root" ] && [ -d "$exec_root/netns" ]; then
      for m in "$exec_root"/netns/*; do
        umount "$m" 2>/dev/null || true
      done
    fi
    ;;
  *)
    echo "usage: dockerd.sh start DIR | stop PID" >&2
    exit 2
    ;;
esac
