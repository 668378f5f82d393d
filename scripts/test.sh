#!/usr/bin/env bash
# The whole check, from a fresh machine: install, start the local stack, lint, type-check, test.
# Stops whatever part of the stack it started itself.
#
# On two cores much of each part waits on real processes or the network, so the parts that share
# nothing run side by side:
# - the web app's stack-free checks (npm ci, build, ESLint, tsc, Vitest) from the first second,
#   beside the Python install, the stack's start and the lint;
# - the stack's start (apt-get, Maven Central, the JVM) beside the lint;
# - the install of Debian's chromium for Playwright beside the tests;
# - the fault suite (tests/faults: private PostgreSQL, Redis and OpenSearch instances of its own)
#   beside the main pytest (database contacts_test, index alias contacts_test, Redis db 1);
# - the browser tests (Playwright: database contacts, alias contacts_e2e, Redis db 15) last, alone.
# A part in the background writes its output to var/log/test-<part>.log, printed whole when it is
# joined. TEST_SERIAL=1 runs every part one after the other, in the foreground.
#   scripts/test.sh              everything
#   scripts/test.sh tests/x.py   these tests in one pytest (instead of both suites), and the web checks
set -euo pipefail
cd "$(dirname "$0")/.."
serial=${TEST_SERIAL:-}
mkdir -p var/log
declare -A bg_pid=() bg_start=()
took=()    # "part seconds", in the order the parts ended
failed=()  # the parts that failed
started= stack_launched=

# record NAME SECONDS RC [MARK]: note a part's time and whether it failed, and say so (MARK on
# both sides of the line, to close a background part's printed output).
record() {
  took+=("$1 $2")
  [ "$3" -eq 0 ] || failed+=("$1")
  echo "[test] ${4:+$4 }$1 took $2 s$([ "$3" -eq 0 ] || echo ": FAILED")${4:+ $4}"
}

# part NAME CMD...: run CMD in the foreground, and record its time and whether it failed.
part() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo "[test] $name"
  "$@" || rc=$?
  record "$name" "$((SECONDS - start))" "$rc"
}

# start_bg NAME CMD...: run CMD in the background, in a process group of its own (so that it can be
# stopped as a whole), its output in var/log/test-NAME.log. Without TEST_SERIAL only.
start_bg() {
  local name=$1
  shift
  echo "[test] $name: started in the background, output in var/log/test-$name.log"
  bg_start[$name]=$SECONDS
  rm -f "var/log/test-$name.took"
  # shellcheck disable=SC2016  # expanded by the inner bash
  setsid bash -c '"${@:2}"; rc=$?; echo "$SECONDS" >"$1"; exit "$rc"' _ "var/log/test-$name.took" "$@" \
    >"var/log/test-$name.log" 2>&1 </dev/null &
  bg_pid[$name]=$!
}

# join NAME: wait for a part started by start_bg (a line every minute while it runs), print its
# output, and record its time and whether it failed.
join() {
  local name=$1 rc=0 pid=${bg_pid[$1]} polls=0 seconds
  while kill -0 "$pid" 2>/dev/null; do
    [ $((polls % 12)) -ne 0 ] || echo "[test] waiting for $name: $((SECONDS - bg_start[$name])) s since it started"
    polls=$((polls + 1))
    sleep 5
  done
  wait "$pid" || rc=$?
  unset "bg_pid[$name]"
  echo "[test] ---- $name: its output (var/log/test-$name.log) ----"
  cat "var/log/test-$name.log"
  seconds=$(cat "var/log/test-$name.took" 2>/dev/null || echo "$((SECONDS - bg_start[$name]))")
  record "$name" "$seconds" "$rc" ----
}

cleanup() {
  local name
  for name in "${!bg_pid[@]}"; do  # only when stopped early: a joined part is not listed
    echo "[test] stopping $name (var/log/test-$name.log)"
    kill -TERM -- "-${bg_pid[$name]}" 2>/dev/null || true
  done
  [ ${#bg_pid[@]} -eq 0 ] || scripts/stop-fault-stacks.sh
  # stopped while the stack was starting in the background: stop what it had started by then
  [ -n "$started" ] || [ -z "$stack_launched" ] || started=$(cat var/stack.started 2>/dev/null || true)
  [ -z "$started" ] || deploy/stack.sh down $started
}
trap cleanup EXIT
trap 'exit 130' INT TERM

web_check=(scripts/web.sh check)  # web app: npm ci, build, ESLint, tsc, Vitest; no stack needed
[ -n "$serial" ] || start_bg web-check "${web_check[@]}"
scripts/bootstrap.sh  # first and alone: it may apt-get install python3-venv
# The stack's start (Debian packages, OpenSearch's jars from Maven Central, three servers) waits
# mostly on the network and the JVM, so the lint runs beside it.
if [ -n "$serial" ]; then
  deploy/stack.sh up
else
  stack_launched=1
  start_bg stack deploy/stack.sh up
fi
echo "[test] ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "[test] mypy"
.venv/bin/mypy
echo "[test] import rules"
.venv/bin/lint-imports --no-cache
if [ -z "$serial" ]; then
  join stack
  started=$(cat var/stack.started 2>/dev/null || true)
  [ ${#failed[@]} -eq 0 ] || { echo "[test] FAILED: the stack did not start (see above)"; exit 1; }
  # Debian's chromium for Playwright, beside the tests (the stack's apt-get is done by now)
  start_bg browser scripts/web.sh browser
fi
started=$(cat var/stack.started 2>/dev/null || true)

# pytest includes tests/contract: a real uvicorn on a free port against this stack, and a bounded
# schemathesis run (fixed seed, SCHEMATHESIS_MAX_EXAMPLES per operation, default 25) against it.
faults=(scripts/faults.sh --durations=12)
if [ $# -gt 0 ]; then  # the tests named, in one pytest
  part pytest .venv/bin/pytest --durations=25 "$@"
elif [ -n "$serial" ]; then
  part pytest .venv/bin/pytest --durations=25 --ignore=tests/faults
  part faults "${faults[@]}"
else
  start_bg faults "${faults[@]}"
  part pytest .venv/bin/pytest --durations=25 --ignore=tests/faults
  join faults
fi
if [ -n "$serial" ]; then
  part web-check "${web_check[@]}"
else
  join web-check
fi
[ -n "$serial" ] || join browser
part web-e2e scripts/web.sh e2e  # Playwright: the real API and worker on this stack, Debian's chromium

echo "[test] the parts, in seconds (the background ones overlap the others):"
printf '[test]   %s\n' "${took[@]}"
echo "[test] make test: $SECONDS s in all"
[ ${#failed[@]} -eq 0 ] || { echo "[test] FAILED: ${failed[*]} (see above)"; exit 1; }
