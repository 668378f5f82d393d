#!/usr/bin/env bash
# Local stack without Docker: PostgreSQL and Redis from Debian packages, a real OpenSearch node
# resolved from Maven Central and run on the machine's JDK. Loopback only; data under var/.
#   deploy/stack.sh up [--opensearch-nodes N] | down [service...] | status
# Ports: CONTACTS_PG_PORT (55432), CONTACTS_REDIS_PORT (56379), CONTACTS_OS_PORT (59200).
# --opensearch-nodes N (or CONTACTS_OS_NODES=N), N > 1: an OpenSearch cluster of N nodes, each in
# its own JVM (heap CONTACTS_OS_HEAP, 512m by default here), node k on HTTP port CONTACTS_OS_PORT+k-1
# and transport port CONTACTS_OS_TRANSPORT_PORT+k-1, data under var/opensearch/cluster/node-k; point
# CONTACTS_OPENSEARCH_URL at all of them, comma-separated (`status` prints that value).
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
OS_NODES=${CONTACTS_OS_NODES:-1}
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

# LocalNode.java compiled once into var/opensearch/localnode (javac, about 3 s of CPU) rather than by
# java's source launcher at every node start (about 2 s slower a start). The stamp names the source
# and the jars it was built against; tests/faults/conftest.py reads it to use the class, or the
# source when the class is stale. Without javac (a JRE only), nodes start from the source.
# Sets NODE_CP and NODE_MAIN, the -cp and main-class arguments of a node's java command.
os_local_node() {
  local src="$ROOT/deploy/opensearch/LocalNode.java" out="$VAR/opensearch/localnode" stamp
  NODE_CP=$1 NODE_MAIN=$src
  command -v javac >/dev/null || return 0
  stamp="$(sha256sum "$src" | cut -c1-16) $(cat "$VAR/opensearch/classpath.txt.stamp")"
  if [ ! -f "$out/LocalNode.class" ] || [ "$(cat "$out/stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$out"
    javac -nowarn -cp "$1" -d "$out" "$src" >"$LOG/javac.log" 2>&1 \
      || die "could not compile $src, see $LOG/javac.log"
    echo "$stamp" >"$out/stamp"
  fi
  NODE_CP="$out:$1" NODE_MAIN=LocalNode
}

os_up() {
  local cp
  # Resolved even when a node is already up: fault tests start private nodes from this classpath.
  cp=$(os_classpath)
  os_local_node "$cp"
  if port_open "$OS_PORT"; then
    curl -fsS "http://127.0.0.1:$OS_PORT/" 2>/dev/null | grep -q '"distribution" : "opensearch"' \
      || die "port $OS_PORT is taken by something that is not OpenSearch (set CONTACTS_OS_PORT)"
    say "opensearch already answering on $OS_PORT"
    return
  fi
  command -v java >/dev/null || die "opensearch needs a JDK: java not found"
  nohup java -Xms"$OS_HEAP" -Xmx"$OS_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -cp "$NODE_CP" "$NODE_MAIN" "$VAR/opensearch/node" "$OS_PORT" "$OS_TRANSPORT_PORT" \
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

cluster_dir() { echo "$VAR/opensearch/cluster"; }

os_cluster_urls() {
  local k urls=()
  for k in $(seq 1 "$1"); do urls+=("http://127.0.0.1:$((OS_PORT + k - 1))"); done
  (IFS=,; echo "${urls[*]}")
}

os_cluster_up() {  # N nodes, one JVM each
  local n=$1 cp k members=() dir pid
  cp=$(os_classpath)
  os_local_node "$cp"
  if port_open "$OS_PORT"; then
    local have
    have=$(curl -fsS "http://127.0.0.1:$OS_PORT/_cat/nodes?h=name" 2>/dev/null | wc -l || echo 0)
    [ "$have" -eq "$n" ] \
      || die "OpenSearch on $OS_PORT has $have node(s), not $n: deploy/stack.sh down opensearch first"
    say "opensearch cluster of $n nodes already answering on $OS_PORT"
    return
  fi
  command -v java >/dev/null || die "opensearch needs a JDK: java not found"
  for k in $(seq 1 "$n"); do
    port_open "$((OS_PORT + k - 1))" && die "port $((OS_PORT + k - 1)) (node $k) is taken"
    port_open "$((OS_TRANSPORT_PORT + k - 1))" && die "transport port $((OS_TRANSPORT_PORT + k - 1)) (node $k) is taken"
    members+=("contacts-node-$k:$((OS_TRANSPORT_PORT + k - 1))")
  done
  dir=$(cluster_dir)
  mkdir -p "$dir"
  echo "$n" >"$dir/nodes"
  for k in $(seq 1 "$n"); do
    nohup java -Xms"$OS_HEAP" -Xmx"$OS_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
      -cp "$NODE_CP" "$NODE_MAIN" "$dir/node-$k" "$((OS_PORT + k - 1))" \
      "$((OS_TRANSPORT_PORT + k - 1))" "contacts-node-$k" "$(IFS=,; echo "${members[*]}")" \
      >"$LOG/opensearch-node-$k.log" 2>&1 &
    echo $! >"$dir/node-$k.pid"
  done
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$OS_PORT/_cluster/health?wait_for_nodes=$n&wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      started opensearch
      say "opensearch $OPENSEARCH_VERSION cluster of $n nodes up: $(os_cluster_urls "$n")"
      return
    fi
    for k in $(seq 1 "$n"); do
      pid=$(cat "$dir/node-$k.pid")
      kill -0 "$pid" 2>/dev/null || die "opensearch node $k exited during start, see $LOG/opensearch-node-$k.log"
    done
    sleep 1
  done
  die "opensearch cluster not formed on $OS_PORT after 300 s, see $LOG/opensearch-node-*.log"
}

os_cluster_down() {
  local dir k
  dir=$(cluster_dir)
  [ -f "$dir/nodes" ] || return 0
  for k in $(seq 1 "$(cat "$dir/nodes")"); do stop_pid "opensearch node $k" "$dir/node-$k.pid"; done
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
    opensearch) stop_pid opensearch "$VAR/opensearch/node.pid"; os_cluster_down ;;
  esac
}

case "${1:-}" in
  up)
    shift
    while [ $# -gt 0 ]; do
      case "$1" in
        --opensearch-nodes) OS_NODES=${2:?--opensearch-nodes needs a number}; shift 2 ;;
        --opensearch-nodes=*) OS_NODES=${1#*=}; shift ;;
        *) die "unknown option for up: $1 (expected --opensearch-nodes N)" ;;
      esac
    done
    [[ "$OS_NODES" =~ ^[1-9]$ ]] || die "--opensearch-nodes must be 1 to 9, got '$OS_NODES'"
    mkdir -p "$LOG"; : >"$VAR/stack.started"
    ensure_packages
    pg_up; pg_bootstrap; redis_up
    if [ "$OS_NODES" -gt 1 ]; then OS_HEAP=${CONTACTS_OS_HEAP:-512m}; os_cluster_up "$OS_NODES"
    else OS_HEAP=${CONTACTS_OS_HEAP:-1g}; os_up; fi
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
    if [ -f "$(cluster_dir)/nodes" ] && port_open "$OS_PORT"; then
      n=$(cat "$(cluster_dir)/nodes")
      echo "opensearch cluster: $(curl -fsS "http://127.0.0.1:$OS_PORT/_cat/nodes?h=name" 2>/dev/null | wc -l)/$n nodes;" \
        "CONTACTS_OPENSEARCH_URL=$(os_cluster_urls "$n")"
    fi
    ;;
  *) echo "usage: $0 up|down [service...]|status" >&2; exit 2 ;;
esac
