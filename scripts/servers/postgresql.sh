# scripts/servers/postgresql.sh: PostgreSQL for scripts/brokers (sourced; see its header), the store of the
# postgresql sink. Debian's cluster is used: started with pg_ctlcluster when it is stopped, installed (package
# postgresql) when missing. The tests connect as `postgres` to the database `test` on 127.0.0.1 without a
# password, so a cluster this script installs trusts 127.0.0.1 and gets that database.
#   PGPORT  [5432]
PGPORT=${PGPORT:-5432}
register_server postgresql postgresql PGPORT default postgresql
check_number PGPORT "$PGPORT"

postgresql_cluster() { # -> "version name" of the Debian cluster on $PGPORT, if one exists
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters --no-header 2>/dev/null | awk -v port="$PGPORT" '$3 == port { print $1, $2; exit }'
}

postgresql_sql() { # sql -> runs it as the postgres superuser in database postgres
  runuser -u postgres -- psql -X -q -t -A -p "$PGPORT" -d postgres -c "$1" 2>/dev/null
}

postgresql_needs_install() { ! port_open 127.0.0.1 "$PGPORT" && [[ -z $(postgresql_cluster) ]]; }

postgresql_up() {
  local cluster version name hba t0 installed=0
  if port_open 127.0.0.1 "$PGPORT"; then
    say "postgresql: up on 127.0.0.1:$PGPORT (not started by $PROG)"
    return 0
  fi
  if [[ -z $(postgresql_cluster) ]]; then
    apt_install postgresql
    installed=1
  fi
  cluster=$(postgresql_cluster)
  [[ -n $cluster ]] || { warn "postgresql: no Debian cluster listens on port $PGPORT (pg_lsclusters)"; return 1; }
  read -r version name <<<"$cluster"
  if ((installed)); then
    hba="/etc/postgresql/$version/$name/pg_hba.conf"
    printf 'host all all 127.0.0.1/32 trust\n' | cat - "$hba" >"$hba.polybus" && mv "$hba.polybus" "$hba"
    chown postgres:postgres "$hba"
  fi
  t0=$(now_us)
  if ! pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start; then
    warn "postgresql: pg_ctlcluster $version $name start failed; read /var/log/postgresql/postgresql-$version-$name.log"
    show_log_tail "/var/log/postgresql/postgresql-$version-$name.log"
    return 1
  fi
  if ! wait_for "$START_TIMEOUT" 0.1 port_open 127.0.0.1 "$PGPORT"; then
    warn "postgresql: started but 127.0.0.1:$PGPORT is not open after $START_TIMEOUT s"
    return 1
  fi
  if [[ $(postgresql_sql "SELECT 1 FROM pg_database WHERE datname = 'test'") != 1 ]]; then
    postgresql_sql "CREATE DATABASE test" || { warn "postgresql: could not create the database test"; return 1; }
  fi
  say "postgresql: started cluster $version/$name on 127.0.0.1:$PGPORT in $(elapsed "$t0")"
}

postgresql_down() {
  say "postgresql: the machine's cluster on 127.0.0.1:$PGPORT is left running (stop it with pg_ctlcluster)"
}

postgresql_status() {
  if port_open 127.0.0.1 "$PGPORT"; then
    status_line postgresql up "127.0.0.1:$PGPORT" "-"
  else
    status_line postgresql down "127.0.0.1:$PGPORT" "-"
    return 3
  fi
}
