/**
 * libelma_cpu (kernels/native/include/elma_cpu.h): the CPU's instruction-set features, its measured
 * clock and the C environment, from a small library with no BLAS behind it, so that it can be read
 * before anything linked to OpenBLAS is loaded (blas-dispatch.ts). Loaded once per thread.
 */
import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { findLibrary } from './library-path.ts';

export interface CpuLibrary {
  readonly file: string;
  /** elma_cpu_features(): "sse sse2 ... avx2" (Linux /proc/cpuinfo names). */
  features(): string;
  /** elma_cpu_description(): "AuthenticAMD family 25 model 1", for reports only. */
  description(): string;
  /** elma_cpu_clock_hz(): Hz measured by a dependent-add chain on `threads` threads; 0 where unmeasurable. */
  clockHz(threads: number, millis: number): number;
  /** The C environment's getenv/setenv/unsetenv (process.env is a private copy in worker threads). */
  envGet(name: string): string | null;
  envSet(name: string, value: string, overwrite: boolean): number;
  envUnset(name: string): number;
}

let cached: CpuLibrary | string | undefined;

/** The library, or why it is not there (a string). ELMA_CPU_LIB overrides the path. */
export function loadCpuLibrary(): CpuLibrary | string {
  if (cached !== undefined) return cached;
  const file = findLibrary('elma_cpu', 'ELMA_CPU_LIB');
  if (file === null || !existsSync(file)) {
    cached = `libelma_cpu was not built${file !== null ? ` (${file}: no such file)` : ''} (npm run build:native)`;
    return cached;
  }
  try {
    const lib = koffi.load(file);
    const f = (decl: string): ((...a: unknown[]) => unknown) => lib.func(decl) as (...a: unknown[]) => unknown;
    const features = f('const char *elma_cpu_features(void)') as () => string;
    const description = f('const char *elma_cpu_description(void)') as () => string;
    const clockHz = f('double elma_cpu_clock_hz(int32_t threads, int32_t millis)') as (t: number, ms: number) => number;
    const envGet = f('const char *elma_env_get(const char *name)') as (n: string) => string | null;
    const envSet = f('int elma_env_set(const char *name, const char *value, int32_t overwrite)') as (n: string, v: string, o: number) => number;
    const envUnset = f('int elma_env_unset(const char *name)') as (n: string) => number;
    cached = {
      file, features, description, clockHz, envGet, envUnset,
      envSet: (n, v, o) => envSet(n, v, o ? 1 : 0),
    };
  } catch (e) {
    cached = `${file}: cannot be loaded: ${e instanceof Error ? e.message : String(e)}`;
  }
  return cached;
}
