#!/usr/bin/env bash
# Start or stop a read-only git daemon serving every repository under a folder, on 127.0.0.1.
#   git-daemon.sh start BASE_DIR PORT [LOG] -> prints the PID once the port accepts connections
#   git-daemon.sh stop PID
# Repositories are then cloned as git://127.0.0.1:PORT/<path under BASE_DIR>.
set -euo pipefail
cmd=${1:-}
case "$cmd" in
  start)
    base=${2:?usage: git-daemon.sh start BASE_DIR PORT [LOG]}
    port=${3:?usage: git-daemon.sh start BASE_DIR PORT [LOG]}
    log=${4:-/dev/null}
    base=$(cd "$base" && pwd)
    setsid git daemon --reuseaddr --base-path="$base" --export-all --listen=127.0.0.1 \
      --port="$port" "$base" >"$log" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 100); do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "git-daemon.sh: git daemon exited at start (port $port in use?)" >&2
        exit 1
      fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "$pid"
        exit 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "git-daemon.sh: git daemon did not listen on 127.0.0.1:$port within 10 s" >&2
    exit 1
    ;;
  stop)
    pid=${2:?usage: git-daemon.sh stop PID}
    exec bash "$(dirname "$0")/stop-pid.sh" "$pid" 5
    ;;
  *)
    echo "usage: git-daemon.sh start BASE_DIR PORT [LOG] | stop PID" >&2
    exit 2
    ;;
esac
