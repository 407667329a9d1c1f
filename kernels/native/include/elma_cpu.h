/*
 * elma_cpu.h: what the CPU can execute, its measured clock, and the process environment as C sees
 * it. In libelma_native (elma.h includes this header) and in libelma_cpu, a small library with no
 * BLAS behind it, which the TypeScript loader reads before any library linked to OpenBLAS is
 * loaded, to choose OpenBLAS's kernels from these features (docs/backends.md, "CPU dispatch").
 */
#ifndef ELMA_CPU_H
#define ELMA_CPU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ELMA_API
#if defined(_WIN32)
#define ELMA_API __declspec(dllexport)
#else
#define ELMA_API __attribute__((visibility("default")))
#endif
#endif

/* The instruction-set features this CPU has and the OS has enabled, space-separated, in Linux's
   /proc/cpuinfo spelling: x86-64 from CPUID leaves 1 and 7 (subleaves 0 and 1) with XGETBV for
   the OS-enabled AVX / AVX-512 / AMX state ("sse2 ... avx fma avx2 avx512f ... avx512_bf16");
   arm64 Linux from AT_HWCAP / AT_HWCAP2 ("fp asimd ... asimddp sve i8mm bf16"). Static storage. */
ELMA_API const char *elma_cpu_features(void);
/* "GenuineIntel family 6 model 207" (x86) or "arm64": for reports only, never for choosing. */
ELMA_API const char *elma_cpu_description(void);
/* The core clock in Hz, measured by a chain of dependent integer adds running on `threads`
   threads at once for about `millis` ms each (the median thread's best trial). 0 where this
   architecture has no such chain; -1 for bad arguments (threads 1..1024, millis 1..60000). */
ELMA_API double elma_cpu_clock_hz(int32_t threads, int32_t millis);
/* getenv / setenv / unsetenv of the C environment (Node's process.env is a copy in worker
   threads). Set and unset return 0, or -1 for a NULL or empty name, a NULL value, or a failure. */
ELMA_API const char *elma_env_get(const char *name);
ELMA_API int elma_env_set(const char *name, const char *value, int32_t overwrite);
ELMA_API int elma_env_unset(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* ELMA_CPU_H */
