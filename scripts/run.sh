#!/usr/bin/env bash
# Install, start the local stack, migrate, then run the worker (with beat) and the API.
# Ctrl-C stops the API and the worker, and the parts of the stack this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/web.sh build   # the web app the API serves at /
deploy/stack.sh up
started=$(cat var/stack.started 2>/dev/null || true)
.venv/bin/contacts-admin migrate
# The demo workspace: created and seeded the first time only; a fresh sign-in link every start.
demo_link=$(.venv/bin/contacts-admin demo) || demo_link="(the demo workspace could not be made; see above)"
mkdir -p var/log
# The relay worker (with beat) under a supervisor that restarts it when it exits or its health check
# fails; the jobs worker on its own queue and pool (shared.queue), so the relay never waits behind a job,
# and at a lower CPU priority (nice 10), so a busy machine serves searches and the relay first
# (bench/indexing --beside-jobs: freshness p95 4.7 s -> 3.3 s while an export and two imports ran).
scripts/supervise-worker.sh -Q relay -n relay@%h &
worker=$!
CONTACTS_WORKER_METRICS_PORT=${CONTACTS_JOBS_WORKER_METRICS_PORT:-9109} nice -n 10 .venv/bin/celery -A indexer_worker.celery_app \
  worker -Q jobs -n jobs@%h --loglevel=INFO --concurrency=2 >>var/log/jobs-worker.log 2>&1 &
jobs_worker=$!
cleanup() { kill "$worker" "$jobs_worker" 2>/dev/null || true; wait "$worker" "$jobs_worker" 2>/dev/null || true; [ -z "$started" ] || deploy/stack.sh down $started; }
trap cleanup EXIT
host=${CONTACTS_API_HOST:-127.0.0.1}; port=${CONTACTS_API_PORT:-8000}
admin_key=$(.venv/bin/python -c 'from shared.settings import get_settings; print(get_settings().admin_key)')
cat <<MSG

  Web app:       http://$host:$port/
  Sign in as the demo workspace's owner (the link works once and expires):
                 $demo_link
    (a new link: .venv/bin/contacts-admin sign-in-link --email owner@demo.example.com)

  Contacts API:  http://$host:$port   (OpenAPI docs: http://$host:$port/docs)
  Worker + beat: logging to var/log/worker.log (relay; restarted if it exits or its health check fails)
  Jobs worker:   logging to var/log/jobs-worker.log
  Admin key:     $admin_key

  Create a workspace and get its owner's token:
    curl -s -X POST http://$host:$port/v1/workspaces -H 'X-Admin-Key: $admin_key' \\
      -H 'Content-Type: application/json' -d '{"name": "Acme", "owner": {"email": "owner@example.com", "name": "Olive"}}'

MSG
# One API process per core (CONTACTS_API_WORKERS); their metrics meet in one directory, emptied first.
rm -rf var/prometheus-api && mkdir -p var/prometheus-api
PROMETHEUS_MULTIPROC_DIR="$PWD/var/prometheus-api" .venv/bin/uvicorn --factory api_service.main:create_app \
  --host "$host" --port "$port" --workers "${CONTACTS_API_WORKERS:-$(nproc)}"
