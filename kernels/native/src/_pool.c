/*
 * Fork-join pool over pthreads. Why our own and not OpenBLAS's or OpenMP's threads: one pool for
 * everything means the GEMMs (single-threaded OpenBLAS calls on column slices, see gemm.c) and
 * the non-BLAS parts never run two thread teams at once; on a 2-core machine two spinning teams
 * (OpenBLAS's workers busy-wait after each call) cost more than they give.
 *
 * Tasks are handed out by an atomic counter (dynamic scheduling, like OpenMP's schedule(dynamic)).
 * Workers spin briefly on the job generation before sleeping on a condition variable: the ops of
 * one layer follow each other within microseconds, and a futex wake-up costs ~5-50 µs.
 */
#define _GNU_SOURCE
#include "_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_THREADS 256
#define SPIN_ITERS 20000 /* ~50-100 µs of pause instructions before a worker sleeps */

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int threads;  /* total, the caller included */
  int started;  /* workers started (threads - 1 of them are used) */
  atomic_uint gen;
  atomic_int next;
  atomic_int busy; /* workers still inside the current job */
  int n_tasks;
  elma_task_fn fn;
  void *ctx;
  unsigned start_gen[MAX_THREADS]; /* the job generation when each worker was created */
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0, 0, {0}};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void run_tasks(int worker) {
  for (;;) {
    int t = atomic_fetch_add_explicit(&P.next, 1, memory_order_relaxed);
    if (t >= P.n_tasks) break;
    P.fn(P.ctx, t, worker);
  }
}

static void *worker_main(void *arg) {
  int id = (int)(intptr_t)arg;
  /* Not atomic_load(&P.gen) here: a job posted before this thread first runs would be missed. */
  unsigned seen = P.start_gen[id];
  for (;;) {
    unsigned g;
    int spins = 0;
    while ((g = atomic_load_explicit(&P.gen, memory_order_acquire)) == seen && spins < SPIN_ITERS) {
      if ((++spins & 63) == 0) sched_yield(); /* let other runnable threads in while we wait */
      else cpu_relax();
    }
    if (g == seen) {
      pthread_mutex_lock(&P.mu);
      while ((g = atomic_load(&P.gen)) == seen) pthread_cond_wait(&P.cv, &P.mu);
      pthread_mutex_unlock(&P.mu);
    }
    seen = g;
    if (id < P.threads) run_tasks(id); /* workers beyond a lowered thread count sit out */
    atomic_fetch_sub_explicit(&P.busy, 1, memory_order_release);
  }
  return NULL;
}

int elma_pool_set_threads(int n) {
  if (n <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c > 0 ? (int)c : 1;
  }
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&P.mu);
  while (P.started < n - 1) {
    pthread_t th;
    pthread_attr_t attr;
    P.start_gen[P.started + 1] = atomic_load(&P.gen); /* stable: posting a job takes P.mu */
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, worker_main, (void *)(intptr_t)(P.started + 1));
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    P.started++;
  }
  P.threads = P.started + 1 < n ? P.started + 1 : n;
  int ok = P.threads == n;
  pthread_mutex_unlock(&P.mu);
  return ok ? 0 : -1;
}

int elma_pool_threads(void) {
  if (P.threads == 0) elma_pool_set_threads(0);
  return P.threads;
}

void elma_parallel_for(int n_tasks, elma_task_fn fn, void *ctx) {
  if (n_tasks <= 0) return;
  int threads = elma_pool_threads();
  if (threads == 1 || n_tasks == 1) {
    for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  P.fn = fn;
  P.ctx = ctx;
  P.n_tasks = n_tasks;
  atomic_store(&P.next, 0);
  /* Every started worker wakes for each job (and leaves at once if beyond P.threads). */
  atomic_store(&P.busy, P.started);
  pthread_mutex_lock(&P.mu);
  atomic_fetch_add_explicit(&P.gen, 1, memory_order_release);
  pthread_cond_broadcast(&P.cv);
  pthread_mutex_unlock(&P.mu);
  run_tasks(0);
  /* Wait for the workers. Spin first (they finish within microseconds of us when each has a
     core), then yield: on a loaded machine a worker may be off-CPU, and spinning would only keep
     it off longer. */
  for (int spins = 0; atomic_load_explicit(&P.busy, memory_order_acquire) > 0; spins++) {
    if (spins < 2000) cpu_relax();
    else sched_yield();
  }
}
