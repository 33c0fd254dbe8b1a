# scripts/servers/artemis.sh: an ActiveMQ Artemis broker from the distribution on Maven Central, for scripts/brokers
# (sourced; see its header). Not in the default set: `scripts/brokers up artemis`.
#   ARTEMIS_PORT      [61616]  the one acceptor (CORE, and AMQP, STOMP, MQTT, OpenWire) on 127.0.0.1
#   ARTEMIS_USER      [polybus]
#   ARTEMIS_PASSWORD  [polybus] login is required; the script never prints the password
#   ARTEMIS_MEMORY    [1G]     the broker JVM's heap
#   ARTEMIS_START_TIMEOUT [180, or POLYBUS_BROKERS_TIMEOUT if longer] seconds to wait until the broker is active
#                     (it starts in 2-3 s on an idle machine, but its JVM has been seen taking a minute under load)
# The instance (`artemis create ... --require-login`) lives in <state>/artemis-<port>/broker and keeps its data
# between runs; its credentials are those of the first `up` (delete the directory to change them).
ARTEMIS_PORT=${ARTEMIS_PORT:-61616}
ARTEMIS_USER=${ARTEMIS_USER:-polybus}
ARTEMIS_PASSWORD=${ARTEMIS_PASSWORD:-polybus}
ARTEMIS_MEMORY=${ARTEMIS_MEMORY:-1G}
ARTEMIS_START_TIMEOUT=${ARTEMIS_START_TIMEOUT:-$((START_TIMEOUT > 180 ? START_TIMEOUT : 180))}
readonly ARTEMIS_VERSION=2.40.0
register_server artemis artemis ARTEMIS_PORT extra ""
check_number ARTEMIS_PORT "$ARTEMIS_PORT"
check_number ARTEMIS_START_TIMEOUT "$ARTEMIS_START_TIMEOUT"

artemis_dir() { printf '%s/artemis-%s' "$STATE_DIR" "$ARTEMIS_PORT"; }
artemis_home() { printf '%s/artemis-lib/apache-artemis-%s' "$STATE_DIR" "$ARTEMIS_VERSION"; }

artemis_needs_install() { return 1; } # nothing from apt: the distribution comes from Maven Central

# Fetches and unpacks the distribution once (org.apache.activemq:apache-artemis:tar.gz:bin).
artemis_install() {
  local lib t0
  lib="$STATE_DIR/artemis-lib"
  [[ -x $(artemis_home)/bin/artemis ]] && return 0
  mkdir -p "$lib"
  local -a mvn
  mapfile -t mvn < <(maven_cmd)
  say "artemis: fetching apache-artemis $ARTEMIS_VERSION from Maven Central (first time only)"
  t0=$(now_us)
  if ! (cd "$REPO_ROOT" && timeout 1200 "${mvn[@]}" -B -q -N dependency:unpack \
    -Dartifact="org.apache.activemq:apache-artemis:$ARTEMIS_VERSION:tar.gz:bin" -DoutputDirectory="$lib") \
    </dev/null >"$lib/mvn.log" 2>&1 9>&-; then
    warn "artemis: fetching the distribution with Maven failed; read $lib/mvn.log"
    show_log_tail "$lib/mvn.log" 30
    return 1
  fi
  chmod +x "$(artemis_home)/bin/artemis"
  say "artemis: distribution unpacked in $(elapsed "$t0") ($(artemis_home))"
}

artemis_our_pid() {
  local pid
  pid=$(read_pid "$(artemis_dir)/artemis.pid")
  if pid_matches "$pid" "artemis.instance=$(artemis_dir)/broker"; then printf '%s' "$pid"; fi
  return 0
}

artemis_port_open() { port_open 127.0.0.1 "$ARTEMIS_PORT"; }

artemis_active() { grep -q 'AMQ221007' "$(artemis_dir)/logs/artemis.out" 2>/dev/null; }

artemis_active_or_dead() { # pid
  pid_gone "$1" && return 0
  artemis_active
}

