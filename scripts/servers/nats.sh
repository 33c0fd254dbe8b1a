# scripts/servers/nats.sh: NATS with JetStream for scripts/brokers (sourced; see its header).
#   NATS_PORT  [4222]
NATS_PORT=${NATS_PORT:-4222}
register_server nats nats NATS_PORT default nats-server
check_number NATS_PORT "$NATS_PORT"

nats_dir() { printf '%s/nats-%s' "$STATE_DIR" "$NATS_PORT"; }

nats_info() { # -> the INFO line a NATS server sends first
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && IFS= read -r line <&3 && printf "%s" "$line"' \
    "$NATS_PORT" 2>/dev/null
}

nats_ping() { [[ $(nats_info) == INFO* ]]; }

nats_jetstream() { [[ $(nats_info) == *'"jetstream":true'* ]]; }

nats_our_pid() { # -> pid if the running nats-server was started by this script
  local pid
  pid=$(read_pid "$(nats_dir)/nats.pid")
  if pid_matches "$pid" nats-server; then printf '%s' "$pid"; fi
  return 0
}

nats_needs_install() { ! port_open 127.0.0.1 "$NATS_PORT" && ! command -v nats-server >/dev/null 2>&1; }

nats_up() {
  local dir pid t0
  dir=$(nats_dir)
  if port_open 127.0.0.1 "$NATS_PORT"; then
    nats_ping || { warn "nats: 127.0.0.1:$NATS_PORT is open but does not greet like NATS"; return 1; }
    nats_jetstream || { warn "nats: the server on 127.0.0.1:$NATS_PORT runs without JetStream (start it with -js)"; return 1; }
    pid=$(nats_our_pid)
    say "nats: up on 127.0.0.1:$NATS_PORT with JetStream ($(who "$pid" long))"
    return 0
  fi
  command -v nats-server >/dev/null 2>&1 || apt_install nats-server
  mkdir -p "$dir/data"
  rm -f "$dir/nats.pid"
  t0=$(now_us)
  nohup nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$dir/data" -l "$dir/nats.log" -P "$dir/nats.pid" \
    </dev/null >"$dir/start.out" 2>&1 9>&- &
  if ! wait_for 15 0.05 nats_jetstream; then
    warn "nats: started but 127.0.0.1:$NATS_PORT does not answer with JetStream after 15 s; read $dir/nats.log"
    show_log_tail "$dir/start.out"
    show_log_tail "$dir/nats.log"
    return 1
  fi
  wait_for 5 0.05 test -s "$dir/nats.pid" || true
  say "nats: started on 127.0.0.1:$NATS_PORT in $(elapsed "$t0") (pid $(read_pid "$dir/nats.pid"), log $dir/nats.log)"
}

nats_down() {
  local dir pid
  dir=$(nats_dir)
  pid=$(nats_our_pid)
  if [[ -z $pid ]]; then
    rm -f "$dir/nats.pid"
    if port_open 127.0.0.1 "$NATS_PORT"; then
      say "nats: 127.0.0.1:$NATS_PORT was not started by $PROG; left running"
    else
      say "nats: not running on 127.0.0.1:$NATS_PORT"
    fi
    return 0
  fi
  if terminate "$pid" "$STOP_TIMEOUT" 0; then
    rm -f "$dir/nats.pid"
    say "nats: stopped 127.0.0.1:$NATS_PORT (pid $pid)"
  else
    warn "nats: could not stop pid $pid; read $dir/nats.log"
    return 1
  fi
}

nats_status() {
  local pid
  pid=$(nats_our_pid)
  if port_open 127.0.0.1 "$NATS_PORT"; then
    status_line nats up "127.0.0.1:$NATS_PORT" "$(who "$pid")"
  else
    status_line nats down "127.0.0.1:$NATS_PORT" "-"
    return 3
  fi
}
