/*
 * The process environment as C sees it (getenv/setenv), for the BLAS dispatch
 * (kernels/native/blas-dispatch.ts): OpenBLAS reads OPENBLAS_CORETYPE with getenv() in its
 * constructor, when the first library linked to it is loaded. Node's process.env reaches the C
 * environment only on the main thread; in a worker thread it is a private copy, and ELMA's edge
 * program loads the native backend in a worker. So the dispatch reads and writes through here.
 */
#include <stdlib.h>

#include "elma_cpu.h"

const char *elma_env_get(const char *name) {
  if (name == NULL) return NULL;
  return getenv(name);
}

int elma_env_set(const char *name, const char *value, int32_t overwrite) {
  if (name == NULL || name[0] == '\0' || value == NULL) return -1;
  return setenv(name, value, overwrite != 0) == 0 ? 0 : -1;
}

int elma_env_unset(const char *name) {
  if (name == NULL || name[0] == '\0') return -1;
  return unsetenv(name) == 0 ? 0 : -1;
}
