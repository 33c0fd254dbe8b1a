#!/usr/bin/env bash
# bench/agent-kafka.sh: the agent against rsyslog shipping one log file to Kafka, side by side in alternating rounds.
#
#   bench/agent-kafka.sh [--bootstrap HOST:PORT] [--rounds N] [--modes "default 256k"] [--lines N]
#                        [--agent NAME=PATH/bin/polybus ...] [--no-rsyslog] [--dir DIR]
#
# Each round and mode runs rsyslog (imfile -> omkafka, the line as the record) and then every --agent (default: this
# checkout's bin/polybus, as `agent`) on the same file of --lines lines of 120 bytes (1,000,000), each into a new
# topic of one partition with message.timestamp.type=LogAppendTime; every agent also runs once on a 10-line file
# (its start-up and shutdown cost). Mode `default` leaves every producer at its defaults; `256k` sets 256 KiB
# batches for all (agent `batch-size: 256KiB`, librdkafka `batch.size=262144`). acks=all for all.
#
# One line per run (tab-separated): time, round, mode, shipper, records in the topic, rate = records / the time
# between the broker's appending of the first and the last record (the same clock for every shipper, start-up
# excluded), wall seconds, CPU seconds (user + system; rsyslog's from /proc when the last record arrived), peak
# RSS KiB, load average. Then medians per mode and shipper, with CPU-s per million lines (an agent's CPU minus its
# 10-line run, scaled to 1M lines).
#
# Needs: a Kafka at --bootstrap (scripts/brokers up kafka), kcat, /usr/bin/time, bc; rsyslog with omkafka
# (Debian: rsyslog rsyslog-kafka) unless --no-rsyslog. Compare an older checkout with --agent old=/path/bin/polybus.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bootstrap=localhost:9092 rounds=3 modes="default 256k" lines=1000000 rsyslog=1 dir=""
agents=()
while (($#)); do
  case $1 in
    --bootstrap) bootstrap=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    --agent) agents+=("$2"); shift 2 ;;
    --no-rsyslog) rsyslog=0; shift ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: see the top of $0" >&2; exit 2 ;;
  esac
