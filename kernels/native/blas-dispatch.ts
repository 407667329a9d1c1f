/**
 * CPU dispatch for OpenBLAS (issue 19; docs/backends.md, "CPU dispatch"). OpenBLAS built with
 * DYNAMIC_ARCH (Debian's, and most distributions') picks its kernel set once, in its constructor,
 * during the dlopen that first brings libopenblas into the process: from OPENBLAS_CORETYPE when
 * that is set (driver/others/dynamic.c, gotoblas_dynamic_init → getenv), else from a table of CPU
 * models that misses every CPU newer than the library and then falls back to generic kernels.
 * So before each load of a library that may link OpenBLAS (library.ts loadLibrary), this reads the
 * CPU's features from libelma_cpu (no BLAS behind it), maps them to a kernel set
 * (blas-coretype.ts) and sets OPENBLAS_CORETYPE in the C environment for the duration of the
 * load, then removes it again so child processes inherit nothing ELMA chose.
 *
 * - An OPENBLAS_CORETYPE the user set wins; ELMA never overwrites it.
 * - ELMA_BLAS_DISPATCH=0 (or off/false/no) turns the dispatch off: the BLAS chooses for itself
 *   (bench:dispatch compares both).
 * - Once OpenBLAS is in the process (another load brought it in, or the main thread did before a
 *   worker's load), nothing can change its choice; the decision made then is what counts.
 *
 * The environment is written through C (cpu-library.ts): in a worker thread (the edge program
 * runs inference in one) Node's process.env is a private copy that getenv() never sees.
 */
import { readFileSync } from 'node:fs';
import { openblasCoretypeFor, parseFeatureList, type CoretypeChoice } from './blas-coretype.ts';
import { loadCpuLibrary } from './cpu-library.ts';

export type BlasDispatchSource =
  /** ELMA set OPENBLAS_CORETYPE from the CPU's features while OpenBLAS loaded. */
  | 'elma'
  /** OPENBLAS_CORETYPE was set by the user; it was left as it was. */
  | 'user'
  /** ELMA_BLAS_DISPATCH=0: the BLAS chose its kernels itself. */
  | 'off'
  /** No kernel set's rule matches these features (or another architecture): the BLAS chose. */
  | 'no-rule'
  /** OpenBLAS was already in the process before ELMA's first load here: its choice was made. */
  | 'blas-loaded-earlier'
  /** libelma_cpu is missing or does not load: the BLAS chose. */
  | 'unavailable';

export interface BlasDispatch {
  readonly source: BlasDispatchSource;
  /** OPENBLAS_CORETYPE while OpenBLAS loaded (ELMA's or the user's); null when it was unset. */
  readonly coretype: string | null;
  /** What the features map to (whether or not it was applied). */
  readonly choice: CoretypeChoice | null;
  /** elma_cpu_features(), and elma_cpu_description() ("GenuineIntel family 6 model 207"). */
  readonly features: readonly string[];
  readonly cpu: string;
  /** Why, for `unavailable`. */
  readonly reason?: string;
}

const OFF_VALUES = new Set(['0', 'off', 'false', 'no']);

let decided: BlasDispatch | undefined;

/** The decision in force for this thread's loads (undefined before the first load). */
export function blasDispatch(): BlasDispatch | undefined {
  return decided;
}

/** One token for info lines: "elma:Haswell(avx2+fma+avx)", "user:Prescott", "off", ... */
export function describeBlasDispatch(d: BlasDispatch | undefined): string {
  if (d === undefined) return 'none';
  if (d.source === 'elma') return `elma:${d.coretype}(${d.choice?.because ?? ''})`;
  if (d.source === 'user') return `user:${d.coretype}`;
  return d.source;
}

/** Is a libopenblas mapped into this process? Linux only (/proc/self/maps); elsewhere: unknown → false. */
function openblasLoaded(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return /\/libopenblas[^/\n]*\.so/.test(readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Run `load` (a dlopen of a library that may link OpenBLAS) with OPENBLAS_CORETYPE set from the
 * CPU's features, unless the user set it, the dispatch is off, or OpenBLAS is already loaded.
 */
export function withBlasDispatch<T>(load: () => T): T {
  if (openblasLoaded()) {
    decided ??= decide(true).dispatch;
    return load();
  }
  const { dispatch, apply } = decide(false);
  decided = dispatch;
  if (apply === null) return load();
  const cpu = loadCpuLibrary();
  if (typeof cpu === 'string' || cpu.envSet('OPENBLAS_CORETYPE', apply, false) !== 0) {
    decided = { ...dispatch, source: 'unavailable', coretype: null, reason: 'setenv failed' };
    return load();
  }
  try {
    return load();
  } finally {
    // Only while OpenBLAS's constructor runs: a child process chooses for its own CPU, and a
    // user's later OPENBLAS_CORETYPE is theirs. setenv with overwrite=0 above left theirs alone.
    if (cpu.envGet('OPENBLAS_CORETYPE') === apply) cpu.envUnset('OPENBLAS_CORETYPE');
  }
}

/** The decision for this process and the value to set (null: set nothing). */
function decide(alreadyLoaded: boolean): { dispatch: BlasDispatch; apply: string | null } {
  const cpu = loadCpuLibrary();
  const env = (name: string): string | null => {
    const v = typeof cpu === 'string' ? process.env[name] : cpu.envGet(name);
    return v === undefined || v === null || v === '' ? null : v;
  };
  const user = env('OPENBLAS_CORETYPE');
  if (typeof cpu === 'string') {
    return { dispatch: { source: alreadyLoaded ? 'blas-loaded-earlier' : 'unavailable', coretype: user, choice: null, features: [], cpu: 'unknown', reason: cpu }, apply: null };
  }
  const features = parseFeatureList(cpu.features());
  const base = { choice: openblasCoretypeFor(process.arch, features), features: [...features], cpu: cpu.description() };
  if (alreadyLoaded) return { dispatch: { ...base, source: 'blas-loaded-earlier', coretype: user }, apply: null };
  if (user !== null) return { dispatch: { ...base, source: 'user', coretype: user }, apply: null };
  if (OFF_VALUES.has((env('ELMA_BLAS_DISPATCH') ?? '').toLowerCase())) return { dispatch: { ...base, source: 'off', coretype: null }, apply: null };
  if (base.choice === null) return { dispatch: { ...base, source: 'no-rule', coretype: null }, apply: null };
  return { dispatch: { ...base, source: 'elma', coretype: base.choice.coretype }, apply: base.choice.coretype };
}
