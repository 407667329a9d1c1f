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
  /** An incremental SHA-256 (in C): update() returns the hasher; digest() (64 hex digits) and digestBytes() (32 bytes) start it over; clone() copies its state. */
  export interface Sha256Hasher {
    update(bytes: ArrayBuffer | ArrayBufferView): Sha256Hasher;
    digest(): string;
    digestBytes(): ArrayBuffer;
    clone(): Sha256Hasher;
  }
  export function createSha256(): Sha256Hasher;
  /** The UTF-8 bytes of a string. */
  export function encodeUtf8(text: string): ArrayBuffer;

  // ---- the link's symmetric crypto (build/qjs/crypto-module.c; lengths checked in C) ----
  /** RFC 8439 §2.4: output = input XOR the ChaCha20 keystream from block `counter` (32-byte key, 12-byte nonce); output has input's length and may overlap it. */
  export function chacha20(key: Uint8Array, nonce: Uint8Array, counter: number, input: Uint8Array, output: Uint8Array): void;
  /** RFC 8439 §2.5: the 16-byte Poly1305 tag of a message under a 32-byte one-time key. */
  export function poly1305(key: Uint8Array, message: Uint8Array): ArrayBuffer;
  /** RFC 8439 §2.8: output (plaintext's length + 16) = ciphertext || tag; output may overlap plaintext. */
  export function chacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, output: Uint8Array): void;
  /** RFC 8439 §2.8: whether the tag is right (compared in constant time); only then is output (sealed's length − 16) the plaintext. */
  export function chacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, output: Uint8Array): boolean;
  /** An incremental BLAKE2s (RFC 7693): update() returns the hasher; digestBytes() (outLen bytes) finishes it; clone() copies its state. */
  export interface Blake2sHasher {
    update(bytes: ArrayBuffer | ArrayBufferView): Blake2sHasher;
    digestBytes(): ArrayBuffer;
    clone(): Blake2sHasher;
  }
  /** outLen 1..32 (default 32), an optional key of up to 32 bytes (RFC 7693 §2.5). */
  export function createBlake2s(outLen?: number, key?: Uint8Array): Blake2sHasher;

  // ---- the event loop (build/qjs/event-loop.c) ----
  /** Run fn once after ms (≥ 1) milliseconds; returns the timer's id. */
  export function setTimer(ms: number, fn: () => void): number;
  export function clearTimer(id: number): void;
  /** Whether the timer keeps the program alive (default true). */
  export function refTimer(id: number, ref: boolean): void;

  // ---- signals (build/qjs/signals.c) ----
  /** fn on each delivery of SIGINT, SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2 (from the event loop); null: the default action. */
  export function signal(name: string, fn: ((name: string) => void) | null): void;
  export function kill(pid: number, signal: string): void;

  // ---- random bytes, the process (random.c, process-module.c) ----
  /** n (≤ 65536) bytes from getrandom(2). */
  export function randomBytes(n: number): ArrayBuffer;
  export function pid(): number;
  export function env(): Record<string, string>;
  export function cwd(): string;
  export function isatty(fd: number): boolean;
  /** The status the program ends with when its event loop runs out (process.exitCode). */
  export function setExitCode(code: number): void;
  /** Node's names: "x64" or "arm64"; "linux". */
  export const arch: string;
  export const platform: string;

  // ---- files (fs-module.c): Node's errors (code, errno, syscall, path) ----
  export interface StatResult {
    dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number; rdev: number; size: number;
    blksize: number; blocks: number; atimeMs: number; mtimeMs: number; ctimeMs: number;
  }
  export const fs: {
    open(path: string, flags: number, mode: number): number;
    close(fd: number): void;
    fsync(fd: number): void;
    ftruncate(fd: number, length: number): void;
    /** position null: at the descriptor's offset; else pread/pwrite. */
    read(fd: number, view: ArrayBufferView, offset: number, length: number, position: number | null): number;
    write(fd: number, view: ArrayBufferView, offset: number, length: number, position: number | null): number;
    stat(path: string): StatResult;
    lstat(path: string): StatResult;
    fstat(fd: number): StatResult;
    mkdir(path: string, mode: number): void;
    rmdir(path: string): void;
    unlink(path: string): void;
    chmod(path: string, mode: number): void;
    rename(from: string, to: string): void;
    link(from: string, to: string): void;
    readdir(path: string): string[];
    access(path: string, mode: number): void;
    readonly constants: {
      readonly O_RDONLY: number; readonly O_WRONLY: number; readonly O_RDWR: number; readonly O_CREAT: number; readonly O_EXCL: number;
      readonly O_TRUNC: number; readonly O_APPEND: number; readonly O_NOFOLLOW: number; readonly O_DIRECTORY: number; readonly O_SYNC: number;
      readonly S_IFMT: number; readonly S_IFREG: number; readonly S_IFDIR: number; readonly S_IFLNK: number; readonly S_IFCHR: number;
      readonly S_IFBLK: number; readonly S_IFIFO: number; readonly S_IFSOCK: number;
      readonly F_OK: number; readonly R_OK: number; readonly W_OK: number; readonly X_OK: number;
    };
  };

  // ---- sockets and stdin (net-module.c) ----
  export interface StreamHandlers {
    connect?(): void;
    data?(bytes: ArrayBuffer): void;
    end?(): void;
    /** The stream is closed when this is called; close() follows. */
    error?(e: Error): void;
    close?(): void;
  }
  export interface Stream {
    start(handlers: StreamHandlers): void;
    /** Returns the bytes still queued. */
    write(bytes: ArrayBufferView | ArrayBuffer): number;
    end(): void;
    /** Close now; no callback follows. */
    destroy(): void;
    pause(): void;
    resume(): void;
    ref(on: boolean): void;
    setNoDelay(on: boolean): void;
    readonly queued: number;
    /** The peer's address ("127.0.0.1:7420"), the socket's path, or "stdin". */
    readonly where: string;
  }
  export interface ServerHandle {
    close(): void;
    ref(on: boolean): void;
    /** The TCP port bound (0 for a Unix socket). */
    readonly port: number;
  }
  export type Address = { host?: string; port: number } | { path: string };
  export const net: {
    connect(address: Address, handlers: StreamHandlers): Stream;
    listen(address: Address, handlers: { connection(s: Stream): void; error?(e: Error): void }): ServerHandle;
    stdin(): Stream;
  };
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
