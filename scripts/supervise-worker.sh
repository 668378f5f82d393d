#!/usr/bin/env bash
# Run the Celery worker (with beat) and keep it running: restart it when it exits, and when its
# health check fails twice in a row (python -m indexer_worker.health: its consumer stopped while
# the outbox has work, or it stopped answering). Used by scripts/run.sh; stops its worker on TERM.
#   scripts/supervise-worker.sh [extra celery worker options...]
# Env: CONTACTS_WORKER_LOG (var/log/worker.log), CONTACTS_WORKER_HEALTH_INTERVAL (15 s between
# checks), CONTACTS_WORKER_HEALTH_GRACE (60 s: how long a new worker may take to pass its first
# check; failed checks before that do not count, so a slow start on a busy machine is not taken for
# a stall, while a worker that has passed once is judged at once), CONTACTS_WORKER_SCHEDULE
# (var/celerybeat-schedule).
set -uo pipefail
cd "$(dirname "$0")/.."
log=${CONTACTS_WORKER_LOG:-var/log/worker.log}
interval=${CONTACTS_WORKER_HEALTH_INTERVAL:-15}
grace=${CONTACTS_WORKER_HEALTH_GRACE:-60}
schedule=${CONTACTS_WORKER_SCHEDULE:-var/celerybeat-schedule}
mkdir -p "$(dirname "$log")" "$(dirname "$schedule")"
say() { printf '[supervisor %s] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$log" >&2; }
pid=

stop_worker() {  # TERM the worker's process group (main, pool, beat), KILL what is left after 30 s
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}
trap 'stop_worker; exit 0' TERM INT

while :; do
  # Its own process group (setsid), so a stop reaches the pool and beat processes too.
  setsid .venv/bin/celery -A indexer_worker.celery_app worker --beat --loglevel=INFO --concurrency=2 \
    --schedule "$schedule" "$@" >>"$log" 2>&1 &
  pid=$!
  started=$SECONDS failures=0 passed_once=
  say "worker started (pid $pid)"
  while kill -0 "$pid" 2>/dev/null; do
    sleep "$interval" & wait $!  # in the background, so a TERM is handled at once
    kill -0 "$pid" 2>/dev/null || break
    if verdict=$(.venv/bin/python -m indexer_worker.health --quiet 2>&1); then
      failures=0
      [ -n "$passed_once" ] || say "worker healthy after $((SECONDS - started)) s"
      passed_once=1
    elif [ -z "$passed_once" ] && [ $((SECONDS - started)) -lt "$grace" ]; then
      continue  # still starting (or catching up): not judged yet
    else
      failures=$((failures + 1))
      say "health check failed ($failures): $verdict"
      if [ "$failures" -ge 2 ]; then
        say "worker unhealthy: restarting it"
        stop_worker
        break
      fi
    fi
  done
  if [ -n "$pid" ]; then
    wait "$pid"; status=$?
    pid=
    say "worker exited with status $status: restarting it"
  fi
  sleep 2 & wait $!
done
