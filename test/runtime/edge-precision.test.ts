/**
 * `elma edge` with a precision (issue 19): edge.json "precision" (fp32 | int8, default fp32) and
 * `--precision`, which overrides it. int8 runs the native layer's matrices as int8 GEMMs: an fp32
 * slot is quantised at load, an int8 slot runs its own signed bytes. int8 on a backend other than
 * native (or auto, which picks native) is refused at start with one line naming the field or option.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { parseEdgeConfig } from '../../runtime/edge/config.ts';
import { createNativeBackend } from '../../kernels/native/index.ts';
import { loadNativeForTests } from '../_native.ts';
import { testUnless } from '../_skip.ts';
import { Proc } from '../transport/_procs.ts';
import { ANSWER, CONTEXT, QUESTION, device, edge, edgeKit } from './_edge-fixture.ts';

const kit = edgeKit();
const native = loadNativeForTests('elma_native', 'elma edge --precision int8', () => createNativeBackend());
const maybe = testUnless(native === undefined ? 'libelma_native is not available (see the line above)' : native.int8 === undefined ? 'libelma_native has no int8 kernels' : null);
const int8Path = native?.int8?.path() ?? '';

const oneLine = (s: string): string[] => s.trim().split('\n');

test('edge.json precision: fp32 by default; a bad value, or int8 on js or onnx, is refused at start with one line', async (t) => {
  const k = await kit;
  const base = JSON.parse(readFileSync(path.join(k.template, 'edge.json'), 'utf8')) as Record<string, unknown>;
  t.is(base.precision, 'fp32', 'edge init writes the field');
  const { precision: _p, ...without } = base;
  t.is(parseEdgeConfig(without, path.join(k.template, 'edge.json')).precision, 'fp32');
  t.is(parseEdgeConfig({ ...base, precision: 'int8' }, path.join(k.template, 'edge.json')).precision, 'int8');
  t.is(parseEdgeConfig({ ...base, precision: 'int8', backend: 'native' }, path.join(k.template, 'edge.json')).precision, 'int8');
  t.is(parseEdgeConfig({ ...base, precision: 'bf16' }, path.join(k.template, 'edge.json')).precision, 'bf16');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ precision: 'fp16' }, /^elma edge: .*edge\.json: precision: must be one of "fp32", "int8", "bf16", got "fp16"$/],
    [{ precision: 8 }, /^elma edge: .*edge\.json: precision: must be one of "fp32", "int8", "bf16", got 8$/],
    [{ precision: 'int8', backend: 'onnx' }, /^elma edge: .*edge\.json: precision: int8 runs on the native backend only, not "onnx"; set "backend" to "native" or "auto", or "precision" to "fp32"$/],
    [{ precision: 'int8', backend: 'js' }, /^elma edge: .*edge\.json: precision: int8 runs on the native backend only, not "js"/],
    [{ precision: 'bf16', backend: 'onnx' }, /^elma edge: .*edge\.json: precision: bf16 runs on the native backend only, not "onnx"; set "backend" to "native" or "auto", or "precision" to "fp32"$/],
  ];
  for (const [fields, re] of cases) {
    const r = await elma(['edge', '--config', device(k, fields)]);
    t.not(r.code, 0, JSON.stringify(fields));
    t.is(oneLine(r.stderr).length, 1, r.stderr);
    t.regex(r.stderr.trim(), re, JSON.stringify(fields));
  }
});

test('--precision overrides edge.json and is checked the same way, naming the option', async (t) => {
  const k = await kit;
  const bad = await elma(['edge', '--config', device(k), '--precision', 'fp16']);
  t.not(bad.code, 0);
  t.is(oneLine(bad.stderr).length, 1, bad.stderr);
  t.regex(bad.stderr.trim(), /^elma edge: --precision: must be one of "fp32", "int8", "bf16", got "fp16"$/);
  const onnx = await elma(['edge', '--config', device(k, { backend: 'onnx' }), '--precision', 'int8']);
  t.not(onnx.code, 0);
  t.is(oneLine(onnx.stderr).length, 1, onnx.stderr);
  t.regex(onnx.stderr.trim(), /^elma edge: --precision: int8 runs on the native backend only, not "onnx"; .* \(in .*edge\.json\)$/);
});

async function statusAndAnswer(t: ExecutionContext, config: string, extra: string[]): Promise<string> {
  const p = edge(t, config, extra, `status\ncontext ${CONTEXT}\nask ${QUESTION}\nquit\n`);
  t.is(await p.exited, 0, p.err.join('\n'));
  const out = p.out.join('\n');
  t.regex(out, new RegExp(`^answer: "${ANSWER}"  score .*\\[device\\]$`, 'm'));
  return `${out}\n${p.err.join('\n')}`;
}

maybe('precision int8 on an fp32 slot: the console\'s status and the start log say int8 on the path, quantised at load; it answers', async (t) => {
  const k = await kit;
  const fromFile = await statusAndAnswer(t, device(k, { precision: 'int8', backend: 'native' }), []);
  t.regex(fromFile, new RegExp(`^model elma-default version 1 \\(slot A, backend native, precision int8 on ${int8Path}, quantised at load\\), depth limit`, 'm'));
  t.regex(fromFile, /precision=?"?int8 on/);
  const fromFlag = await statusAndAnswer(t, device(k), ['--precision', 'int8']);
  t.regex(fromFlag, /\(slot A, backend native, precision int8 on \S+, quantised at load\)/);
  const fp32 = await statusAndAnswer(t, device(k, { precision: 'int8' }), ['--precision', 'fp32']);
  t.regex(fp32, /^model elma-default version 1 \(slot A, backend \w+\), depth limit/m, 'fp32 prints as before');
});

maybe('precision int8 on an int8 slot: the device runs the bundle\'s own int8 weights', async (t) => {
  const k = await kit;
  const dir = scratch('elma-edge-int8-');
  const int8 = path.join(dir, 'int8');
  const pack = await elma(['bundle', 'pack', k.bundle, '--weights', 'int8', '--into', int8, '--key', k.signKey, '--version', '1']);
  t.is(pack.code, 0, pack.stderr);
  const init = await elma(['edge', 'init', '--dir', path.join(dir, 'dev'), '--cloud', '127.0.0.1:1', '--server-key', 'ab'.repeat(32),
    '--release-key', k.releasePub, '--bundle', int8]);
  t.is(init.code, 0, init.stderr);
  const out = await statusAndAnswer(t, path.join(dir, 'dev', 'edge.json'), ['--precision', 'int8']);
  t.regex(out, new RegExp(`\\(slot A, backend native, precision int8 on ${int8Path}, the bundle's int8 weights\\)`));
});

/** Whether this CPU runs precision bf16 (AVX-512 BF16), or why not (the native backend's refusal). */
function bf16Refusal(): string | null {
  try {
    createNativeBackend({ precision: 'bf16' });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
const bf16Why = native === undefined || native.bf16 === undefined ? null : bf16Refusal();

const maybeBf16 = testUnless(native === undefined ? 'libelma_native is not available (see the line above)' : native.bf16 === undefined ? 'libelma_native has no bf16 kernels' : null);

maybeBf16('precision bf16: where the CPU has it, status and the start log say bf16 on the path and it answers; where it has not (or the path is unknown), one line at start', async (t) => {
  const k = await kit;
  if (bf16Why === null) {
    const out = await statusAndAnswer(t, device(k, { precision: 'bf16', backend: 'native' }), []);
    t.regex(out, new RegExp(`^model elma-default version 1 \\(slot A, backend native, precision bf16 on ${native!.bf16!.path()}, rounded at load\\), depth limit`, 'm'));
    t.regex(out, /precision=?"?bf16 on/);
  } else {
    t.log(`this CPU: ${bf16Why}`);
    const p = new Proc(['edge', '--config', device(k), '--precision', 'bf16'], '');
    t.teardown(() => p.kill());
    t.not(await p.exited, 0);
    t.is(p.err.filter((l) => l.startsWith('elma edge:')).length, 1, p.err.join('\n'));
    t.true(p.err.some((l) => l.includes('precision bf16: this CPU has no bf16 instructions')), p.err.join('\n'));
  }
  // An unknown ELMA_BF16_PATH (the variable precision bf16 reads) is one line at start, on any CPU.
  const bad = new Proc(['edge', '--config', device(k), '--precision', 'bf16'], '', { ELMA_BF16_PATH: 'mmx' });
  t.teardown(() => bad.kill());
  t.not(await bad.exited, 0);
  const lines = bad.err.filter((l) => l.startsWith('elma edge:'));
  t.is(lines.length, 1, bad.err.join('\n'));
  t.regex(lines[0]!, /unknown bf16 path "mmx"/);
});
