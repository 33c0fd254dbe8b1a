# scripts/servers/rabbitmq.sh: RabbitMQ for scripts/brokers (sourced; see its header).
#   RABBITMQ_NODE_PORT  [5672]; any other port runs an isolated node (own name, data, config) in the state
#                       dir, so the system node is never touched
#   RABBITMQ_DIST_PORT  Erlang distribution port of such an isolated node [RABBITMQ_NODE_PORT + 20000]
RABBITMQ_PORT=${RABBITMQ_NODE_PORT:-5672}
readonly RABBITMQ_DEFAULT_PORT=5672
readonly RABBITMQ_LIB=/usr/lib/rabbitmq/bin
register_server rabbitmq rabbit RABBITMQ_PORT default rabbitmq-server
check_number RABBITMQ_NODE_PORT "$RABBITMQ_PORT"

# RabbitMQ
#
# On the default port the system node is used (Debian's wrappers in /usr/sbin run it as the rabbitmq
# user; root or sudo is needed). On any other port an isolated node lives entirely in the state dir:
# own node name, cookie, mnesia, logs, config (so /etc/rabbitmq/rabbitmq.conf listeners do not apply).

rabbit_dir() { printf '%s/rabbitmq-%s' "$STATE_DIR" "$RABBITMQ_PORT"; }
rabbit_isolated() { [[ $RABBITMQ_PORT != "$RABBITMQ_DEFAULT_PORT" ]]; }
rabbit_isolated_node() { printf 'polybus%s@localhost' "$RABBITMQ_PORT"; }

# Runs a RabbitMQ CLI (rabbitmq-server, rabbitmqctl) against the node this script manages, bounded.
rabbit_cli() { # seconds tool args...
  local secs=$1 tool=$2
  shift 2
  if rabbit_isolated; then
    local dir
    dir=$(rabbit_dir)
    env HOME="$dir" \
      RABBITMQ_NODENAME="$(rabbit_isolated_node)" \
      RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
      RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-$((RABBITMQ_PORT + 20000))}" \
      RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
      RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
      RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
      RABBITMQ_MNESIA_BASE="$dir/mnesia" \
      RABBITMQ_LOG_BASE="$dir/log" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
      RABBITMQ_PID_FILE="$dir/mnesia/node.pid" \
      ERL_EPMD_ADDRESS=127.0.0.1 \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
      timeout "$secs" "$RABBITMQ_LIB/$tool" "$@"
  else
    # Debian's wrappers (run the node as the rabbitmq user); /usr/sbin is often not on a user's PATH.
    local cmd=$tool
    [[ -x /usr/sbin/$tool ]] && cmd=/usr/sbin/$tool
    as_root timeout "$secs" "$cmd" "$@"
  fi
}

rabbit_logs_hint() {
  if rabbit_isolated; then printf '%s/log/ and %s/start.out' "$(rabbit_dir)" "$(rabbit_dir)"; else printf '/var/log/rabbitmq/ and %s/start.out' "$(rabbit_dir)"; fi
}

# The pid of the node this script started, if it runs. An isolated node's own pid file is used too
# (its beam process runs with -home <its state dir>), so it is never mistaken for someone else's.
rabbit_our_pid() {
  local dir pid
  dir=$(rabbit_dir)
  pid=$(read_pid "$dir/rabbitmq.pid")
  if rabbit_isolated; then
    pid_matches "$pid" "-home $dir " || pid=$(read_pid "$dir/mnesia/node.pid")
    pid_matches "$pid" "-home $dir " || pid=""
  else
    pid_matches "$pid" beam || pid=""
  fi
  printf '%s' "$pid"
}

rabbit_needs_install() {
  ! port_open 127.0.0.1 "$RABBITMQ_PORT" && { ! command -v rabbitmq-server >/dev/null 2>&1 && [[ ! -x $RABBITMQ_LIB/rabbitmq-server ]]; }
}

rabbit_port_ready() { port_open 127.0.0.1 "$RABBITMQ_PORT"; }