artemis_up() {
  local dir pid t0
  dir=$(artemis_dir)
  pid=$(artemis_our_pid)
  if [[ -n $pid ]] && artemis_port_open; then
    say "artemis: up on 127.0.0.1:$ARTEMIS_PORT ($(who "$pid" long))"
    return 0
  fi
  if [[ -z $pid ]] && artemis_port_open; then
    say "artemis: up on 127.0.0.1:$ARTEMIS_PORT (already running, not started by $PROG)"
    return 0
  fi
  artemis_install || return 1
  JAVA=$(java_bin)
  export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$JAVA")")")}
  mkdir -p "$dir/logs"
  t0=$(now_us)
  if [[ -z $pid ]]; then
    rm -f "$dir/artemis.pid"
    if [[ ! -f $dir/broker/etc/broker.xml ]]; then
      # The password goes to the command line of `create` only, never to the script's output.
      if ! "$(artemis_home)/bin/artemis" create --user "$ARTEMIS_USER" --password "$ARTEMIS_PASSWORD" \
        --require-login --silent --host 127.0.0.1 --default-port "$ARTEMIS_PORT" --no-web --no-amqp-acceptor \
        --no-mqtt-acceptor --no-stomp-acceptor --no-hornetq-acceptor --nio --no-autotune --no-fsync \
        --java-memory "$ARTEMIS_MEMORY" "$dir/broker" </dev/null >"$dir/logs/create.log" 2>&1 9>&-; then
        warn "artemis: creating the instance failed; read $dir/logs/create.log"
        show_log_tail "$dir/logs/create.log"
        return 1
      fi
      say "artemis: created instance $dir/broker (user $ARTEMIS_USER)"
    fi
    if [[ -s $dir/logs/artemis.out ]]; then mv -f "$dir/logs/artemis.out" "$dir/logs/artemis.out.prev"; fi
    # setsid: own session, so neither the caller's terminal nor its process group signals reach it. The inner
    # shell writes its own pid, which `exec` hands to the instance script, which execs the JVM.
    # shellcheck disable=SC2016 # $$ is the inner shell's
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/artemis.pid" "$dir/broker/bin/artemis" run \
      </dev/null >>"$dir/logs/artemis.out" 2>&1 9>&- &
    wait_for 10 0.05 test -s "$dir/artemis.pid" || true
    pid=$(read_pid "$dir/artemis.pid")
    [[ -n $pid ]] || {
      warn "artemis: the broker did not start; read $dir/logs/artemis.out"
      show_log_tail "$dir/logs/artemis.out"
      return 1
    }
    say "artemis: starting broker on 127.0.0.1:$ARTEMIS_PORT (pid $pid, log $dir/logs/artemis.out)"
  else
    say "artemis: broker pid $pid already running; waiting until it is active"
  fi
  if ! wait_for "$ARTEMIS_START_TIMEOUT" 0.2 artemis_active_or_dead "$pid" || pid_gone "$pid"; then
    if pid_gone "$pid"; then
      warn "artemis: the broker (pid $pid) exited during startup; read $dir/logs/artemis.out"
      rm -f "$dir/artemis.pid"
    else
      warn "artemis: not active within ${ARTEMIS_START_TIMEOUT}s; the broker (pid $pid) is left running; read $dir/logs/artemis.out"
    fi
    show_log_tail "$dir/logs/artemis.out" 20
    return 1
  fi
  say "artemis: up on 127.0.0.1:$ARTEMIS_PORT in $(elapsed "$t0") (started by $PROG, pid $pid)"
}

artemis_down() {
  local dir pid t0
  dir=$(artemis_dir)
  pid=$(artemis_our_pid)
  if [[ -z $pid ]]; then
    rm -f "$dir/artemis.pid"
    if artemis_port_open; then
      say "artemis: 127.0.0.1:$ARTEMIS_PORT was not started by $PROG; left running"
    else
      say "artemis: not running on 127.0.0.1:$ARTEMIS_PORT"
    fi
    return 0
  fi
  t0=$(now_us)
  if terminate "$pid" "$STOP_TIMEOUT" 0; then
    rm -f "$dir/artemis.pid"
    say "artemis: stopped 127.0.0.1:$ARTEMIS_PORT (pid $pid) in $(elapsed "$t0")"
  else
    warn "artemis: could not stop pid $pid; read $dir/logs/artemis.out"
    return 1
  fi
}

artemis_status() {
  local pid
  pid=$(artemis_our_pid)
  if artemis_port_open; then
    status_line artemis up "127.0.0.1:$ARTEMIS_PORT" "$(who "$pid")"
  elif [[ -n $pid ]]; then
    status_line artemis starting "127.0.0.1:$ARTEMIS_PORT" "$PROG (pid $pid)"
    return 3
  else
    status_line artemis down "127.0.0.1:$ARTEMIS_PORT" "-"
    return 3
  fi
}
