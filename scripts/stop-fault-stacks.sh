#!/usr/bin/env bash
# Stops whatever is left of the fault suite's private stacks (tests/faults).
# Their PostgreSQL, Redis, OpenSearch, API and worker processes run in sessions of their own (so a
# test can signal each as a group): a pytest that dies before its teardown leaves them behind, and a
# kill of its caller does not reach them. They are found by what they hold under var/faults (their
# command line, or a file open on a descriptor), sent TERM, and after 5 s KILL.
# Used by scripts/fault-loop.sh (before, between and after runs) and scripts/test.sh (when it is
# stopped while the fault suite runs in the background).
set -uo pipefail
cd "$(dirname "$0")/.."
faults_dir="$PWD/var/faults/"
found=()
for pid in $(ls /proc | grep -E '^[0-9]+$'); do
  [ "$pid" != $$ ] && [ "$pid" != "$PPID" ] || continue
  if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$faults_dir" ||
    ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF "$faults_dir"; then
    found+=("$pid")
  fi
done
[ ${#found[@]} -gt 0 ] || exit 0
echo "[faults] stopping ${#found[@]} leftover fault-stack processes: ${found[*]}"
kill -TERM "${found[@]}" 2>/dev/null || true
sleep 5
kill -KILL "${found[@]}" 2>/dev/null || true
