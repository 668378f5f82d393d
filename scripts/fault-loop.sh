#!/usr/bin/env bash
# The fault suite (tests/faults) N times in a row, optionally beside a CPU hog busy on one core, to
# show it passes every time (issue 19: a CI that fails at random blocks everything).
#   scripts/fault-loop.sh [N=20] [--hog]
# It runs the fault suite as `make test` does (scripts/faults.sh).
# CONTACTS_FAULTS_QUORUM_LOSS=1 in the environment (`make fault-loop QUORUM_LOSS=1`) adds the
# cluster test's quorum loss (two nodes of three), which OpenSearch sometimes takes many minutes to
# recover from on this machine (docs/scaling.md).
# Prints one line per run (pass/fail, seconds) and at the end the passes and the Redis-restart
# recovery times of these runs (p50 / max, from var/faults-recovery.log, written by the test).
# A failed run keeps its process logs in var/fault-loop/run-N-logs.
# Needs the local stack (`deploy/stack.sh up`) for the test settings; the faults run on private
# PostgreSQL, Redis and OpenSearch instances of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
hog=${2:-}
log_dir=var/fault-loop
mkdir -p "$log_dir"
recovery=var/faults-recovery.log
before=$({ wc -l <"$recovery"; } 2>/dev/null || echo 0)
faults_dir="$PWD/var/faults/"

# The private PostgreSQL, Redis, OpenSearch, API and worker processes of the fault stacks run in
# sessions of their own (so a test can signal each as a group): a pytest that dies before its
# teardown leaves them behind, and a kill of the loop does not reach them. Find them by what they
# hold under var/faults (their command line, or a log file open on a descriptor) and stop them.
stop_leftovers() {
  local pid found=()
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" != $$ ] || continue
    if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$faults_dir" ||
      ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF "$faults_dir"; then
      found+=("$pid")
    fi
  done
  [ ${#found[@]} -gt 0 ] || return 0
  echo "[fault-loop] stopping ${#found[@]} leftover fault-stack processes: ${found[*]}"
  kill -TERM "${found[@]}" 2>/dev/null || true
  sleep 5
  kill -KILL "${found[@]}" 2>/dev/null || true
}

hog_pid=
if [ "$hog" = "--hog" ]; then
  taskset -c 0 python3 -c 'while True: pass' &
  hog_pid=$!
  echo "[fault-loop] CPU hog on core 0 (pid $hog_pid)"
fi
trap '[ -z "$hog_pid" ] || kill "$hog_pid" 2>/dev/null || true; stop_leftovers' EXIT
trap 'exit 130' INT TERM
stop_leftovers
passed=0
for i in $(seq 1 "$runs"); do
  started=$(date +%s)
  if scripts/faults.sh -q -p no:cacheprovider >"$log_dir/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    result=pass
  else
    result="FAIL (see $log_dir/run-$i.log; the process logs are in $log_dir/run-$i-logs)"
    rm -rf "$log_dir/run-$i-logs"
    mv var/fault-logs "$log_dir/run-$i-logs" 2>/dev/null || true
  fi
  echo "[fault-loop] run $i/$runs: $result in $(($(date +%s) - started)) s"
  stop_leftovers
done
echo "[fault-loop] $passed of $runs runs passed${hog:+ beside a CPU hog}${CONTACTS_FAULTS_QUORUM_LOSS:+ (quorum loss included)}"
tail -n +"$((before + 1))" "$recovery" 2>/dev/null | awk '{print $2}' | sort -n |
  awk '{v[NR]=$1} END {if (NR) printf "[fault-loop] redis-restart recovery over %d restarts: p50 %.1f s, max %.1f s\n", NR, v[int((NR+1)/2)], v[NR]}'
[ "$passed" -eq "$runs" ]
