/* A tiny fork-join thread pool: the library's one source of parallelism (docs/backends.md, threading). */
#ifndef ELMA_POOL_H
#define ELMA_POOL_H

/* fn(ctx, task, worker): worker is 0..threads-1, unique among the tasks running at the same time. */
typedef void (*elma_task_fn)(void *ctx, int task, int worker);

/* Run fn for every task in 0..n_tasks-1 on the pool (the calling thread takes part) and wait.
   Exported (default visibility) for libelma_train, which runs its tasks on this same pool: two
   pools in one process would spin against each other on a 2-core machine. */
__attribute__((visibility("default"))) void elma_parallel_for(int n_tasks, elma_task_fn fn, void *ctx);
/* 1..256; 0 = one per online CPU. Returns 0 or -1 if a thread could not be started. */
int elma_pool_set_threads(int n);
__attribute__((visibility("default"))) int elma_pool_threads(void);

#endif