done
((${#agents[@]})) || agents=("agent=$root/bin/polybus")
for tool in kcat bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing" >&2; exit 2; }
done
if ((rsyslog)) && ! command -v rsyslogd >/dev/null; then
  echo "$0: rsyslogd is missing (apt-get install rsyslog rsyslog-kafka), or pass --no-rsyslog" >&2
  exit 2
fi
dir=${dir:-$(mktemp -d /tmp/polybus-agent-kafka.XXXXXX)}
mkdir -p "$dir"
kafka_cp=$("$root/scripts/brokers" classpath kafka)
results=$dir/results.tsv
: > "$results"

# The file: 120-byte lines (with the newline) that look like an application's log.
python3 - "$dir/lines.log" "$lines" <<'PY'
import random, sys
random.seed(7)
paths = ['/api/orders', '/api/users/42', '/static/app.js', '/health', '/api/cart?item=17', '/login']
with open(sys.argv[1], 'w') as f:
    for i in range(int(sys.argv[2])):
        line = '2026-12-07T15:%02d:%02d.%03dZ host-%02d app[%05d]: GET %s status=%d bytes=%d seq=%07d' % (
            (i // 60000) % 60, (i // 1000) % 60, i % 1000, i % 17, i % 99991, paths[i % 6],
            [200, 200, 200, 404, 500][i % 5], random.randint(100, 99999), i)
        f.write(line[:119].ljust(119, '.') + '\n')
PY
head -10 "$dir/lines.log" > "$dir/small.log"

new_topic() {
  java -cp "$kafka_cp" org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --topic "$1" \
    --partitions 1 --replication-factor 1 --config message.timestamp.type=LogAppendTime >/dev/null 2>&1
}
end_offset() { kcat -b "$bootstrap" -Q -t "$1:0:-1" 2>/dev/null | awk '{print $NF}'; }
append_rate() { # records / (last append time - first), per second
  local first last n
  first=$(kcat -b "$bootstrap" -C -t "$1" -p 0 -o beginning -c 1 -e -q -f '%T\n' 2>/dev/null)
  last=$(kcat -b "$bootstrap" -C -t "$1" -p 0 -o -1 -c 1 -e -q -f '%T\n' 2>/dev/null)
  n=$(end_offset "$1")
  echo "$n $(echo "scale=0; ($n - 1) * 1000 / ($last - $first)" | bc)"
}

run_agent() { # bin mode topic file run-dir -> "wall cpu rss"
  local bin=$1 mode=$2 topic=$3 file=$4 d=$5
  mkdir -p "$d"
  {
    printf 'agent:\n  host: bench\n  data-dir: %s/data\n' "$d"
    printf 'sources:\n  - {name: f, type: file, paths: ["%s"], topic: %s}\n' "$file" "$topic"
    printf 'broker:\n  type: kafka\n  bootstrap-servers: %s\n' "$bootstrap"
    [[ $mode == 256k ]] && printf '  batch-size: 256KiB\n'
  } > "$d/agent.yaml"
  /usr/bin/time -f '%e %U %S %M' -o "$d/time" "$bin" agent -c "$d/agent.yaml" --once > "$d/out" 2>&1 \
    || { echo "agent failed, see $d/out" >&2; return 1; }
  local wall user sys rss
  read -r wall user sys rss < "$d/time"
  echo "$wall $(echo "$user + $sys" | bc) $rss"
}

run_rsyslog() { # mode topic run-dir -> "wall cpu rss"
  local mode=$1 topic=$2 d=$3 extra=""
  mkdir -p "$d/work"
  [[ $mode == 256k ]] && extra=', "batch.size=262144"'
  cat > "$d/rsyslog.conf" <<CONF
global(workDirectory="$d/work")
module(load="imfile")
module(load="omkafka")
template(name="line" type="string" string="%rawmsg%")
ruleset(name="k") {
  action(type="omkafka" broker=["$bootstrap"] topic="$topic" template="line" confParam=["acks=all"$extra])
}
input(type="imfile" File="$dir/lines.log" Tag="bench" freshStartTail="off" ruleset="k")
CONF
  local t0 pid deadline=$((SECONDS + 300)) n=0
  t0=$(date +%s.%N)
  rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslog.pid" > "$d/out" 2>&1 &
  pid=$!
  while ((SECONDS < deadline)); do
    n=$(end_offset "$topic")
    [[ ${n:-0} -ge $lines ]] && break
    sleep 0.5
  done
  local ticks rss t1
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  t1=$(date +%s.%N)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  printf '%.2f %.2f %s\n' "$(echo "$t1 - $t0" | bc)" "$(echo "scale=2; $ticks / $(getconf CLK_TCK)" | bc)" "$rss"
}

record() { # round mode shipper records rate wall cpu rss
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%T)" "$@" "$(cut -d' ' -f1 /proc/loadavg)" \
    | tee -a "$results"
}

printf 'time\tround\tmode\tshipper\trecords\tlines/s\twall-s\tcpu-s\trss-KiB\tload\n'
for round in $(seq 1 "$rounds"); do
  for mode in $modes; do
    if ((rsyslog)); then
      topic=bench-rsyslog-$mode-$round-$RANDOM
      new_topic "$topic"
      read -r wall cpu rss <<< "$(run_rsyslog "$mode" "$topic" "$dir/$topic")"
      read -r n rate <<< "$(append_rate "$topic")"
      record "$round" "$mode" rsyslog "$n" "$rate" "$wall" "$cpu" "$rss"
    fi
    for a in "${agents[@]}"; do
      name=${a%%=*} bin=${a#*=}
      topic=bench-$name-$mode-$round-$RANDOM
      new_topic "$topic"
      read -r wall cpu rss <<< "$(run_agent "$bin" "$mode" "$topic" "$dir/lines.log" "$dir/$topic")"
      read -r n rate <<< "$(append_rate "$topic")"
      record "$round" "$mode" "$name" "$n" "$rate" "$wall" "$cpu" "$rss"
    done
  done
  for a in "${agents[@]}"; do
    name=${a%%=*} bin=${a#*=}
    topic=bench-$name-startup-$round-$RANDOM
    new_topic "$topic"
    read -r wall cpu rss <<< "$(run_agent "$bin" default "$topic" "$dir/small.log" "$dir/$topic")"
    record "$round" startup "$name" 10 - "$wall" "$cpu" "$rss"
  done
done

echo
echo "medians (lines/s, cpu-s; cpu-s per 1M lines = median cpu-s - median start-up cpu-s, per $lines lines):"
python3 - "$results" "$lines" <<'PY'
import statistics, sys
rows = [line.rstrip('\n').split('\t') for line in open(sys.argv[1])]
lines = int(sys.argv[2])
def med(values):
    return statistics.median(values) if values else float('nan')
startup = {}
for r in rows:
    if r[2] == 'startup':
        startup.setdefault(r[3], []).append(float(r[7]))
keys = sorted({(r[2], r[3]) for r in rows if r[2] != 'startup'})
for mode, who in keys:
    sel = [r for r in rows if r[2] == mode and r[3] == who]
    rate = med([float(r[5]) for r in sel])
    cpu = med([float(r[7]) for r in sel])
    net = cpu - med(startup[who]) if who in startup else cpu
    print(f'{mode:8} {who:10} lines/s {rate:9.0f}  cpu-s {cpu:6.2f}  cpu-s per 1M lines {net * 1e6 / lines:6.2f}'
          f'  rounds {len(sel)}')
PY
