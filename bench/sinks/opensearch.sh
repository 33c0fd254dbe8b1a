#!/usr/bin/env bash
# bench/sinks/opensearch.sh: agent events from Kafka into OpenSearch with `polybus sink`, side by side in one run
# with a raw loader (plain _bulk over HTTP, same documents, same ids, same batch size, same index template).
#
#   bench/sinks/opensearch.sh [EVENTS]          (default 1000000)
#
# 1. writes EVENTS log lines (about 110 bytes) to a file, creates a Kafka topic, starts `polybus sink` on it;
# 2. once the sink joined its group, times the pipeline from the launch of `polybus agent --once` (file -> Kafka)
#    until OpenSearch counts EVENTS documents in the sink's index;
# 3. times the raw loader (bench/sinks/RawBulkLoader.java) the same way, into an index of the same template.
# Prints one line per run, the ratio, and the CPU seconds (user + system) per million events of the sink (while
# timed), of the agent and of the raw loader (whole processes), from /proc and /usr/bin/time. Kafka and OpenSearch are started with scripts/brokers on ports of their own
# (left running; `scripts/brokers down kafka opensearch` with the same variables stops them).
#
# Environment: BATCH [1000] events per _bulk request (the sink's max-batch-events), EVENTS_PER_MESSAGE [1] the
# agent's packing, KAFKA_PORT [24092], KAFKA_CONTROLLER_PORT [24093], OPENSEARCH_PORT [24200],
# OPENSEARCH_TRANSPORT_PORT [24300], BENCH_DIR [a new folder under /tmp].
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
events=${1:-1000000}
batch=${BATCH:-1000}
per_message=${EVENTS_PER_MESSAGE:-1}
export KAFKA_PORT=${KAFKA_PORT:-24092} KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-24093}
export OPENSEARCH_PORT=${OPENSEARCH_PORT:-24200} OPENSEARCH_TRANSPORT_PORT=${OPENSEARCH_TRANSPORT_PORT:-24300}
dir=${BENCH_DIR:-$(mktemp -d /tmp/polybus-bench-opensearch.XXXXXX)}
mkdir -p "$dir"
os=http://127.0.0.1:$OPENSEARCH_PORT
run=$(date +%s)

"$root/scripts/brokers" up kafka opensearch >&2

now_ms() { printf '%s' "$(($(date +%s%N) / 1000000))"; }

