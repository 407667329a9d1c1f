import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ElmaError } from '../../engine/errors.ts';
import { SquadFormatError } from '../../engine/squad/dataset.ts';
import { MissingPredictionsError, SquadEvalError } from '../../engine/squad/metric.ts';
import { UsageError, type CliIO } from '../../cli/command.ts';
import { evalSquadCommand, orderedMembers, pyFloatRepr } from '../../cli/commands/eval-squad.ts';
import { evalDir, evalCases, type EvalCase } from '../_squad-eval-cases.ts';

const dir = evalDir;
const tmp = mkdtempSync(path.join(tmpdir(), 'elma-eval-squad-'));

type Case = EvalCase;
const cases = evalCases;

function fakeIO(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s), stdin: async function* () {} },
    out,
    err,
  };
}

/** Parse argv the way the CLI does (strict parseArgs over the command's options), then run. */
async function runCli(argv: string[]): Promise<{ code: number; stdout: string }> {
  const parsed = parseArgs({ args: argv, options: evalSquadCommand.options, allowPositionals: true, strict: true });
  const { io, out } = fakeIO();
  try {
    const code = await evalSquadCommand.run(parsed, io);
    return { code, stdout: out.join('') };
  } catch (e) {
    (e as { stdout?: string }).stdout = out.join('');
    throw e;
  }
}

/** The case's script arguments as argv; values starting with '-' attached (`--x=-1`, `-t-1`) as parseArgs wants. */
function argvOf(c: Case, outFile?: string): string[] {
  const argv = [dir(c.data), dir(c.pred)];
  if (c.na_prob !== null) argv.push('-n', dir(c.na_prob));
  for (let i = 0; i < c.args.length; i += 2) {
    const [flag, value] = [c.args[i] as string, c.args[i + 1] as string];
    argv.push(...(flag.startsWith('--') ? [`${flag}=${value}`] : [`${flag}${value}`]));
  }
  if (outFile !== undefined) argv.push('--out-file', outFile);
  return argv;
}

for (const c of cases.filter((x) => x.exit_code === 0)) {
  test(`output byte for byte as evaluate-v2.0.py: ${c.name}`, async (t) => {
    if (c.out_file) {
      const file = path.join(tmp, `${c.name}.json`);
      const r = await runCli(argvOf(c, file));
      t.is(r.code, 0);
      t.is(r.stdout, '');
      t.is(readFileSync(file, 'utf8'), c.out_file_text as string);
    } else {
      const r = await runCli(argvOf(c));
      t.is(r.code, 0);
      t.is(r.stdout, c.stdout);
    }
  });
}

test('missing predictions: the same lines as the script, then an error naming the file', async (t) => {
  const c = cases.find((x) => x.name === 'tricky_missing')!;
  const err = await t.throwsAsync(runCli(argvOf(c)), { instanceOf: MissingPredictionsError });
  t.is((err as unknown as { stdout: string }).stdout, c.stdout);
  t.regex(err!.message, /tricky_missing\.json: no prediction for 2 question\(s\): art2, na2/);
});

test('short forms -n -t -o', async (t) => {
  const c = cases.find((x) => x.name === 'tricky_na_t0.5')!;
  const file = path.join(tmp, 'short.json');
  await runCli([dir(c.data), dir(c.pred), '-n', dir(c.na_prob!), '-t', '0.5', '-o', file]);
  t.deepEqual(JSON.parse(readFileSync(file, 'utf8')), JSON.parse(c.stdout));
});

function writeTmp(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

test('bad files are ElmaErrors naming the file (and the key)', async (t) => {
  const data = dir('data/noans_only.json');
  const preds = dir('preds/tricky.json');
  await t.throwsAsync(runCli([path.join(tmp, 'nope.json'), preds]), { instanceOf: SquadEvalError, message: /nope\.json: no such file/ });
  await t.throwsAsync(runCli([writeTmp('notjson.json', '{"a": '), preds]), { instanceOf: SquadEvalError, message: /notjson\.json: is not valid JSON/ });
  await t.throwsAsync(runCli([writeTmp('nodata.json', '{"version": "v2.0"}'), preds]), { instanceOf: SquadFormatError, message: /nodata\.json: data: is missing/ });
  await t.throwsAsync(runCli([data, writeTmp('list.json', '["x"]')]), { instanceOf: SquadEvalError, message: /list\.json: is not a JSON object/ });
  await t.throwsAsync(runCli([data, writeTmp('num.json', '{"na1": "", "na2": 3}')]), { instanceOf: SquadEvalError, message: /num\.json: "na2": is 3, not a string/ });
  const na = writeTmp('na_str.json', '{"na1": "0.5"}');
  await t.throwsAsync(runCli([data, preds, '-n', na]), { instanceOf: SquadEvalError, message: /na_str\.json: "na1": is "0\.5", not a number/ });
  const short = writeTmp('na_short.json', '{"na1": 0.5}');
  await t.throwsAsync(runCli([data, preds, '-n', short]), { instanceOf: SquadEvalError, message: /na_short\.json: has no probability for question "na2"/ });
  await t.throwsAsync(runCli([data, preds, '-t', 'half']), { instanceOf: UsageError, message: /--na-prob-thresh: invalid float value: "half"/ });
  const err = await t.throwsAsync(runCli([data, preds, '-o', path.join(tmp, 'no', 'such', 'dir.json')]));
  t.true(err instanceof ElmaError);
});

test('Python float() thresholds', async (t) => {
  const c = cases.find((x) => x.name === 'tricky_na_t2')!;
  const r = await runCli([dir(c.data), dir(c.pred), '-n', dir(c.na_prob!), '-t', ' +2e0 ']);
  t.is(r.stdout, c.stdout);
  const inf = await runCli([dir(c.data), dir(c.pred), '-n', dir(c.na_prob!), '-t', 'Infinity']);
  t.is(inf.stdout, c.stdout); // nothing exceeds infinity, as nothing exceeds 2
});

test('pyFloatRepr equals CPython 3.11 repr()', (t) => {
  // [value, repr(value)] printed by CPython 3.11.
  const table: [number, string][] = [[0.0, '0.0'], [-0.0, '-0.0'], [1.0, '1.0'], [100.0, '100.0'], [1e16, '1e+16'],
    [1e15, '1000000000000000.0'], [1.2345678901234568e17, '1.2345678901234568e+17'], [0.0001, '0.0001'],
    [0.00001, '1e-05'], [1.5e-5, '1.5e-05'], [1e-7, '1e-07'], [66.66666666666667, '66.66666666666667'],
    [0.30000000000000004, '0.30000000000000004'], [0.3333333333333333, '0.3333333333333333'], [2.5e-300, '2.5e-300'],
    [1.7976931348623157e308, '1.7976931348623157e+308'], [5e-324, '5e-324'], [-12.5, '-12.5'], [1e22, '1e+22'],
    [9999999999999998.0, '9999999999999998.0'], [0.000123, '0.000123']];
  for (const [x, want] of table) t.is(pyFloatRepr(x), want);
});

test('orderedMembers keeps file order for integer-like keys, first position, last value', (t) => {
  const m = orderedMembers('{ "x": 1, "10": [1, {"a": "}"}], "2": "s\\"", "x": 2.5e0 }');
  t.deepEqual([...m], [['x', '2.5e0'], ['10', '[1, {"a": "}"}]'], ['2', '"s\\""']]);
  t.deepEqual(Object.keys(JSON.parse('{"x": 1, "10": 1, "2": 1}')), ['2', '10', 'x']); // why it is needed
});
