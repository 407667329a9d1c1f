/* elma_last_error, elma_info, thread control: the small API functions that are not kernels. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "_common.h"
#include "_pool.h"
#include "_blas.h"

static _Thread_local char last_error[512];

int elma_fail(int code, const char *fn, const char *fmt, ...) {
  int n = snprintf(last_error, sizeof last_error, "%s: ", fn);
  if (n < 0 || (size_t)n >= sizeof last_error) n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error + n, sizeof last_error - (size_t)n, fmt, ap);
  va_end(ap);
  return code;
}

void elma_clear_error(void) { last_error[0] = '\0'; }

const char *elma_last_error(void) { return last_error; }

int elma_abi_version(void) { return ELMA_ABI_VERSION; }

static int blas_single_threaded = 0;

/* OpenBLAS runs single-threaded inside our pool's tasks (see _pool.c for why). */
void elma_blas_init(void) {
  if (!blas_single_threaded) {
    elma_blas_set_threads(1);
    blas_single_threaded = 1;
  }
}

const char *elma_blas_core(void) {
  const char *core = elma_blas_core_name();
  return core != NULL ? core : "";
}

/* The feature list with commas, so that the info line stays "key=value" tokens. */
static void comma_list(char *out, size_t cap, const char *spaced) {
  snprintf(out, cap, "%s", spaced);
  for (char *p = out; *p != '\0'; p++)
    if (*p == ' ') *p = ',';
}

const char *elma_info(void) {
  static char info[1280];
  char features[800];
  comma_list(features, sizeof features, elma_cpu_features());
#if defined(__AVX512F__)
  const char *simd = "avx512";
#elif defined(__AVX2__)
  const char *simd = "avx2";
#elif defined(__ARM_NEON)
  const char *simd = "neon";
#else
  const char *simd = "scalar";
#endif
  /* simd= and threads= stay last: tests and reports read "... simd=X threads=N" at the end. */
  snprintf(info, sizeof info, "blas=%s blas_core=%s cpu_features=%s simd=%s threads=%d", elma_blas_name(),
           elma_blas_core()[0] != '\0' ? elma_blas_core() : "none", features, simd, elma_pool_threads());
  return info;
}

int elma_set_threads(int32_t n) {
  if (n < 0 || n > 256) return elma_fail(ELMA_EINVAL, "elma_set_threads", "thread count %d is outside 0..256", n);
  if (elma_pool_set_threads(n) != 0) return elma_fail(ELMA_ENOMEM, "elma_set_threads", "could not start %d threads", n);
  return ELMA_OK;
}

int elma_get_threads(void) { return elma_pool_threads(); }

float *elma_scratch(int slot, size_t floats) {
  static float *buf[ELMA_SCRATCH_SLOTS];
  static size_t cap[ELMA_SCRATCH_SLOTS];
  if (slot < 0 || slot >= ELMA_SCRATCH_SLOTS) return NULL;
  if (floats > cap[slot]) {
    free(buf[slot]);
    size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
    buf[slot] = aligned_alloc(64, bytes);
    cap[slot] = buf[slot] != NULL ? floats : 0;
  }
  return buf[slot];
}
