# elma-qjs's one change to QuickJS 2021-03-27 (docs/qjs-runtime.md, "The async-function GC fix"),
# applied at configure time to a copy of quickjs.c in the build directory: the npm package's file
# stays as it is and nothing of QuickJS is copied into this repository.
#
# The bug (CVE-2023-48184, bellard/quickjs#156; fixed upstream after 2021-03-27 by reworking the
# async function state): a closure that captured a local of a suspended async function refers to it
# through a variable reference into that function's frame, an edge the cycle collector does not
# see. When the suspended function is otherwise only part of a cycle (its frame holds the promise it
# awaits, whose reaction holds the function's resolving functions, which hold the frame), a garbage
# collection frees it while the closure lives; the closure then reads freed memory. An event loop
# hits it at once: `const done = new Promise((r) => { stop = r; }); await done;` with `stop` called
# from a socket or timer callback (seen as "TypeError: not a function" after the device's update).
#
# The fix here: an async function holds one reference on its own state while it is active (from its
# first run to its end), so a suspended one is never collected; its end releases it. The cost: an
# async function suspended forever on a promise nobody can settle is never freed (a leak the
# program would have had under Node too, where such a frame stays alive as long as its promise).
# Generators are not changed (a suspended generator is reachable from its iterator object).
#
# Each edit is an exact line that must occur once; anything else stops the build with the reason.

# Replace the one occurrence of `from` in the variable named by `var` (strings hold ';', so no lists).
function(_elma_quickjs_edit var src from to)
  string(FIND "${${var}}" "${from}" first)
  string(FIND "${${var}}" "${from}" again REVERSE)
  if(first EQUAL -1 OR NOT first EQUAL again)
    message(FATAL_ERROR "ELMA: cannot patch ${src}: the line \"${from}\" is not there exactly once (a QuickJS other than 2021-03-27?)")
  endif()
  string(REPLACE "${from}" "${to}" out "${${var}}")
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

function(elma_patch_quickjs src dst)
  file(READ "${src}" text)
  # js_async_function_call: active from here on, and pinned.
  _elma_quickjs_edit(text "${src}" "    s->is_active = TRUE;\n"
    "    s->is_active = TRUE;\n    s->header.ref_count++; /* elma-qjs: pinned while active (CVE-2023-48184) */\n")
  # js_async_function_terminate: the end releases the pin (a caller still holds a reference).
  _elma_quickjs_edit(text "${src}" "        s->is_active = FALSE;\n"
    "        s->is_active = FALSE;\n        assert(s->header.ref_count > 1);\n        s->header.ref_count--; /* elma-qjs: unpinned at the end */\n")
  # Written only when it changes: a new mtime at every configure would recompile quickjs.c (the
  # bulk of the build) each time elma-qjs is built into an existing build directory.
  if(EXISTS "${dst}")
    file(READ "${dst}" before)
    if(before STREQUAL text)
      return()
    endif()
  endif()
  file(WRITE "${dst}" "${text}")
endfunction()
