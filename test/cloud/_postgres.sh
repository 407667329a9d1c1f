#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests, from Debian's `postgresql` package.
#
#   _postgres.sh start DIR   initdb in DIR/data (first time), start the server listening on 127.0.0.1
#                            on a free port (kept in DIR/port, so a restart reuses it) and on a Unix
#                            socket in DIR; prints the connection URL (user postgres, trust auth).
#                            A port is only known free until the server binds it: if another process
#                            took it meanwhile, the first start picks another (up to 5 tries).
#   _postgres.sh start DIR unix
#                            the same on the Unix socket only (no TCP port to lose between a stop and
#                            a start); prints the socket's path, DIR/.s.PGSQL.5432. A test that stops
#                            and starts the server puts a relay on port 0 in front of it.
#   _postgres.sh stop DIR    stop it (fast: sessions are ended); `stop DIR immediate` kills it.
#   _postgres.sh url DIR     print the URL again.
# As root, the server runs as the `postgres` user (initdb refuses root): DIR is given to that user.
set -euo pipefail
cmd=${1:?usage: _postgres.sh start|stop|url DIR}
dir=${2:?usage: _postgres.sh start|stop|url DIR}
mode=${3:-}
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
    pg_start() { # listen_addresses port
      as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=$1 -p $2 -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    }
    if [ "$mode" = unix ]; then
      # The port number only names the socket file: nothing binds it.
      pg_start "''" 5432 || { tail -n 20 "$dir/server.log" >&2; exit 1; }
      echo "$dir/.s.PGSQL.5432"
      exit 0
    fi
    for try in 1 2 3 4 5; do
      fresh=0
      if [ ! -s "$dir/port" ]; then
        node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' >"$dir/port"
        fresh=1
      fi
      logged=0
      if [ -e "$dir/server.log" ]; then logged=$(wc -c <"$dir/server.log"); fi
      if pg_start 127.0.0.1 "$(cat "$dir/port")"; then url; exit 0; fi
      # Taken between the pick and the bind: pick another. A kept port (a restart) is not changed.
      if [ "$fresh" = 1 ] && tail -c +"$((logged + 1))" "$dir/server.log" | grep -q 'could not bind'; then
        rm -f "$dir/port"
        continue
      fi
      break
    done
    tail -n 20 "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    if [ -s "$dir/data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m "${mode:-fast}" -w stop >/dev/null; fi
    ;;
  url) url ;;
  *) echo "usage: _postgres.sh start|stop|url DIR" >&2; exit 2 ;;
esac
