#!/usr/bin/env bash
# Run a real Apache Kafka 4.1.1 broker (KRaft, one combined broker+controller on 127.0.0.1)
# for wirewatch integration tests and CI -- no Docker, only `java` (17+) and `mvn` (for the
# one-time fetch from Maven Central). See `scripts/apache-kafka.sh --help`.
set -euo pipefail

KAFKA_VERSION=4.1.1
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
POM="$SCRIPT_DIR/kafka-pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/kafka-log4j2.properties"
CACHE_DIR="${WIREWATCH_KAFKA_CACHE:-${HOME:-/root}/.cache/wirewatch/kafka-$KAFKA_VERSION}"
LIB_DIR="$CACHE_DIR/lib"
FETCHED_MARKER="$CACHE_DIR/.fetched"
START_TIMEOUT="${WIREWATCH_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${WIREWATCH_KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${WIREWATCH_KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
PROG=$(basename -- "$0")

usage() {
  cat <<EOF
Usage: $PROG COMMAND [OPTIONS]

Run a real Apache Kafka $KAFKA_VERSION broker for integration tests: KRaft mode, one combined
broker+controller listening on 127.0.0.1, all replication factors 1, auto topic creation on,
1 partition per auto-created topic. Needs java (17+); 'fetch' also needs mvn and Maven Central.

Commands:
  fetch                 download kafka_2.13:$KAFKA_VERSION and its runtime dependencies into the
                        cache (skipped when already there). 'start' fetches on demand.
  start [OPTIONS]       format fresh KRaft storage, start the broker in the background and wait
                        (up to ${START_TIMEOUT}s) until it answers metadata requests; prints
                        "Apache Kafka $KAFKA_VERSION ready on 127.0.0.1:PORT (pid N, log FILE)".
  stop [OPTIONS]        stop the broker (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s) and delete
                        its data, unless --keep-data.
  restart [OPTIONS]     stop the broker KEEPING its data, then start it again on the same port
                        with the same data (topics, offsets, committed groups survive). Also
                        starts a stopped broker whose data was kept. For fault tests.
  status [OPTIONS]      print whether the broker runs (exit 0 if it runs, 3 if not).
  -h, --help            this help.

Options:
  --port P              client port (default \$WIREWATCH_KAFKA_PORT or 9092).
  --controller-port C   KRaft controller port (default \$WIREWATCH_KAFKA_CONTROLLER_PORT, else a
                        free port picked at first start and kept in the run dir).
  --run-dir DIR         pid, log, config and data (default \$WIREWATCH_KAFKA_RUN or
                        /tmp/wirewatch-kafka-PORT).
  --keep-data           start: reuse the existing data (and cluster id) if any, else format.
                        stop: keep the data so a later 'start --keep-data' resumes it.
  --sasl-ssl-port S     start: also listen on 127.0.0.1:S with SASL_SSL (TLS + SCRAM); its TLS and
                        SASL settings come from --extra-config, its users from --add-scram.
  --extra-config FILE   start: append FILE to the generated server.properties (later keys win).
  --add-scram SPEC      start, fresh data: a SCRAM user created at format time, e.g.
                        'SCRAM-SHA-512=[name=alice,password=secret]' (repeatable).

Environment:
  WIREWATCH_KAFKA_CACHE          jar cache (default ~/.cache/wirewatch/kafka-$KAFKA_VERSION)
  WIREWATCH_KAFKA_PORT, WIREWATCH_KAFKA_CONTROLLER_PORT, WIREWATCH_KAFKA_RUN   as above
  WIREWATCH_KAFKA_HEAP_OPTS      JVM heap (default "-Xms128m -Xmx512m")
  WIREWATCH_KAFKA_START_TIMEOUT  seconds to wait for readiness (default 60)
  WIREWATCH_KAFKA_STOP_TIMEOUT   seconds to wait after SIGTERM (default 30)

Examples:
  $PROG start --port 19092 && pytest tests/integration; $PROG stop --port 19092
  $PROG stop --port 19092 --keep-data; sleep 10; $PROG start --port 19092 --keep-data
EOF
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $* (see --help)" >&2; exit 2; }
info() { echo "$PROG: $*" >&2; }

# ---------------------------------------------------------------------------------- fetch
fetch() {
  if [[ -f "$FETCHED_MARKER" && -d "$LIB_DIR" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; it is needed once to fetch Kafka $KAFKA_VERSION from Maven Central"
  [[ -f "$POM" ]] || die "missing $POM"
  mkdir -p "$CACHE_DIR"
  local tmp="$CACHE_DIR/lib.tmp.$$" out
  rm -rf "$tmp"
  info "fetching Apache Kafka $KAFKA_VERSION jars into $LIB_DIR ..."
  if ! out=$(mvn -q -B -f "$POM" dependency:copy-dependencies \
               -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1); then
    rm -rf "$tmp"
    printf '%s\n' "$out" | tail -n 30 >&2
    die "mvn could not fetch Kafka $KAFKA_VERSION (is Maven Central reachable?)"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "fetch incomplete: kafka_2.13-$KAFKA_VERSION.jar missing"; }
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  (cd "$LIB_DIR" && ls -1 *.jar) > "$FETCHED_MARKER"
  info "fetched $(wc -l < "$FETCHED_MARKER") jars"
}

# ---------------------------------------------------------------------------------- helpers
valid_port() { [[ "$1" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= 65535 )); }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when the broker on 127.0.0.1:$1 answers a Metadata (v1) request listing >= 1 broker.
# A KRaft broker only serves clients once it has caught up with the metadata log and is unfenced.
metadata_ok() {
  local hex
  hex=$(
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    # size=14 | api_key=3 (Metadata) | version=1 | correlation_id=0x2a | client_id=null | topics=[] (none)
    printf '\x00\x00\x00\x0e\x00\x03\x00\x01\x00\x00\x00\x2a\xff\xff\x00\x00\x00\x00' >&3
    timeout 5 head -c 12 <&3 | od -An -v -tx1 | tr -d ' \n'
  ) 2>/dev/null || return 1
  # response: size(4) correlation_id(4) brokers-array-length(4)
  [[ ${#hex} -eq 24 && ${hex:8:8} == 0000002a ]] || return 1
  (( 16#${hex:16:8} >= 1 && 16#${hex:16:8} < 16#7fffffff ))
}

pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# The pid from the pid file, if that process is alive and is our broker (guards against pid reuse).
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid=$(<"$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$CONFIG_FILE" || return 1
  fi
  echo "$pid"
}

# A free TCP port on 127.0.0.1, away from the usual client-port ranges.
pick_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 40000 + (RANDOM * 32768 + RANDOM) % 20000 ))
    [[ $p -ne $PORT ]] && ! port_open "$p" && { echo "$p"; return 0; }
  done
  die "could not find a free port for the KRaft controller; pass --controller-port"
}

new_cluster_id() {  # Kafka Uuid: 16 random bytes, base64url without padding (22 chars)
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ ${#id} -eq 22 && $id != -* ]] && { echo "$id"; return 0; }
  done
}

classpath() { local IFS=:; local jars=("$LIB_DIR"/*.jar); echo "${jars[*]}"; }

write_config() {
  cat > "$CONFIG_FILE" <<EOF
# Generated by scripts/apache-kafka.sh -- single-node Apache Kafka $KAFKA_VERSION for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT${SASL_SSL_PORT:+,SASL_SSL://127.0.0.1:$SASL_SSL_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT${SASL_SSL_PORT:+,SASL_SSL://127.0.0.1:$SASL_SSL_PORT}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${SASL_SSL_PORT:+,SASL_SSL:SASL_SSL}
log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# After an unclean stop (kill -9) the old registration blocks the new one until its session
# expires (default 9 s); a shorter session makes such restarts fast. Localhost only, so safe.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=104857600
delete.topic.enable=true
EOF
  if [[ -n "$EXTRA_CONFIG" ]]; then
    [[ -f "$EXTRA_CONFIG" ]] || die "--extra-config: no such file $EXTRA_CONFIG"
    { echo "# --- appended from $EXTRA_CONFIG"; cat "$EXTRA_CONFIG"; } >> "$CONFIG_FILE"
  fi
}

# ---------------------------------------------------------------------------------- commands
start() {
  local keep_data=$1 pid cluster_id reuse=0 waited=0
  command -v java >/dev/null 2>&1 || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  if pid=$(running_pid); then
    die "Apache Kafka already running on 127.0.0.1:$PORT (pid $pid); use stop or restart"
  fi
  port_open "$PORT" && die "port $PORT on 127.0.0.1 is already in use by another process"
  fetch
  mkdir -p "$RUN_DIR" 2>/dev/null || die "cannot create run dir $RUN_DIR"
  rm -f "$PID_FILE"

  if [[ $keep_data -eq 1 && -f "$DATA_DIR/meta.properties" && -f "$CONFIG_FILE" ]]; then
    reuse=1
    # Keep the controller port the data was formatted with, unless told otherwise.
    if [[ -z "$CONTROLLER_PORT" ]]; then
      CONTROLLER_PORT=$(sed -n 's/^controller\.quorum\.voters=1@127\.0\.0\.1:\([0-9]*\)$/\1/p' "$CONFIG_FILE")
    fi
  fi
  if [[ -z "$CONTROLLER_PORT" ]]; then
    CONTROLLER_PORT=$(pick_free_port)
  fi
  valid_port "$CONTROLLER_PORT" || die "bad controller port '$CONTROLLER_PORT'"
  [[ "$CONTROLLER_PORT" -ne "$PORT" ]] || die "controller port must differ from the client port $PORT"
  port_open "$CONTROLLER_PORT" && die "controller port $CONTROLLER_PORT on 127.0.0.1 is already in use; pass --controller-port"
  write_config

  local java_opts=($HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
                   -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$RUN_DIR")
  local cp; cp=$(classpath)

  if [[ $reuse -eq 0 ]]; then
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
    cluster_id=$(new_cluster_id)
    local out
    local scram=() spec
    for spec in "${ADD_SCRAM[@]}"; do scram+=(--add-scram "$spec"); done
    if ! out=$(java "${java_opts[@]}" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$cp" kafka.tools.StorageTool format \
                 --cluster-id "$cluster_id" --config "$CONFIG_FILE" "${scram[@]}" 2>&1); then
      printf '%s\n' "$out" | tail -n 20 >&2
      die "formatting KRaft storage in $DATA_DIR failed"
    fi
  fi

  {
    echo "===== $(date -u +%FT%TZ) apache-kafka.sh start: port $PORT, controller $CONTROLLER_PORT, data $DATA_DIR ($([[ $reuse -eq 1 ]] && echo kept || echo fresh)) ====="
  } >> "$LOG_FILE"
  # setsid: own session, so Ctrl-C in the calling shell or a dying test runner does not hit it.
  setsid java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$CONFIG_FILE" >> "$LOG_FILE" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$PID_FILE"

  local deadline=$(( SECONDS + START_TIMEOUT ))
  while :; do
    if ! pid_alive "$pid"; then
      rm -f "$PID_FILE"
      tail -n 40 "$LOG_FILE" >&2
      die "Apache Kafka exited during start-up (log: $LOG_FILE)"
    fi
    if port_open "$PORT" && metadata_ok "$PORT"; then
      break
    fi
    if (( SECONDS >= deadline )); then
      tail -n 40 "$LOG_FILE" >&2
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      die "Apache Kafka did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s (log: $LOG_FILE)"
    fi
    sleep 0.2
  done
  echo "Apache Kafka $KAFKA_VERSION ready on 127.0.0.1:$PORT (pid $pid, log $LOG_FILE)"
}

stop() {
  local keep_data=$1 pid i
  if pid=$(running_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for (( i = 0; i < STOP_TIMEOUT * 10; i++ )); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      info "broker pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for (( i = 0; i < 50; i++ )); do pid_alive "$pid" || break; sleep 0.1; done
    fi
    echo "Apache Kafka on 127.0.0.1:$PORT stopped (pid $pid)$([[ $keep_data -eq 1 ]] && echo ", data kept in $DATA_DIR")"
  else
    echo "Apache Kafka on 127.0.0.1:$PORT is not running"
  fi
  rm -f "$PID_FILE"
  if [[ $keep_data -eq 0 ]]; then
    rm -rf "$DATA_DIR"
  fi
}

status() {
  local pid
  if pid=$(running_pid); then
    if metadata_ok "$PORT"; then
      echo "Apache Kafka $KAFKA_VERSION running on 127.0.0.1:$PORT (pid $pid, log $LOG_FILE)"
    else
      echo "Apache Kafka $KAFKA_VERSION process running (pid $pid) but not answering on 127.0.0.1:$PORT (log $LOG_FILE)"
    fi
    return 0
  fi
  echo "Apache Kafka on 127.0.0.1:$PORT is not running$([[ -f "$DATA_DIR/meta.properties" ]] && echo " (data kept in $DATA_DIR)")"
  return 3
}

# ---------------------------------------------------------------------------------- main
[[ $# -ge 1 ]] || { usage >&2; exit 2; }
CMD=$1; shift
case "$CMD" in
  -h|--help|help) usage; exit 0 ;;
  fetch|start|stop|restart|status) ;;
  *) usage_error "unknown command '$CMD'" ;;
esac

PORT="${WIREWATCH_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${WIREWATCH_KAFKA_CONTROLLER_PORT:-}"
RUN_DIR="${WIREWATCH_KAFKA_RUN:-}"
KEEP_DATA=0
SASL_SSL_PORT=""
EXTRA_CONFIG=""
ADD_SCRAM=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) [[ $# -ge 2 ]] || usage_error "--port needs a value"; PORT=$2; shift 2 ;;
    --port=*) PORT=${1#*=}; shift ;;
    --controller-port) [[ $# -ge 2 ]] || usage_error "--controller-port needs a value"; CONTROLLER_PORT=$2; shift 2 ;;
    --controller-port=*) CONTROLLER_PORT=${1#*=}; shift ;;
    --run-dir) [[ $# -ge 2 ]] || usage_error "--run-dir needs a value"; RUN_DIR=$2; shift 2 ;;
    --run-dir=*) RUN_DIR=${1#*=}; shift ;;
    --keep-data) KEEP_DATA=1; shift ;;
    --sasl-ssl-port) [[ $# -ge 2 ]] || usage_error "--sasl-ssl-port needs a value"; SASL_SSL_PORT=$2; shift 2 ;;
    --extra-config) [[ $# -ge 2 ]] || usage_error "--extra-config needs a value"; EXTRA_CONFIG=$2; shift 2 ;;
    --add-scram) [[ $# -ge 2 ]] || usage_error "--add-scram needs a value"; ADD_SCRAM+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
valid_port "$PORT" || usage_error "bad port '$PORT'"
[[ -z "$CONTROLLER_PORT" ]] || valid_port "$CONTROLLER_PORT" || usage_error "bad controller port '$CONTROLLER_PORT'"
[[ -z "$SASL_SSL_PORT" ]] || valid_port "$SASL_SSL_PORT" || usage_error "bad SASL_SSL port '$SASL_SSL_PORT'"
[[ -z "$EXTRA_CONFIG" || "$EXTRA_CONFIG" == /* ]] || EXTRA_CONFIG="$PWD/$EXTRA_CONFIG"
RUN_DIR="${RUN_DIR:-/tmp/wirewatch-kafka-$PORT}"
[[ "$RUN_DIR" == /* ]] || RUN_DIR="$PWD/$RUN_DIR"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
CONFIG_FILE="$RUN_DIR/server.properties"
DATA_DIR="$RUN_DIR/data"

case "$CMD" in
  fetch) fetch; echo "Apache Kafka $KAFKA_VERSION jars in $LIB_DIR" ;;
  start) start "$KEEP_DATA" ;;
  stop) stop "$KEEP_DATA" ;;
  restart) stop 1 >/dev/null; start 1 ;;
  status) status ;;
esac
