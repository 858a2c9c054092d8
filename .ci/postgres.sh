# Start a throwaway PostgreSQL server (temp data dir, own port, trust auth, loopback only).
# Source it: `source .ci/postgres.sh`; it exports VADESK_TEST_POSTGRES_URL and defines pg_stop.
# Runs the server as the `postgres` user, because CI runs as root and postgres refuses root.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "postgres.sh: no PostgreSQL server installed (apt-get install postgresql)" >&2
  return 1
fi
PG_PORT=${PG_PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
PG_DIR=$(mktemp -d /tmp/vadesk-pg.XXXXXX)
PG_RUN=(env)
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$PG_DIR"
  PG_RUN=(runuser -u postgres --)
fi
"${PG_RUN[@]}" "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
  || { cat "$PG_DIR/initdb.log" >&2; return 1; }
"${PG_RUN[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$PG_DIR/server.log" >&2; return 1; }
export VADESK_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
pg_stop() {
  "${PG_RUN[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
echo "PostgreSQL running at $VADESK_TEST_POSTGRES_URL"
