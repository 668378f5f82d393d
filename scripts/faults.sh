#!/usr/bin/env bash
# The fault suite (tests/faults) as `make test` and `make fault-loop` run it, in a pytest of its own:
# its session fixture (tests/faults/conftest.py) starts private PostgreSQL, Redis and OpenSearch
# instances on free ports. The process logs (API, workers) of a session with a failed test are kept
# under var/fault-logs, and their tails are printed here. Extra arguments go to pytest.
#   scripts/faults.sh [pytest args]
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf var/fault-logs
.venv/bin/pytest tests/faults "$@"
rc=$?
if [ "$rc" -ne 0 ]; then
  for log in var/fault-logs/*/*.log; do
    [ -f "$log" ] || continue
    echo "--- last 60 lines of $log ---"
    tail -n 60 "$log"
  done
fi
exit "$rc"
