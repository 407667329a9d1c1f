#!/bin/sh
# Installs an ELMA device image (docs/image.md, "Installing"): run from the unpacked image,
#   sh install.sh --cloud HOST:PORT --server-key HEX            (as root, on the device)
#   sh install.sh --root DIR --cloud ... --server-key ...       (into a tree: tests, a rootfs)
# It checks every file of the image against SHA256SUMS and what will run the program (image.env's
# ELMA_RUNTIME: for node the Node.js, its version and architecture; for qjs that the image's
# static elma-qjs runs on this machine), provisions slot A with the image's own program (a model
# that fails on this device leaves the root as it was), then lays out, under the root:
#   usr/lib/elma/                node: the device program (dist/elma-edge.mjs), its native library
#                                (dist/native) and koffi's binary (node_modules/@koromix/...);
#                                qjs: elma-qjs (bin/elma-qjs) and the program (dist/elma-qjs-edge.js)
#   usr/bin/elma                 the command (`elma edge ...`), running that program with that Node
#                                or with the image's elma-qjs
#   etc/systemd/system/          elma-edge.service (enabled) and the serial console's drop-in
#   etc/elma/edge.json           the configuration (first install only; kept afterwards)
#   etc/elma/device.key          the device's link key, mode 0600 (first install only)
#   var/lib/elma/slots           the A/B model slots, the image's model provisioned in slot A
#                                (verified and health-checked by the program: elma slots init)
#   var/lib/elma/outbox          questions waiting for the cloud
# edge.json names those paths relative to /etc/elma, so the tree works wherever it is mounted;
# the state lives under /var/lib because the service sees /etc read-only (ProtectSystem=full).
# An upgrade (the same script from a newer image) replaces the program and keeps the
# configuration, the key and the slots: models are updated over the air, not by images.
# POSIX sh (Ubuntu's dash) and coreutils (sha256sum, readlink -f), and for a node image the Node
# that runs ELMA.
set -eu

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

usage() {
  cat <<'EOF'
Usage: sh install.sh [--root DIR] [--cloud HOST:PORT --server-key HEX] [--node PATH] [--budget-ms MS] [--no-enable]

  --root DIR        install under DIR instead of / (a test tree, a device's root file system)
  --cloud H:P       the cloud's address (needed on the first install: it goes into edge.json)
  --server-key HEX  the cloud's link public key, 64 hex digits (elma link-keygen printed it)
  --node PATH       node images: the Node.js (>= 20) that runs the program; default: node on PATH
  --budget-ms MS    the health check's limit per golden question when slot A is provisioned
                    (default 2000; raise it for a slow device, or Node under an emulator)
  --no-enable       do not enable elma-edge.service
EOF
}

root=/
cloud=
server_key=
node=
budget_ms=2000
enable=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift 2 ;;
    --cloud) [ $# -ge 2 ] || die "--cloud needs HOST:PORT"; cloud=$2; shift 2 ;;
    --server-key) [ $# -ge 2 ] || die "--server-key needs 64 hex digits"; server_key=$2; shift 2 ;;
    --node) [ $# -ge 2 ] || die "--node needs a path"; node=$2; shift 2 ;;
    --budget-ms) [ $# -ge 2 ] || die "--budget-ms needs milliseconds"; budget_ms=$2; shift 2 ;;
    --no-enable) enable=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/image.env" ] || die "$here/image.env is missing: run install.sh from the unpacked image"
# shellcheck source=/dev/null
. "$here/image.env"

# 1. The image is what was built: every file against its sha256 (manifest.json has them too).
command -v sha256sum >/dev/null 2>&1 || die "sha256sum (coreutils) is needed to check the image"
if ! (cd "$here" && sha256sum --quiet --strict -c SHA256SUMS) >&2; then
  die "the image's files do not match SHA256SUMS (a damaged or altered download): nothing was installed"
fi

