/**
 * The two native modules elma-qjs gives a script (build/qjs/host-module.c, kernels-module.c):
 * their TypeScript types, for the code that runs on the native QuickJS host (qjs-cli.ts). esbuild
 * leaves these imports to the host (`external: ['elma:*']`, qjs-core-bundle.ts).
 */
declare module 'elma:host' {
  /** The command-line arguments after the script's path. */
  export const args: readonly string[];
  /** The whole file; throws an Error "<path>: <strerror>" with `code` ("ENOENT", "EISDIR", ...). */
  export function readFile(path: string): ArrayBuffer;
  /** The names in a directory (no "." or ".."); throws as readFile. */
  export function readDir(path: string): string[];
  /** Written and flushed at once. */
  export function writeStdout(text: string): void;
  export function writeStderr(text: string): void;
  /** Milliseconds on CLOCK_MONOTONIC, as performance.now(). */
  export function now(): number;
  /** SHA-256 as 64 lowercase hex digits (FIPS 180-4, in C). */
  export function sha256(bytes: ArrayBuffer | Uint8Array): string;
  /** The text of strict UTF-8 bytes, or null when they are not (engine/utf8.ts utf8Decode's rule, in C). */
  export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string | null;
  /** Flush stdout and stderr and end the process with this status. */
  export function exit(code: number): never;
}

/** Typed by the QjsKernels interface of qjs-kernels-backend.ts, which qjs-cli.ts passes this module as. */
declare module 'elma:kernels' {
  export function abiVersion(): number;
  export function info(): string;
  export function setThreads(n: number): void;
  export function getThreads(): number;
  export function linear(x: Float32Array, rows: number, inF: number, w: Float32Array, bias: Float32Array | null, outF: number, act: number, out: Float32Array): void;
  export function layerNorm(x: Float32Array, residual: Float32Array | null, rows: number, cols: number, gamma: Float32Array, beta: Float32Array, eps: number, out: Float32Array): void;
  export function activation(act: number, x: Float32Array): void;
  export function softmax(x: Float32Array, rows: number, cols: number): void;
  export function add(a: Float32Array, b: Float32Array): void;
  export function attention(q: Float32Array, k: Float32Array, v: Float32Array, keyMask: Int32Array, batch: number, seq: number, heads: number, headDim: number, out: Float32Array): void;
  export function layerCreate(arrays: readonly Float32Array[], hidden: number, heads: number, intermediate: number, act: number, eps: number): object;
  export function layerRun(handle: object, x: Float32Array, keyMask: Int32Array, batch: number, seq: number): void;
  export function layerDestroy(handle: object): void;
}
