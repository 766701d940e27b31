#!/usr/bin/env bash
# Stops what scripts/test-env/setup.sh started, by the pids it recorded:
# the loopback registries (:5000 Basic, :5001 Bearer) and the static HTTP server;
# with --all also dockerd (only if setup.sh started it). Data (registry storage, caches, env.json) is kept,
# so the next setup.sh is quick.
set -euo pipefail

RUN_DIR=/run/kubox-e2e
all=
case "${1:-}" in
  --all) all=1 ;;
  "") ;;
  *) echo "usage: $0 [--all]" >&2; exit 2 ;;
esac

say() { echo "[test-env] $*"; }

# stop NAME PIDFILE PATTERN [TIMEOUT]: TERM the recorded pid if its command line
# still matches PATTERN, wait, then KILL.
stop() {
  local name=$1 pidfile=$2 pattern=$3 timeout=${4:-10} pid
  if [[ ! -s $pidfile ]]; then say "$name: not started by setup.sh (no $pidfile)"; return 0; fi
  pid=$(<"$pidfile")
  if [[ ! -r /proc/$pid/cmdline ]] || ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern"; then
    say "$name: not running"; rm -f "$pidfile"; return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < timeout * 10; i++)); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    say "$name: still running after ${timeout}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "$name: stopped (pid $pid)"
}

stop "http server" "$RUN_DIR/http.pid" http.server
stop "registry" "$RUN_DIR/registry.pid" docker-registry
stop "token registry" "$RUN_DIR/token-registry.pid" docker-registry
if [[ -n $all ]]; then
  stop "dockerd" "$RUN_DIR/dockerd.pid" dockerd 30
else
  say "dockerd left running (use --all to stop it)"
fi
