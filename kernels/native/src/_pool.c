/*
 * Fork-join pool over pthreads. Why our own and not OpenBLAS's or OpenMP's threads: one pool for
 * everything means the GEMMs (single-threaded OpenBLAS calls on column slices, see gemm.c) and
 * the non-BLAS parts never run two thread teams at once; on a 2-core machine two spinning teams
 * (OpenBLAS's workers busy-wait after each call) cost more than they give.
 *
 * Tasks are handed out by an atomic counter (dynamic scheduling, like OpenMP's schedule(dynamic)).
 * Workers spin briefly on the job generation before sleeping on a condition variable: the ops of
 * one layer follow each other within microseconds, and a futex wake-up costs ~5-50 µs.
 *
 * The join waits for the job's tasks, not for the workers: a job is over when every task is done,
 * whoever ran it. A worker that was off its core (another process running: load above the core
 * count) and wakes after the caller did every task itself finds nothing left and costs the caller
 * nothing; the join used to wait for every worker to acknowledge every job, so one descheduled
 * worker stalled each of a layer's ~12 small steps for a scheduler slice (measured on this 2-core
 * VM under load 8: the four activation quantizations, 0.1–0.5 ms of work each, took 2–5 ms).
 * A claim is the job number and the next task index in one 64-bit word, so a late worker's claim
 * can never take a task of the next job by mistake: its compare-and-swap fails once the word holds
 * another job.
 */
#define _GNU_SOURCE
#include "_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#define MAX_THREADS 256
#define SPIN_ITERS 20000 /* ~50-100 µs of pause instructions before a worker sleeps */

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int threads;  /* total, the caller included */
  int started;  /* workers started (threads - 1 of them are used) */
  atomic_uint gen;           /* the current job's number (workers wait for it to change) */
  atomic_uint_fast64_t claim; /* (job number << 32) | next task index */
  atomic_int done;           /* tasks of the current job finished */
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

/* Run tasks of job `job` until none is left (or another job is current). A task is claimed by a
   compare-and-swap on the claim word, so only while `job` is still the current job; the job
   cannot end while a claimed task is unfinished (the caller waits for `done`), so fn, ctx and
   n_tasks read after a successful claim are this job's. */
static void run_tasks(unsigned job, int worker) {
  for (;;) {
    uint_fast64_t v = atomic_load_explicit(&P.claim, memory_order_acquire);
    if ((unsigned)(v >> 32) != job) return;
    const unsigned t = (unsigned)(v & 0xffffffffu);
    if (t >= (unsigned)__atomic_load_n(&P.n_tasks, __ATOMIC_RELAXED)) return;
    if (!atomic_compare_exchange_weak_explicit(&P.claim, &v, v + 1, memory_order_acq_rel, memory_order_acquire)) continue;
    P.fn(P.ctx, (int)t, worker);
    atomic_fetch_add_explicit(&P.done, 1, memory_order_release);
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
    if (id < P.threads) run_tasks(g, id); /* workers beyond a lowered thread count sit out */
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
  /* The previous job is over (every task done), so no worker reads these until the claim word
     below names the new job. */
  P.fn = fn;
  P.ctx = ctx;
  __atomic_store_n(&P.n_tasks, n_tasks, __ATOMIC_RELAXED);
  atomic_store_explicit(&P.done, 0, memory_order_relaxed);
  pthread_mutex_lock(&P.mu);
  const unsigned job = atomic_load_explicit(&P.gen, memory_order_relaxed) + 1;
  atomic_store_explicit(&P.claim, (uint_fast64_t)job << 32, memory_order_release);
  atomic_store_explicit(&P.gen, job, memory_order_release);
  pthread_cond_broadcast(&P.cv);
  pthread_mutex_unlock(&P.mu);
  run_tasks(job, 0);
  /* Wait for the tasks workers claimed (not for the workers: see the top). Spin first (a worker
     with a core finishes within microseconds of us), then yield: on a loaded machine the worker
     holding the last task may be off-CPU, and spinning would only keep it off longer. */
  for (int spins = 0; atomic_load_explicit(&P.done, memory_order_acquire) < n_tasks; spins++) {
    if (spins < 2000) cpu_relax();
    else sched_yield();
  }
}
