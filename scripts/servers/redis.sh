# scripts/servers/redis.sh: Redis for scripts/brokers (sourced; see its header).
#   REDIS_PORT  [6379]
REDIS_PORT=${REDIS_PORT:-6379}
register_server redis redis REDIS_PORT default redis-server
check_number REDIS_PORT "$REDIS_PORT"


redis_dir() { printf '%s/redis-%s' "$STATE_DIR" "$REDIS_PORT"; }

redis_ping() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && printf "PING\r\n" >&3 && IFS= read -r line <&3 &&
    [[ $line == "+PONG"* || $line == "-NOAUTH"* ]]' "$REDIS_PORT" 2>/dev/null
}

redis_our_pid() { # -> pid if the running redis was started by this script
  local pid
  pid=$(read_pid "$(redis_dir)/redis.pid")
  if pid_matches "$pid" redis-server; then printf '%s' "$pid"; fi
  return 0
}

redis_needs_install() { ! port_open 127.0.0.1 "$REDIS_PORT" && ! command -v redis-server >/dev/null 2>&1; }

redis_up() {
  local dir pid t0
  dir=$(redis_dir)
  if port_open 127.0.0.1 "$REDIS_PORT"; then
    redis_ping || { warn "redis: 127.0.0.1:$REDIS_PORT is open but does not answer PING like Redis"; return 1; }
    pid=$(redis_our_pid)
    say "redis: up on 127.0.0.1:$REDIS_PORT ($(who "$pid" long))"
    return 0
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p "$dir/data"
  rm -f "$dir/redis.pid"
  t0=$(now_us)
  if ! redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir/data" </dev/null >"$dir/start.out" 2>&1 9>&-; then
    warn "redis: redis-server failed to start; see $dir/start.out and $dir/redis.log"
    show_log_tail "$dir/start.out"
    show_log_tail "$dir/redis.log"
    return 1
  fi
  if ! wait_for 10 0.05 redis_ping; then
    warn "redis: started but 127.0.0.1:$REDIS_PORT does not answer PING after 10 s; read $dir/redis.log"
    show_log_tail "$dir/redis.log"
    return 1
  fi
  wait_for 5 0.05 test -s "$dir/redis.pid" || true
  say "redis: started on 127.0.0.1:$REDIS_PORT in $(elapsed "$t0") (pid $(read_pid "$dir/redis.pid"), log $dir/redis.log)"
}

redis_down() {
  local dir pid
  dir=$(redis_dir)
  pid=$(redis_our_pid)
  if [[ -z $pid ]]; then
    rm -f "$dir/redis.pid"
    if port_open 127.0.0.1 "$REDIS_PORT"; then
      say "redis: 127.0.0.1:$REDIS_PORT was not started by $PROG; left running"
    else
      say "redis: not running on 127.0.0.1:$REDIS_PORT"
    fi
    return 0
  fi
  if terminate "$pid" "$STOP_TIMEOUT" 0; then
    rm -f "$dir/redis.pid"
    say "redis: stopped 127.0.0.1:$REDIS_PORT (pid $pid)"
  else
    warn "redis: could not stop pid $pid; read $dir/redis.log"
    return 1
  fi
}

redis_status() {
  local pid
  pid=$(redis_our_pid)
  if port_open 127.0.0.1 "$REDIS_PORT"; then
    status_line redis up "127.0.0.1:$REDIS_PORT" "$(who "$pid")"
  else
    status_line redis down "127.0.0.1:$REDIS_PORT" "-"
    return 3
  fi
}
