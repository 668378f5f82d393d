#!/usr/bin/env bash
# The whole check, from a fresh machine: install, start the local stack, lint, type-check, test.
# Stops whatever part of the stack it started itself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
deploy/stack.sh up
started=$(cat var/stack.started 2>/dev/null || true)
cleanup() { [ -z "$started" ] || deploy/stack.sh down $started; }
trap cleanup EXIT
echo "[test] ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "[test] mypy"
.venv/bin/mypy
echo "[test] import rules"
.venv/bin/lint-imports --no-cache
# pytest includes tests/contract: a real uvicorn on a free port against this stack, and a bounded
# schemathesis run (fixed seed, SCHEMATHESIS_MAX_EXAMPLES per operation, default 25) against it.
echo "[test] pytest (with the schemathesis contract run, tests/contract)"
phase_start=$SECONDS
failed=0
if [ $# -gt 0 ]; then  # the tests named, in one pytest
  .venv/bin/pytest --durations=25 "$@" || failed=1
  echo "[test] pytest took $((SECONDS - phase_start)) s"
else
  .venv/bin/pytest --durations=25 --ignore=tests/faults || failed=1
  echo "[test] pytest took $((SECONDS - phase_start)) s (the 25 slowest tests are listed above)"
  echo "[test] the fault suite (tests/faults), on private PostgreSQL, Redis and OpenSearch instances"
  phase_start=$SECONDS
  scripts/faults.sh --durations=12 || failed=1
  echo "[test] the fault suite took $((SECONDS - phase_start)) s"
fi
phase_start=$SECONDS
scripts/web.sh test   # web app: build, ESLint, tsc, Vitest, Playwright against this stack
echo "[test] web app checks took $((SECONDS - phase_start)) s; make test $SECONDS s in all"
[ "$failed" -eq 0 ] || { echo "[test] FAILED: pytest (see above)"; exit 1; }
