/**
 * The globals Node gives a program, for the device program on elma-qjs: esbuild's `inject`
 * (qjs-edge-bundle.ts) replaces each free use of these names in the bundled code with these
 * exports, so nothing is added to globalThis (a library that looks for globalThis.Buffer, as
 * cbor-x does, keeps its portable path).
 */
import * as host from 'elma:host';

export { Buffer } from './buffer.ts';
export { TextDecoder, TextEncoder } from './text-codec.ts';
export { process } from './process.ts';
export { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, queueMicrotask } from './timers.ts';

/** performance.now(): CLOCK_MONOTONIC in ms, as Node's (only the origin differs). */
export const performance = { now: host.now, timeOrigin: Date.now() - host.now() };
