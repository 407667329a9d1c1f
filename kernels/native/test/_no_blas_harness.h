/*
 * What the C tests built without BLAS share (test_qgemm.c, test_bgemm.c): an elma_fail of their
 * own (status.c, where the library's lives, needs BLAS; elementwise.c reports bad arguments
 * through it, which the code under test never triggers, so it only prints), the CHECK macro that
 * counts failures, and a seeded xorshift generator (each test sets its own seed before including).
 */
#ifndef ELMA_NO_BLAS_HARNESS_H
#define ELMA_NO_BLAS_HARNESS_H

#include <stdarg.h>
#include <stdio.h>

int elma_fail(int code, const char *fn, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("elma_fail: %s: ", fn);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  return code;
}

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static unsigned rng = HARNESS_SEED;
static unsigned next(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }
static float frand(void) { return (float)next() / 4294967296.0f * 2 - 1; }
static float gauss(void) { float s = 0; for (int i = 0; i < 4; i++) s += frand(); return s * 0.866f; }

#endif
