#!/bin/sh
# `elma` on a device (docs/image.md): the device program installed beside this file, run by the
# Node.js that the image's install.sh checked (version and architecture) and wrote below.
# ELMA_NODE runs another one; NODE_OPTIONS=--enable-source-maps maps stack traces (ELMA_DEBUG=1)
# to the sources through dist/elma-edge.mjs.map.
node=@NODE@
here=$(dirname "$(readlink -f "$0")")
exec "${ELMA_NODE:-$node}" "$here/../lib/elma/dist/elma-edge.mjs" "$@"
