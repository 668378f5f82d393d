#!/usr/bin/env bash
# Local stack without Docker: PostgreSQL and Redis from Debian packages, a real OpenSearch node
# resolved from Maven Central and run on the machine's JDK. Loopback only; data under var/.
#   deploy/stack.sh up | down | status
# Ports: CONTACTS_PG_PORT (55432), CONTACTS_REDIS_PORT (56379), CONTACTS_OS_PORT (59200).
# Data dir: CONTACTS_STACK_DIR (var/). `up` is idempotent: a service already answering is left alone. It prints the names of the
# services it started to var/stack.started so a caller can stop only those.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="${CONTACTS_STACK_DIR:-$ROOT/var}"
LOG="$VAR/log"
PG_PORT=${CONTACTS_PG_PORT:-55432}
REDIS_PORT=${CONTACTS_REDIS_PORT:-56379}
OS_PORT=${CONTACTS_OS_PORT:-59200}
OS_TRANSPORT_PORT=${CONTACTS_OS_TRANSPORT_PORT:-$((OS_PORT + 100))}
OS_HEAP=${CONTACTS_OS_HEAP:-1g}
# shellcheck disable=SC1091
source "$ROOT/deploy/versions.env"

say() { printf "[stack] %s\n" "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {
  say "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "$@" >"$LOG/apt.log" 2>&1; then
    apt-get update -qq >>"$LOG/apt.log" 2>&1 || die "apt-get update failed, see $LOG/apt.log"
    apt-get install -y -qq "$@" >>"$LOG/apt.log" 2>&1 || die "apt-get install $* failed, see $LOG/apt.log"
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

ensure_packages() {
  mkdir -p "$LOG"
  local missing=()
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq >"$LOG/apt.log" 2>&1 || die "apt-get update failed, see $LOG/apt.log"
    apt_install "${missing[@]}"
  fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

started() { echo "$1" >>"$VAR/stack.started"; }

pg_up() {
  local bin data="$VAR/pg/data" run="$VAR/pg/run"
  if port_open "$PG_PORT"; then say "postgres already answering on $PG_PORT"; return; fi
  bin=$(pg_bin)
  mkdir -p "$VAR/pg" "$run"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$VAR/pg"; chmod 755 "$VAR" "$VAR/pg"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising PostgreSQL cluster in $data"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$LOG/pg-initdb.log" 2>&1 \
      || die "postgres initdb failed, see $LOG/pg-initdb.log"
  fi
  touch "$LOG/postgres.log"; [ "$(id -u)" = 0 ] && chown postgres "$LOG/postgres.log"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$LOG/postgres.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $PG_PORT -k $run -c fsync=${CONTACTS_PG_FSYNC:-on} -c max_connections=200 -c shared_buffers=512MB" >/dev/null \
    || die "postgres did not start on port $PG_PORT, see $LOG/postgres.log"
  started postgres
  say "postgres up on 127.0.0.1:$PG_PORT"
}

pg_bootstrap() {
  export PGOPTIONS="-c client_min_messages=warning"
  local psql=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='contacts'" | grep -q 1 \
    || "${psql[@]}" -c "CREATE ROLE contacts LOGIN SUPERUSER PASSWORD 'contacts'"
  for db in contacts contacts_test; do
    "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
      || "${psql[@]}" -c "CREATE DATABASE $db OWNER contacts"
    "${psql[@]}" -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null
  done
}

redis_up() {
  if port_open "$REDIS_PORT"; then say "redis already answering on $REDIS_PORT"; return; fi
  mkdir -p "$VAR/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$VAR/redis" --appendonly yes \
    --daemonize yes --pidfile "$VAR/redis/redis.pid" --logfile "$LOG/redis.log" --save "" \
    || die "redis did not start on port $REDIS_PORT, see $LOG/redis.log"
  for _ in $(seq 1 50); do port_open "$REDIS_PORT" && break; sleep 0.1; done
  port_open "$REDIS_PORT" || die "redis not answering on $REDIS_PORT, see $LOG/redis.log"
  started redis
  say "redis up on 127.0.0.1:$REDIS_PORT"
}

os_classpath() {
  local pom="$ROOT/deploy/opensearch/pom.xml" cp="$VAR/opensearch/classpath.txt" stamp
  stamp=$(sha256sum "$pom" | cut -c1-16)
  mkdir -p "$VAR/opensearch"
  if [ ! -s "$cp" ] || [ "$(cat "$cp.stamp" 2>/dev/null)" != "$stamp" ]; then
    say >&2 "resolving OpenSearch $OPENSEARCH_VERSION jars from Maven Central (first run takes a minute)"
    mvn -q -B -f "$pom" dependency:build-classpath -Dmdep.outputFile="$cp" >"$LOG/maven.log" 2>&1 \
      || die "could not resolve OpenSearch jars with mvn, see $LOG/maven.log"
    echo "$stamp" >"$cp.stamp"
  fi
  cat "$cp"
}

os_up() {
  local cp
  # Resolved even when a node is already up: fault tests start private nodes from this classpath.
  cp=$(os_classpath)
  if port_open "$OS_PORT"; then
    curl -fsS "http://127.0.0.1:$OS_PORT/" 2>/dev/null | grep -q '"distribution" : "opensearch"' \
      || die "port $OS_PORT is taken by something that is not OpenSearch (set CONTACTS_OS_PORT)"
    say "opensearch already answering on $OS_PORT"
    return
  fi
  command -v java >/dev/null || die "opensearch needs a JDK: java not found"
  nohup java -Xms"$OS_HEAP" -Xmx"$OS_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -cp "$cp" "$ROOT/deploy/opensearch/LocalNode.java" "$VAR/opensearch/node" "$OS_PORT" "$OS_TRANSPORT_PORT" \
    >"$LOG/opensearch.log" 2>&1 &
  echo $! >"$VAR/opensearch/node.pid"
  for _ in $(seq 1 180); do
    if curl -fsS "http://127.0.0.1:$OS_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      started opensearch
      say "opensearch $OPENSEARCH_VERSION up on 127.0.0.1:$OS_PORT"
      return
    fi
    kill -0 "$(cat "$VAR/opensearch/node.pid")" 2>/dev/null || die "opensearch exited during start, see $LOG/opensearch.log"
    sleep 1
  done
  die "opensearch not answering on $OS_PORT after 180 s, see $LOG/opensearch.log"
}

stop_pid() {  # name pidfile
  local pid
  [ -f "$2" ] || return 0
  pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    say "$1 stopped"
  fi
  rm -f "$2"
}

down_one() {
  case "$1" in
    postgres) [ -f "$VAR/pg/data/postmaster.pid" ] && as_postgres "$(pg_bin)/pg_ctl" -D "$VAR/pg/data" -m fast -w stop >/dev/null && say "postgres stopped" || true ;;
    redis) stop_pid redis "$VAR/redis/redis.pid" ;;
    opensearch) stop_pid opensearch "$VAR/opensearch/node.pid" ;;
  esac
}

case "${1:-}" in
  up)
    mkdir -p "$LOG"; : >"$VAR/stack.started"
    ensure_packages
    pg_up; pg_bootstrap; redis_up; os_up
    ;;
  down)
    # Stops the services this project started (by pid/data dir), whoever asked for them.
    for s in "${@:2}"; do down_one "$s"; done
    if [ $# -eq 1 ]; then for s in opensearch redis postgres; do down_one "$s"; done; fi
    ;;
  status)
    for p in "postgres:$PG_PORT" "redis:$REDIS_PORT" "opensearch:$OS_PORT"; do
      if port_open "${p#*:}"; then echo "${p%%:*} up (${p#*:})"; else echo "${p%%:*} down (${p#*:})"; fi
    done
    ;;
  *) echo "usage: $0 up|down [service...]|status" >&2; exit 2 ;;
esac