# 2. What will run the program. node: the Node.js, its version and architecture. qjs: the image's
# own static elma-qjs, which must run here (an arm64 program on an x86-64 machine does not).
case "$ELMA_RUNTIME" in
node)
  if [ -z "$node" ]; then
    node=$(command -v node 2>/dev/null) || die "node was not found on PATH; install Node.js $ELMA_NODE_MIN or later (docs/image.md), or pass --node PATH"
  fi
  [ -x "$node" ] || die "--node $node: not an executable"
  node_version=$("$node" -p 'process.versions.node' 2>/dev/null) || die "$node does not run"
  node_arch=$("$node" -p 'process.arch')
  case "$node_version" in
    [0-9]*) [ "${node_version%%.*}" -ge "$ELMA_NODE_MIN" ] || die "$node is Node.js $node_version; ELMA's device program needs $ELMA_NODE_MIN or later (docs/image.md: JetPack 4 cannot run it; use the qjs image)" ;;
    *) die "$node printed no version" ;;
  esac
  [ "$node_arch" = "$ELMA_IMAGE_ARCH" ] || die "this is the $ELMA_IMAGE_ARCH image but $node is a $node_arch Node.js: use the $node_arch image, or run install.sh on the device"
  image_elma() { "$node" "$here/root/usr/lib/elma/dist/elma-edge.mjs" "$@"; }
  ;;
qjs)
  [ -z "$node" ] || die "--node: this image runs on its own elma-qjs and needs no Node.js"
  qjs="$here/root/usr/lib/elma/bin/elma-qjs"
  image_elma() { "$qjs" "$here/root/usr/lib/elma/dist/elma-qjs-edge.js" "$@"; }
  qjs_says=$(image_elma --version 2>/dev/null) || die "this is the $ELMA_IMAGE_ARCH image but its elma-qjs does not run on this $(uname -m) machine: use the image of this machine's architecture, or run install.sh on the device"
  case "$qjs_says" in
    *", $ELMA_IMAGE_ARCH)") ;;
    *) die "the image's elma-qjs says '$qjs_says', not an $ELMA_IMAGE_ARCH program" ;;
  esac
  ;;
*) die "image.env names an unknown runtime '$ELMA_RUNTIME'" ;;
esac

# 3. The options and the configuration's inputs, checked before anything is written.
case "$budget_ms" in ''|*[!0-9]*) die "--budget-ms must be a whole number of milliseconds, got '$budget_ms'" ;; esac
conf_dir="$root/etc/elma"
if [ ! -f "$conf_dir/edge.json" ]; then
  [ -n "$cloud" ] || die "first install: --cloud HOST:PORT is needed (edge.json does not exist yet)"
  [ -n "$server_key" ] || die "first install: --server-key HEX is needed (the cloud's link public key)"
  printf '%s' "$cloud" | grep -Eq '^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$' || die "--cloud must be HOST:PORT, got '$cloud'"
  # A static program has no NSS modules to resolve names with (docs/qjs-runtime.md): numbers only.
  if [ "$ELMA_RUNTIME" = qjs ] && ! printf '%s' "$cloud" | grep -Eq '^([0-9]{1,3}(\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]+\]|localhost):[0-9]{1,5}$'; then
    die "--cloud $cloud: elma-qjs resolves no host names (a static program); give the cloud's IPv4 address, [IPv6] address or localhost"
  fi
  if [ "${#server_key}" -ne 64 ] || ! printf '%s' "$server_key" | grep -Eq '^[0-9A-Fa-f]{64}$'; then
    die "--server-key must be 64 hex digits (the cloud's link public key), got '$server_key'"
  fi
fi

# 4. The state first, with the image's own program (run from the unpacked image): the slots, the
# image's model provisioned into slot A (verified and health-checked on this device: elma slots
# init), and the outbox. A model that fails here leaves the root as it was.
state="$root/var/lib/elma"
if [ -f "$state/slots/state.json" ]; then
  say "slots: $state/slots already provisioned; kept (models are updated over the air)"
else
  fresh_state=no
  [ -e "$state" ] || fresh_state=yes
  mkdir -p "$state"
  if ! image_elma slots init --slots "$state/slots" --from "$here/slot-a" --pubkey "$ELMA_RELEASE_KEY" --budget-ms "$budget_ms"; then
    if [ "$fresh_state" = yes ]; then rm -rf "$state"; else rm -rf "$state/slots"; fi
    die "the image's model could not be provisioned into slot A (above: why); nothing was installed"
  fi
fi
mkdir -p "$state/outbox" "$root/run/elma"
chmod 750 "$state"

