# scripts/servers/mosquitto.sh: Mosquitto (MQTT 5) for scripts/brokers, as server `mqtt` (sourced; see its header).
#   MQTT_PORT  [1883]
MQTT_PORT=${MQTT_PORT:-1883}
register_server mqtt mosquitto MQTT_PORT extra mosquitto
check_number MQTT_PORT "$MQTT_PORT"

mosquitto_dir() { printf '%s/mosquitto-%s' "$STATE_DIR" "$MQTT_PORT"; }

# An MQTT 3.1.1 CONNECT (clean session, empty client id, keep-alive 60 s); a server answers with CONNACK 0x20.
mosquitto_ping() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" &&
    printf "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00" >&3 &&
    [[ $(head -c 1 <&3 | od -An -tx1 | tr -d " ") == 20 ]]' "$MQTT_PORT" 2>/dev/null
}

mosquitto_our_pid() { # -> pid if the running mosquitto was started by this script
  local pid
  pid=$(read_pid "$(mosquitto_dir)/mosquitto.pid")
  if pid_matches "$pid" mosquitto; then printf '%s' "$pid"; fi
  return 0
}

mosquitto_needs_install() { ! port_open 127.0.0.1 "$MQTT_PORT" && ! command -v mosquitto >/dev/null 2>&1; }

mosquitto_up() {
  local dir pid t0
  dir=$(mosquitto_dir)
  if port_open 127.0.0.1 "$MQTT_PORT"; then
    mosquitto_ping || { warn "mqtt: 127.0.0.1:$MQTT_PORT is open but does not answer an MQTT CONNECT"; return 1; }
    pid=$(mosquitto_our_pid)
    say "mqtt: up on 127.0.0.1:$MQTT_PORT ($(who "$pid" long))"
    return 0
  fi
  command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || apt_install mosquitto
  mkdir -p "$dir/data"
  rm -f "$dir/mosquitto.pid"
  {
    printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$MQTT_PORT"
    # Sessions and queued messages survive a clean restart (written on shutdown and every 60 s).
    printf 'persistence true\npersistence_location %s/data/\nautosave_interval 60\n' "$dir"
    # A group member that is away keeps everything sent meanwhile (Mosquitto's default drops past 1000 messages).
    printf 'max_queued_messages 0\n'
    printf 'pid_file %s/mosquitto.pid\nlog_dest file %s/mosquitto.log\n' "$dir" "$dir"
    # As root Mosquitto switches to the mosquitto user, which could not write this directory.
    [[ $(id -u) == 0 ]] && printf 'user root\n'
  } >"$dir/mosquitto.conf"
  t0=$(now_us)
  if ! PATH=$PATH:/usr/sbin mosquitto -d -c "$dir/mosquitto.conf" </dev/null >"$dir/start.out" 2>&1 9>&-; then
    warn "mqtt: mosquitto failed to start; see $dir/start.out and $dir/mosquitto.log"
    show_log_tail "$dir/start.out"
    show_log_tail "$dir/mosquitto.log"
    return 1
  fi
  if ! wait_for 10 0.05 mosquitto_ping; then
    warn "mqtt: started but 127.0.0.1:$MQTT_PORT does not answer MQTT after 10 s; read $dir/mosquitto.log"
    show_log_tail "$dir/mosquitto.log"
    return 1
  fi
  wait_for 5 0.05 test -s "$dir/mosquitto.pid" || true
  say "mqtt: started mosquitto on 127.0.0.1:$MQTT_PORT in $(elapsed "$t0") (pid $(read_pid "$dir/mosquitto.pid"), log $dir/mosquitto.log)"
}

mosquitto_down() {
  local dir pid
  dir=$(mosquitto_dir)
  pid=$(mosquitto_our_pid)
  if [[ -z $pid ]]; then
    rm -f "$dir/mosquitto.pid"
    if port_open 127.0.0.1 "$MQTT_PORT"; then
      say "mqtt: 127.0.0.1:$MQTT_PORT was not started by $PROG; left running"
    else
      say "mqtt: not running on 127.0.0.1:$MQTT_PORT"
    fi
    return 0
  fi
  if terminate "$pid" "$STOP_TIMEOUT" 0; then
    rm -f "$dir/mosquitto.pid"
    say "mqtt: stopped 127.0.0.1:$MQTT_PORT (pid $pid)"
  else
    warn "mqtt: could not stop pid $pid; read $dir/mosquitto.log"
    return 1
  fi
}

mosquitto_status() {
  local pid
  pid=$(mosquitto_our_pid)
  if port_open 127.0.0.1 "$MQTT_PORT"; then
    status_line mqtt up "127.0.0.1:$MQTT_PORT" "$(who "$pid")"
  else
    status_line mqtt down "127.0.0.1:$MQTT_PORT" "-"
    return 3
  fi
}
