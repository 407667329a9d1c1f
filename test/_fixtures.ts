/** Paths to the committed reference material (copied from ../shared; see test/fixtures/README.md). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseSafetensors, toFloat32, type SafetensorsFile } from '../models/safetensors.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const HF = path.join(FIXTURES, 'hf-albert');
export const SQUAD_NORMANS = path.join(FIXTURES, 'squad', 'squad_v2_dev_normans.json');

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

export function loadSafetensorsFile(file: string): SafetensorsFile {
  return parseSafetensors(new Uint8Array(readFileSync(file)), path.basename(file));
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** A float tensor of a fixture file as Float32Array, or a test failure naming it. */
export function f32(file: SafetensorsFile, name: string): Float32Array {
  const t = file.tensors.get(name);
  if (t === undefined) throw new Error(`fixture has no tensor ${name}`);
  return toFloat32(t, name);
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