rabbit_up() {
  local dir pid t0 started=0
  dir=$(rabbit_dir)
  pid=$(rabbit_our_pid)
  if rabbit_port_ready; then
    say "rabbitmq: up on 127.0.0.1:$RABBITMQ_PORT ($(who "$pid" long))"
    return 0
  fi
  # Without a policy-rc.d the package's postinst may start the system node itself: awaited below.
  [[ -x $RABBITMQ_LIB/rabbitmq-server ]] || apt_install rabbitmq-server
  mkdir -p "$dir"
  if rabbit_isolated; then
    mkdir -p "$dir/mnesia" "$dir/log"
    printf 'listeners.tcp.local = 127.0.0.1:%s\nloopback_users.guest = true\n' "$RABBITMQ_PORT" >"$dir/rabbitmq.conf"
    : >"$dir/rabbitmq-env.conf"
    [[ -e $dir/enabled_plugins ]] || printf '[].\n' >"$dir/enabled_plugins"
  fi
  t0=$(now_us)
  if [[ -n $pid ]]; then
    say "rabbitmq: node pid $pid ($PROG) is running; waiting for 127.0.0.1:$RABBITMQ_PORT"
    started=1
  elif rabbit_cli 20 rabbitmqctl -q ping </dev/null >/dev/null 2>&1 9>&-; then
    # A node that is already running (e.g. still booting) is awaited, not started twice. An isolated
    # node lives in this script's state dir, so it is this script's even without a pid file.
    if rabbit_isolated; then
      started=1
      say "rabbitmq: isolated node $(rabbit_isolated_node) is running; waiting for 127.0.0.1:$RABBITMQ_PORT"
    else
      say "rabbitmq: node already running (not started by $PROG); waiting for 127.0.0.1:$RABBITMQ_PORT"
    fi
  else
    rm -f "$dir/rabbitmq.pid"
    say "rabbitmq: starting node on 127.0.0.1:$RABBITMQ_PORT"
    if ! (cd / && rabbit_cli 60 rabbitmq-server -detached) </dev/null >"$dir/start.out" 2>&1 9>&-; then
      warn "rabbitmq: 'rabbitmq-server -detached' failed; read $(rabbit_logs_hint)"
      show_log_tail "$dir/start.out"
      return 1
    fi
    started=1
  fi
  # The AMQP listener opens at the end of the boot; polling it is cheaper than retrying the CLI
  # (await_startup fails at once while the node is not yet registered with epmd). await_startup
  # then confirms the boot has completed.
  if ! wait_for "$START_TIMEOUT" 0.2 rabbit_port_ready; then
    warn "rabbitmq: 127.0.0.1:$RABBITMQ_PORT did not open within ${START_TIMEOUT}s; read $(rabbit_logs_hint)"
    show_log_tail "$dir/start.out" 15
    return 1
  fi
  if ! rabbit_cli 40 rabbitmqctl -q --timeout 30 await_startup </dev/null >>"$dir/start.out" 2>&1 9>&-; then
    warn "rabbitmq: 127.0.0.1:$RABBITMQ_PORT is open but 'rabbitmqctl await_startup' failed; read $(rabbit_logs_hint)"
    show_log_tail "$dir/start.out" 15
    return 1
  fi
  if ((started)); then
    pid=$(rabbit_our_pid) # an isolated node's own pid file
    [[ -n $pid ]] || pid=$(rabbit_cli 20 rabbitmqctl -q eval 'list_to_integer(os:getpid()).' </dev/null 2>/dev/null 9>&- | tr -dc '0-9') || true
    if [[ -n $pid ]]; then
      printf '%s\n' "$pid" >"$dir/rabbitmq.pid"
    else
      warn "rabbitmq: could not read the node's OS pid; '$PROG down rabbitmq' will not stop it"
    fi
    say "rabbitmq: up on 127.0.0.1:$RABBITMQ_PORT in $(elapsed "$t0") (started by $PROG, pid ${pid:-?}, logs $(rabbit_logs_hint))"
  else
    say "rabbitmq: up on 127.0.0.1:$RABBITMQ_PORT after $(elapsed "$t0") (not started by $PROG)"
  fi
}

rabbit_down() {
  local dir pid
  dir=$(rabbit_dir)
  pid=$(rabbit_our_pid)
  if [[ -z $pid ]]; then
    rm -f "$dir/rabbitmq.pid"
    if rabbit_port_ready; then
      say "rabbitmq: 127.0.0.1:$RABBITMQ_PORT was not started by $PROG; left running"
    else
      say "rabbitmq: not running on 127.0.0.1:$RABBITMQ_PORT"
    fi
    return 0
  fi
  # `rabbitmqctl shutdown` returns once the node's OS process has exited.
  if ! rabbit_cli "$STOP_TIMEOUT" rabbitmqctl -q shutdown </dev/null >>"$dir/start.out" 2>&1 9>&-; then
    warn "rabbitmq: 'rabbitmqctl shutdown' failed or timed out; signalling pid $pid"
  fi
  if pid_gone "$pid" || terminate "$pid" 10 1; then
    rm -f "$dir/rabbitmq.pid"
    say "rabbitmq: stopped 127.0.0.1:$RABBITMQ_PORT (pid $pid)"
  else
    warn "rabbitmq: could not stop pid $pid; read $(rabbit_logs_hint)"
    return 1
  fi
}

rabbit_status() {
  local pid
  pid=$(rabbit_our_pid)
  if rabbit_port_ready; then
    status_line rabbitmq up "127.0.0.1:$RABBITMQ_PORT" "$(who "$pid")"
  else
    status_line rabbitmq down "127.0.0.1:$RABBITMQ_PORT" "-"
    return 3
  fi
}
