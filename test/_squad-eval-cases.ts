/** The official evaluate-v2.0.py runs recorded in test/fixtures/squad-eval (see its README.md). */
import { fixture, readJson } from './_fixtures.ts';

export const evalDir = (...p: string[]): string => fixture('squad-eval', ...p);

export interface EvalCase {
  name: string;
  data: string;
  pred: string;
  na_prob: string | null;
  args: string[];
  out_file: boolean;
  stdout: string;
  exit_code: number;
  out_file_text?: string;
}

export const evalCases: EvalCase[] = readJson<EvalCase[]>(evalDir('cases.json'));
