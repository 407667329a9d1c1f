#!/bin/sh
# `elma` on a device with a qjs image (docs/image.md, "The qjs image"): the device program bundled
# for elma-qjs, run by the static elma-qjs installed beside this file. ELMA_QJS runs another
# elma-qjs (an emulator's wrapper, a build with OpenBLAS); ELMA_DEBUG=1 prints an uncaught
# exception's stack.
here=$(dirname "$(readlink -f "$0")")
exec "${ELMA_QJS:-$here/../lib/elma/bin/elma-qjs}" "$here/../lib/elma/dist/elma-qjs-edge.js" "$@"
