#!/usr/bin/env bash
# Start, stop or restart the Linking Exchange processes behind nginx (see docs/deploy.md).
#
#   deploy/start.sh start      migrate the database, then start PROCESSES gunicorn processes
#   deploy/start.sh stop       stop them gracefully (each tells its sockets to reconnect elsewhere)
#   deploy/start.sh restart    rolling restart: one process at a time, waiting until it is ready,
#                              so nginx always has a process to send clients to (upgrades)
#   deploy/start.sh status     each process's pid and readiness
#
# Settings come from the environment or from .env beside the app (see .env.example):
#   PROCESSES   how many processes (default: one per core)
#   BASE_PORT   the first port (default 5001; process N listens on BASE_PORT+N-1, 127.0.0.1 only)
#   RUN_DIR     where pid files go (default: instance/run)
#   LOG_DIR     where each process's log goes (default: instance/log; JSON lines)
# The nginx upstream (deploy/nginx/site.conf) must list the same ports.
# Under systemd, use deploy/systemd/linking-exchange@.service instead (one unit per port).
set -euo pipefail

APP_DIR="$(cd "$(dirname "$0")/.." && pwd)"
cd "$APP_DIR"
if [ -f .env ]; then set -a; . ./.env; set +a; fi
VENV="${VENV:-$APP_DIR/.venv}"
PROCESSES="${PROCESSES:-$(nproc)}"
BASE_PORT="${BASE_PORT:-5001}"
RUN_DIR="${RUN_DIR:-$APP_DIR/instance/run}"
LOG_DIR="${LOG_DIR:-$APP_DIR/instance/log}"
READY_TIMEOUT="${READY_TIMEOUT:-60}"
export TRUSTED_PROXIES="${TRUSTED_PROXIES:-1}"  # nginx in front: trust one X-Forwarded-For hop
export REQUESTS_AT_ONCE="${REQUESTS_AT_ONCE:-2}"  # nginx buffers uploads: pages in turn, 2 at once
mkdir -p "$RUN_DIR" "$LOG_DIR"

port_of() { echo $((BASE_PORT + $1 - 1)); }
pid_of() { cat "$RUN_DIR/web-$1.pid" 2>/dev/null || true; }
running() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

wait_ready() {
  local port="$1" deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "process on port $port is not ready after ${READY_TIMEOUT}s (see $LOG_DIR)" >&2
      return 1
    fi
    sleep 0.5
  done
}

start_one() {
  local n="$1" port
  port="$(port_of "$n")"
  if running "$n"; then echo "web-$n already running (pid $(pid_of "$n"))"; return 0; fi
  NODE_NAME="web-$n" PORT="$port" "$VENV/bin/gunicorn" \
    --config deploy/gunicorn.conf.py --bind "127.0.0.1:$port" \
    --pid "$RUN_DIR/web-$n.pid" --daemon \
    --error-logfile "$LOG_DIR/web-$n.log" --capture-output \
    exchange.wsgi:app
  wait_ready "$port"
  echo "web-$n ready on 127.0.0.1:$port (pid $(pid_of "$n"))"
}

stop_one() {
  local n="$1" pid
  pid="$(pid_of "$n")"
  if ! running "$n"; then rm -f "$RUN_DIR/web-$n.pid"; return 0; fi
  kill -TERM "$pid"  # graceful: sockets are moved, in-flight requests finish
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then echo "web-$n did not stop in 30 s; killing" >&2; kill -KILL "$pid"; fi
  rm -f "$RUN_DIR/web-$n.pid"
  echo "web-$n stopped"
}

case "${1:-}" in
  start)
    "$VENV/bin/flask" --app exchange db upgrade
    for n in $(seq 1 "$PROCESSES"); do start_one "$n"; done ;;
  stop)
    for n in $(seq 1 "$PROCESSES"); do stop_one "$n"; done ;;
  restart)
    "$VENV/bin/flask" --app exchange db upgrade
    for n in $(seq 1 "$PROCESSES"); do stop_one "$n"; start_one "$n"; done ;;
  status)
    for n in $(seq 1 "$PROCESSES"); do
      port="$(port_of "$n")"
      if running "$n"; then
        state="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)"
        echo "web-$n pid $(pid_of "$n") port $port readyz $state"
      else echo "web-$n not running (port $port)"; fi
    done ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
