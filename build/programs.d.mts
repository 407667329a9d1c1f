// Types of build/programs.mjs for the TypeScript that imports it (build/image/, test/build/).
import type { BuildOptions } from 'esbuild';

export interface Program {
  readonly name: string;
  readonly entry: string;
  readonly out: string;
  readonly minify: boolean;
  readonly external: string[];
}

export const PROGRAMS: Readonly<Record<'elma' | 'elma-edge' | 'elma-cloud', Program>>;
export function esbuildOptions(p: Program, overrides?: BuildOptions): BuildOptions;