cpu_of() { # pid -> CPU seconds it used so far (user + system)
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

per_million() { # CPU seconds -> the same per million events
  awk -v s="$1" -v n="$events" 'BEGIN { printf "%.2f", s * 1000000 / n }'
}

count() { # index -> documents it holds (after a refresh)
  curl -sf -XPOST "$os/$1/_refresh?ignore_unavailable=true" >/dev/null || true
  curl -sf "$os/$1/_count?ignore_unavailable=true" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}

wait_count() { # index -> waits until it holds $events documents (bounded: 30 min)
  local deadline=$((SECONDS + 1800)) n
  while true; do
    n=$(count "$1")
    [[ ${n:-0} -ge $events ]] && return 0
    ((SECONDS < deadline)) || { echo "$1 holds ${n:-0} of $events documents after 30 min" >&2; return 1; }
    sleep 0.2
  done
}

echo "writing $events log lines to $dir/bench.log" >&2
awk -v n="$events" 'BEGIN { for (i = 0; i < n; i++) printf "10.0.%d.%d - - [06/Dec/2026:10:00:00 +0000] \"GET /api/v1/items/%d HTTP/1.1\" 200 %d \"-\" \"bench/1.0\"\n", i % 250, i % 200, i, 100 + i % 9000 }' >"$dir/bench.log"

# Created ahead: an idempotent producer writing to a topic the broker is still creating can get
# OUT_OF_ORDER_SEQUENCE_NUMBER from Kafka 4.3 until it gives up.
java -Dlog4j2.configurationFile="${POLYBUS_BROKERS_HOME:-$HOME/.polybus/brokers}/kafka-$KAFKA_PORT/tools-log4j2.properties" \
  -cp "$("$root/scripts/brokers" classpath kafka)" org.apache.kafka.tools.TopicCommand \
  --bootstrap-server "localhost:$KAFKA_PORT" --create --topic "bench-$run" --partitions 1 --replication-factor 1 >&2
cat >"$dir/sink.yaml" <<YAML
broker: {type: kafka, bootstrap-servers: "localhost:$KAFKA_PORT"}
sinks:
  topic: bench-$run
  group: bench-$run
  max-batch-events: $batch
  outputs:
    - {type: opensearch, name: os-$run, urls: "$os", index: bench-$run-polybus}
YAML
cat >"$dir/agent.yaml" <<YAML
broker: {type: kafka, bootstrap-servers: "localhost:$KAFKA_PORT"}
agent: {host: bench, data-dir: "$dir/agent-data"}
delivery: {events-per-message: $per_message}
sources:
  - {name: bench, type: file, paths: ["$dir/bench.log"], topic: bench-$run, start-at: beginning}
YAML
# A new group starts at the topic's end (the API's default start): the sink joins first, then the agent ships.
echo "polybus sink: Kafka -> OpenSearch, $batch events per _bulk; then polybus agent ships the file into Kafka" >&2
"$root/bin/polybus" sink -c "$dir/sink.yaml" >"$dir/sink.log" 2>&1 &
sink_pid=$!
sink_joined() { grep -q 'SinkRunner - sinks:' "$dir/sink.log"; }
for ((i = 0; i < 600; i++)); do sink_joined && break; sleep 0.5; done
sink_joined || { echo "the sink did not join its group in 300 s; read $dir/sink.log" >&2; exit 1; }
t0=$(now_ms)
sink_cpu0=$(cpu_of "$sink_pid")
/usr/bin/time -f '%U %S' -o "$dir/agent.time" "$root/bin/polybus" agent -c "$dir/agent.yaml" --once >"$dir/agent.log" 2>&1
wait_count "bench-$run-polybus"
t1=$(now_ms)
sink_cpu=$(awk -v a="$sink_cpu0" -v b="$(cpu_of "$sink_pid")" 'BEGIN { printf "%.2f", b - a }')
kill -TERM "$sink_pid"
wait "$sink_pid" || true

file_id=$(sed -n 's/.*"file_id":"\([^"]*\)".*/\1/p' <<<"$(curl -sf "$os/bench-$run-polybus/_search?size=1")")
javac -d "$dir/raw" "$root/bench/sinks/RawBulkLoader.java"
echo "raw loader: plain _bulk over HTTP, $batch documents per request" >&2
t2=$(now_ms)
/usr/bin/time -f '%U %S' -o "$dir/raw.time" java -cp "$dir/raw" RawBulkLoader "$os" "bench-$run-raw" "$batch" "$dir/bench.log" "$file_id" "polybus-os-$run" >"$dir/raw.log" 2>&1
wait_count "bench-$run-raw"
t3=$(now_ms)

polybus_rate=$((events * 1000 / (t1 - t0)))
raw_rate=$((events * 1000 / (t3 - t2)))
printf '| run | events | batch | seconds | events/s |\n| --- | --- | --- | --- | --- |\n'
printf '| polybus agent -> Kafka -> polybus sink -> OpenSearch | %d | %d | %d.%03d | %d |\n' "$events" "$batch" $(((t1 - t0) / 1000)) $(((t1 - t0) % 1000)) "$polybus_rate"
printf '| raw loader (_bulk over HTTP) | %d | %d | %d.%03d | %d |\n' "$events" "$batch" $(((t3 - t2) / 1000)) $(((t3 - t2) % 1000)) "$raw_rate"
printf 'polybus / raw: %d.%02d\n' $((polybus_rate / raw_rate)) $((polybus_rate * 100 / raw_rate % 100))
agent_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$dir/agent.time")
raw_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$dir/raw.time")
printf 'CPU s per million events: sink %s, agent %s, raw loader %s\n' "$(per_million "$sink_cpu")" \
  "$(per_million "$agent_cpu")" "$(per_million "$raw_cpu")"
echo "logs and files in $dir" >&2
