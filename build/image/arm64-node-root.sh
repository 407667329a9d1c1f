#!/bin/sh
# Makes DIR a tree holding an arm64 Node.js 20 and the libraries it needs, for running the arm64
# device image under qemu-user on an x86-64 machine (test/build/image.test.ts; docs/image.md):
#   sh build/image/arm64-node-root.sh DIR
#   qemu-aarch64 -L DIR DIR/usr/bin/node --version
# Debian 12's arm64 nodejs is 18, below the image's minimum, so the packages are Debian 13's
# (trixie: nodejs 20). apt runs with its own source list, lists, cache and an empty status file under
# DIR/.apt, so the machine's apt sources and state are never touched; the packages are unpacked with
# dpkg -x, never installed. Idempotent: a DIR that already runs `node` is left as it is.
set -eu
[ $# -eq 1 ] || { echo "usage: sh build/image/arm64-node-root.sh DIR" >&2; exit 2; }
dir=$1
[ ! -x "$dir/usr/bin/node" ] || { echo "arm64-node-root: $dir already holds usr/bin/node"; exit 0; }
command -v apt-get >/dev/null 2>&1 || { echo "arm64-node-root: apt-get is needed (Debian or Ubuntu)" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "arm64-node-root: $keyring is missing (apt-get install debian-archive-keyring)" >&2; exit 1; }

apt="$dir/.apt"
rm -rf "$apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
echo "deb [arch=arm64 signed-by=$keyring] http://deb.debian.org/debian trixie main" > "$apt/sources.list"
set -- -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Dir::State::Status=/dev/null \
  -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Debug::NoLocking=1
apt-get "$@" update -qq
# nodejs and everything it depends on (no recommends): libnode, libc6, ICU, OpenSSL, libuv, ...
pkgs=$(apt-cache "$@" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances nodejs | grep -v '^ ' | grep -v '^<' | sort -u)
(cd "$apt/debs" && apt-get "$@" -qq download $pkgs 2>&1 | grep -v 'unsandboxed' || true)
for deb in "$apt/debs"/*.deb; do dpkg -x "$deb" "$dir"; done
# Debian 13 merged /lib into /usr/lib; the arm64 loader is asked for as /lib/ld-linux-aarch64.so.1.
[ -e "$dir/lib" ] || ln -s usr/lib "$dir/lib"
rm -rf "$apt"
[ -x "$dir/usr/bin/node" ] || { echo "arm64-node-root: no usr/bin/node after unpacking ($pkgs)" >&2; exit 1; }
echo "arm64-node-root: $dir holds $(ls "$dir/usr/bin/node") from Debian 13's nodejs (arm64)"
