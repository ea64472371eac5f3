#!/usr/bin/env bash
# Start or stop a local OCI registry (Debian's docker-registry) on 127.0.0.1 only.
#   registry.sh start DIR PORT -> prints the PID once http://127.0.0.1:PORT/v2/ answers
#   registry.sh stop PID
# Its config and storage live under DIR (DIR/registry.yml, DIR/data). No auth, no TLS:
# loopback only, for tests, benchmarks and the demo.
set -euo pipefail
cmd=${1:-}
case "$cmd" in
  start)
    dir=${2:?usage: registry.sh start DIR PORT}
    port=${3:?usage: registry.sh start DIR PORT}
    mkdir -p "$dir/data"
    dir=$(cd "$dir" && pwd)
    cat >"$dir/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
    setsid docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 200); do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "registry.sh: docker-registry exited at start; see $dir/registry.log:" >&2
        tail -n 5 "$dir/registry.log" >&2
        exit 1
      fi
      if python3 - "$port" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v2/", timeout=1)
PY
      then
        echo "$pid"
        exit 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "registry.sh: registry did not answer on 127.0.0.1:$port within 20 s; see $dir/registry.log" >&2
    exit 1
    ;;
  stop)
    pid=${2:?usage: registry.sh stop PID}
    exec bash "$(dirname "$0")/stop-pid.sh" "$pid" 10
    ;;
  *)
    echo "usage: registry.sh start DIR PORT | stop PID" >&2
    exit 2
    ;;
esac