# 5. The program: staged beside the old one, then swapped in by rename (a running service keeps
# the files it has open; the next start runs the new program).
mkdir -p "$root/usr/lib" "$root/usr/bin"
lib="$root/usr/lib/elma"
rm -rf "$root/usr/lib/.elma.new" "$root/usr/lib/.elma.old"
cp -R "$here/root/usr/lib/elma" "$root/usr/lib/.elma.new"
cp "$here/manifest.json" "$root/usr/lib/.elma.new/image-manifest.json"
[ ! -e "$lib" ] || mv "$lib" "$root/usr/lib/.elma.old"
mv "$root/usr/lib/.elma.new" "$lib"
rm -rf "$root/usr/lib/.elma.old"
if [ "$ELMA_RUNTIME" = node ]; then
  node_abs=$(readlink -f "$node")
  sed "s|@NODE@|$node_abs|" "$here/root/usr/bin/elma" > "$root/usr/bin/.elma.new"
else
  cp "$here/root/usr/bin/elma" "$root/usr/bin/.elma.new"
fi
chmod 755 "$root/usr/bin/.elma.new"
mv "$root/usr/bin/.elma.new" "$root/usr/bin/elma"
elma="$root/usr/bin/elma"
if [ "$ELMA_RUNTIME" = node ]; then
  say "program: $lib (device program, native library, koffi) and $elma, run by Node.js $node_version ($node_abs)"
else
  say "program: $lib (device program, elma-qjs) and $elma, run by $qjs_says"
fi

# 6. The service and the serial console (systemd looks in /etc/systemd/system for local units).
units="$root/etc/systemd/system"
mkdir -p "$units/serial-getty@ttyS0.service.d"
cp "$here/root/etc/systemd/system/elma-edge.service" "$units/elma-edge.service"
cp "$here/root/etc/systemd/system/serial-getty@ttyS0.service.d/elma-console.conf" "$units/serial-getty@ttyS0.service.d/elma-console.conf"
chmod 644 "$units/elma-edge.service" "$units/serial-getty@ttyS0.service.d/elma-console.conf"
if [ "$enable" = yes ]; then
  # What `systemctl enable` does for WantedBy=multi-user.target, without needing a running systemd.
  mkdir -p "$units/multi-user.target.wants"
  ln -sfn /etc/systemd/system/elma-edge.service "$units/multi-user.target.wants/elma-edge.service"
fi

# 7. The device's link key and the configuration (first install only).
mkdir -p "$conf_dir"
if [ -f "$conf_dir/device.key" ]; then
  say "device key: $conf_dir/device.key kept"
else
  pub=$(image_elma link-keygen --out "$conf_dir/device.key") || die "could not create $conf_dir/device.key"
  say "device key: $conf_dir/device.key, public key $pub"
  say "  enrol it on the cloud: elma cloud devices add <name> --key $pub"
fi
if [ -f "$conf_dir/edge.json" ]; then
  say "config: $conf_dir/edge.json kept"
else
  cat > "$conf_dir/.edge.json.new" <<EOF
{
  "cloud": "$cloud",
  "server_key": "$server_key",
  "device_key": "device.key",
  "slots": "../../var/lib/elma/slots",
  "release_key": "$ELMA_RELEASE_KEY",
  "backend": "auto",
  "depth_limit": $ELMA_DEPTH_LIMIT,
  "threshold_scale": 1,
  "offload_form": "text",
  "offload_timeout_ms": 3000,
  "outbox": "../../var/lib/elma/outbox",
  "update_interval_s": 3600,
  "console": false,
  "socket": "../../run/elma/edge.sock",
  "status_interval_s": 60
}
EOF
  mv "$conf_dir/.edge.json.new" "$conf_dir/edge.json"
  say "config: $conf_dir/edge.json (cloud $cloud)"
fi

# 8. A running systemd on this very root picks the units up; the service starts with the next boot
# or at once with systemctl start (restarted here if it ran an older program).
if [ "$root" = / ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl try-restart elma-edge.service || true
fi
say "installed $ELMA_IMAGE_NAME under $root; start it: systemctl start elma-edge (console: elma edge console --socket /run/elma/edge.sock)"
