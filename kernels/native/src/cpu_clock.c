/*
 * The core clock, measured: a chain of dependent register-to-register integer adds retires one
 * add per cycle on every x86-64 and arm64 core (the add's latency is one cycle; each add needs the
 * previous result, so no core can overlap them), so adds per second of the thread's own CPU time
 * are cycles per second. The loop's counter and branch are independent of the chain and run
 * beside it. Register sources, not immediates: some cores fold add-immediate chains at rename.
 *
 * Used for the machine's theoretical peak (bench/_peak.ts): cores × this clock × FLOPs per cycle
 * from the instruction set. /proc/cpuinfo's "cpu MHz" is a cross-check only: under a hypervisor
 * it is often the TSC's nominal rate, not the clock the core runs at.
 *
 * All threads run the chain at once, so turbo is the clock with that many cores busy. Integer
 * adds do not lower the clock the way wide vector code does on some cores (Intel's AVX-512
 * frequency levels), so for those the peak is an upper bound.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "elma_cpu.h"

#if defined(__x86_64__) || defined(__aarch64__)
#define ELMA_ADDS_PER_ITER 200

static void add_chain(uint64_t iters) {
  uint64_t x = 0, one = 1;
  for (uint64_t i = 0; i < iters; i++) {
#if defined(__x86_64__)
    __asm__ volatile(".rept 200\n\taddq %1, %0\n\t.endr" : "+r"(x) : "r"(one));
#else
    __asm__ volatile(".rept 200\n\tadd %0, %0, %1\n\t.endr" : "+r"(x) : "r"(one));
#endif
  }
}

static double thread_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  double millis;
  double hz;
} clock_job;

/* The fastest of several short trials: an interrupt or a moment on another core only makes a
   trial slower, never faster. */
static void *measure(void *arg) {
  clock_job *job = arg;
  uint64_t iters = 1000;
  double t = 0;
  /* Grow the trial to ~1/8 of the budget (at least 2 ms) so clock_gettime's cost is negligible. */
  const double trial = job->millis / 8e3 > 2e-3 ? job->millis / 8e3 : 2e-3;
  for (;;) {
    const double t0 = thread_seconds();
    add_chain(iters);
    t = thread_seconds() - t0;
    if (t >= trial || iters > ((uint64_t)1 << 40)) break;
    iters *= 2;
  }
  double best = t > 0 ? (double)iters * ELMA_ADDS_PER_ITER / t : 0;
  for (double spent = 0; spent < job->millis / 1e3;) {
    const double t0 = thread_seconds();
    add_chain(iters);
    const double dt = thread_seconds() - t0;
    spent += dt;
    const double hz = dt > 0 ? (double)iters * ELMA_ADDS_PER_ITER / dt : 0;
    if (hz > best) best = hz;
  }
  job->hz = best;
  return NULL;
}

static int by_value(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double elma_cpu_clock_hz(int32_t threads, int32_t millis) {
  if (threads < 1 || threads > 1024 || millis < 1 || millis > 60000) return -1;
  clock_job *jobs = calloc((size_t)threads, sizeof *jobs);
  pthread_t *ids = calloc((size_t)threads, sizeof *ids);
  char *started = calloc((size_t)threads, 1);
  double *hz = calloc((size_t)threads, sizeof *hz);
  double out = -1;
  if (jobs != NULL && ids != NULL && started != NULL && hz != NULL) {
    for (int i = 0; i < threads; i++) jobs[i].millis = millis;
    /* Thread 0's chain runs on the calling thread; the others on threads of their own. A thread
       that cannot be started is left out (the median of the rest). */
    for (int i = 1; i < threads; i++) started[i] = pthread_create(&ids[i], NULL, measure, &jobs[i]) == 0;
    measure(&jobs[0]);
    int n = 0;
    for (int i = 0; i < threads; i++) {
      if (i > 0 && !started[i]) continue;
      if (i > 0) pthread_join(ids[i], NULL);
      if (jobs[i].hz > 0) hz[n++] = jobs[i].hz;
    }
    if (n > 0) {
      qsort(hz, (size_t)n, sizeof *hz, by_value);
      out = hz[n / 2]; /* the median thread: one core slowed by another process does not set it */
    }
  }
  free(started);
  free(jobs);
  free(ids);
  free(hz);
  return out;
}

#else
/* No add chain for this architecture: the caller falls back to what the OS reports. */
double elma_cpu_clock_hz(int32_t threads, int32_t millis) {
  (void)threads;
  (void)millis;
  return 0;
}
#endif
