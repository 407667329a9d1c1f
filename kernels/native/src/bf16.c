/*
 * The bf16 part of the C ABI (elma.h, docs/backends.md "bf16"): which path runs and choosing one.
 * The layer handle (layer_handle.c, layer_bf16.c) packs and runs the matrices.
 */
#include <stdio.h>
#include <string.h>

#include "_bgemm.h"
#include "_common.h"

static const elma_b16_path *current = NULL;

const elma_b16_path *elma_b16_current_path(void) {
  if (current == NULL) current = elma_b16_default_path();
  return current;
}

const char *elma_bf16_path(void) { return elma_b16_current_path()->name; }

const char *elma_bf16_paths(void) {
  static char list[128];
  size_t at = 0;
  list[0] = '\0';
  for (int i = 0; i < elma_b16_path_count(); i++) {
    const elma_b16_path *p = elma_b16_path_at(i);
    if (!p->supported()) continue;
    int n = snprintf(list + at, sizeof list - at, "%s%s", at > 0 ? " " : "", p->name);
    if (n < 0 || (size_t)n >= sizeof list - at) break;
    at += (size_t)n;
  }
  return list;
}

int elma_bf16_set_path(const char *name) {
  if (name == NULL || name[0] == '\0') {
    current = elma_b16_default_path();
    return ELMA_OK;
  }
  const elma_b16_path *p = elma_b16_path_named(name);
  if (p == NULL) return elma_fail(ELMA_EINVAL, "elma_bf16_set_path", "unknown bf16 path \"%s\" (this library has: %s)", name, elma_bf16_paths());
  if (!p->supported()) return elma_fail(ELMA_EUNSUPPORTED, "elma_bf16_set_path", "bf16 path %s is not supported by this CPU (it runs: %s)", name, elma_bf16_paths());
  current = p;
  return ELMA_OK;
}
