#!/usr/bin/env bash
# The fault suite (tests/faults) N times in a row, optionally beside a CPU hog busy on one core, to
# show it passes every time (issue 19: a CI that fails at random blocks everything).
#   scripts/fault-loop.sh [N=20] [--hog] [--resume]
# It runs the fault suite as `make test` does (scripts/faults.sh).
# CONTACTS_FAULTS_QUORUM_LOSS=1 in the environment (`make fault-loop QUORUM_LOSS=1`) adds the
# cluster test's quorum loss (two nodes of three), which OpenSearch sometimes takes many minutes to
# recover from on this machine (docs/scaling.md).
# Prints one line per run (pass/fail, seconds) and at the end the passes and the Redis-restart
# recovery times of these runs (p50 / max, from var/faults-recovery.log, written by the test).
# A failed run keeps its process logs in var/fault-loop/run-N-logs.
#
# Every run is recorded in docs/fault-loop-history.tsv, a tracked file (commit it, so that a streak
# survives a new checkout): when it ended, the code it ran (a hash of the
# tracked files the fault suite runs, "+dirty" when one differs from the commit or a file is new), the mode
# (plain or hog, +quorum), pass or fail, its seconds and the Redis-restart recovery times it
# measured. A run of 20 takes longer than a working session on two cores, so --resume
# (`make fault-loop RESUME=1`) goes on with a streak: it counts the runs at the end of the history
# that passed on this same code in this same mode, and runs only the rest of N. A streak is over at
# a failure or a change to that code (runs in the other mode do not count either way); runs on a
# dirty tree never count. A loop stops at its first failure, and between two runs when
# var/fault-loop/stop-after-this-run exists (to free the machine without losing the streak).
# Needs the local stack (`deploy/stack.sh up`) for the test settings; the faults run on private
# PostgreSQL, Redis and OpenSearch instances of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=20 hog= resume=
for arg in "$@"; do
  case "$arg" in
    --hog) hog=--hog ;;
    --resume) resume=1 ;;
    [0-9]*) runs=$arg ;;
    *) echo "usage: scripts/fault-loop.sh [N] [--hog] [--resume]" >&2; exit 2 ;;
  esac
done
log_dir=var/fault-loop
history=docs/fault-loop-history.tsv
mkdir -p "$log_dir"
recovery=var/faults-recovery.log

# What the fault suite runs: every tracked file but the web app, the documents, the benchmarks and
# the scripts that only call the suite.
code_files=(-- . ':!web' ':!docs' ':!bench' ':!*.md' ':!.ci' ':!scripts/test.sh' ':!scripts/web.sh' ':!scripts/fault-loop.sh')
code=$(git ls-files -s "${code_files[@]}" | sha256sum | cut -c1-12)
[ -z "$(git status --porcelain --untracked-files=normal "${code_files[@]}")" ] || code="$code+dirty"  # a change, or a new file
mode=${hog:+hog}
mode=${mode:-plain}${CONTACTS_FAULTS_QUORUM_LOSS:++quorum}

# streak: how many runs at the end of the history passed on this code in this mode
streak=0
if [ -n "$resume" ] && [ -f "$history" ] && [ "${code%+dirty}" = "$code" ]; then
  streak=$(awk -F'\t' -v code="$code" -v mode="$mode" '
    $3 == mode { ok[++n] = ($2 == code && $4 == "pass") }
    END { k = 0; for (i = n; i >= 1 && ok[i]; i--) k++; print k }' "$history")
fi
echo "[fault-loop] code $code, mode $mode: $streak passing runs in a row so far, $runs wanted"

hog_pid=
if [ "$hog" = "--hog" ]; then
  taskset -c 0 python3 -c 'while True: pass' &
  hog_pid=$!
  echo "[fault-loop] CPU hog on core 0 (pid $hog_pid)"
fi
trap '[ -z "$hog_pid" ] || kill "$hog_pid" 2>/dev/null || true; scripts/stop-fault-stacks.sh' EXIT
trap 'exit 130' INT TERM
scripts/stop-fault-stacks.sh
passed=0 done=0
stop_file=$log_dir/stop-after-this-run
rm -f "$stop_file"
while [ $((streak + passed)) -lt "$runs" ] && [ "$done" -eq "$passed" ]; do
  if [ -e "$stop_file" ]; then
    rm -f "$stop_file"
    echo "[fault-loop] stopped between runs ($stop_file); RESUME=1 goes on from here"
    break
  fi
  i=$((streak + passed + 1))
  started=$(date +%s)
  before=$({ wc -l <"$recovery"; } 2>/dev/null || echo 0)
  if scripts/faults.sh -q -p no:cacheprovider >"$log_dir/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    result=pass
    message=pass
  else
    result=fail
    message="FAIL (see $log_dir/run-$i.log; the process logs are in $log_dir/run-$i-logs)"
    rm -rf "$log_dir/run-$i-logs"
    mv var/fault-logs "$log_dir/run-$i-logs" 2>/dev/null || true
  fi
  done=$((done + 1))
  seconds=$(($(date +%s) - started))
  restarts=$(tail -n +"$((before + 1))" "$recovery" 2>/dev/null | awk '{print $2}' | paste -sd, -)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$code" "$mode" "$result" "$seconds" "${restarts:--}" >>"$history"
  echo "[fault-loop] run $i/$runs: $message in $seconds s"
  scripts/stop-fault-stacks.sh
done
total=$((streak + passed))
[ "$done" -eq "$passed" ] || echo "[fault-loop] stopped at the first failure: the streak is over"
echo "[fault-loop] $passed of $done runs passed now${hog:+ beside a CPU hog}${CONTACTS_FAULTS_QUORUM_LOSS:+ (quorum loss included)}"
[ "$streak" -eq 0 ] || [ "$done" -ne "$passed" ] ||
  echo "[fault-loop] with the $streak before them ($history): $total in a row on code $code"
# the Redis-restart recovery times of the runs of this mode counted here: this invocation's, and the
# streak it went on with
awk -F'\t' -v mode="$mode" '$3 == mode' "$history" | tail -n "$((streak + done))" |
  awk -F'\t' '$6 != "-" { n = split($6, t, ","); for (k = 1; k <= n; k++) print t[k] }' | sort -n |
  awk '{v[NR]=$1} END {if (NR) printf "[fault-loop] redis-restart recovery over %d restarts: p50 %.1f s, max %.1f s\n", NR, v[int((NR+1)/2)], v[NR]}'
[ "$total" -ge "$runs" ] && [ "$done" -eq "$passed" ]
