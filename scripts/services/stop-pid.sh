#!/usr/bin/env bash
# Stop a service started by one of the scripts here, by its PID: TERM, wait up to SECONDS
# for it to exit, then KILL. A PID that is already gone is not an error.
#   stop-pid.sh PID [SECONDS]   (default 10)
set -u
pid=${1:?usage: stop-pid.sh PID [SECONDS]}
tenths=$(( ${2:-10} * 10 ))
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 "$tenths"); do
  kill -0 "$pid" 2>/dev/null || exit 0
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
