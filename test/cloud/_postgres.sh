#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests, from Debian's `postgresql` package.
#
#   _postgres.sh start DIR   initdb in DIR/data (first time), start the server listening on 127.0.0.1
#                            on a free port (kept in DIR/port, so a restart reuses it) and on a Unix
#                            socket in DIR; prints the connection URL (user postgres, trust auth).
#   _postgres.sh stop DIR    stop it (fast: sessions are ended); `stop DIR immediate` kills it.
#   _postgres.sh url DIR     print the URL again.
# As root, the server runs as the `postgres` user (initdb refuses root): DIR is given to that user.
set -euo pipefail
cmd=${1:?usage: _postgres.sh start|stop|url DIR}
dir=${2:?usage: _postgres.sh start|stop|url DIR}
mode=${3:-fast}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "_postgres.sh: no PostgreSQL server (install Debian's postgresql: /usr/lib/postgresql/*/bin/pg_ctl)" >&2
  exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
url() { echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"; }
case "$cmd" in
  start)
    if [ "$(id -u)" = 0 ]; then
      chown postgres "$dir"
      runuser -u postgres -- test -w "$dir" \
        || { echo "_postgres.sh: the postgres user cannot reach $dir (a folder above it is closed to others)" >&2; exit 1; }
    fi
    if [ ! -s "$dir/data/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if [ ! -s "$dir/port" ]; then
      node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' >"$dir/port"
    fi
    port=$(cat "$dir/port")
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
      || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    url
    ;;
  stop)
    if [ -s "$dir/data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w stop >/dev/null; fi
    ;;
  url) url ;;
  *) echo "usage: _postgres.sh start|stop|url DIR" >&2; exit 2 ;;
esac
