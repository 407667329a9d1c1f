/**
 * The machine's theoretical fp32 peak (bench/_peak.ts): FLOPs per cycle from the instruction set
 * on feature sets of CPUs this machine is not, and the measured parts (clock, cores) on this one.
 * No timing thresholds: the clock is checked for being measured and for agreeing with itself.
 */
import test from 'ava';
import os from 'node:os';
import { describePeak, fp32FlopsPerCycle, machinePeak, physicalCoreCount } from '../../bench/_peak.ts';
import { parseFeatureList } from '../../kernels/native/blas-coretype.ts';
import { loadCpuLibrary } from '../../kernels/native/cpu-library.ts';
import { testUnless } from '../_skip.ts';

const f = parseFeatureList;

test('FLOPs per cycle from the ISA: AVX-512 64, AVX2+FMA 32, AVX 16, SSE2 8, NEON 16', (t) => {
  t.is(fp32FlopsPerCycle('x64', f('sse2 avx fma avx2 avx512f avx512bw avx512vl avx512_vnni avx512_bf16')).flopsPerCycle, 64);
  t.is(fp32FlopsPerCycle('x64', f('sse2 avx fma avx2')).flopsPerCycle, 32);
  t.is(fp32FlopsPerCycle('x64', f('sse2 avx avx2')).flopsPerCycle, 16, 'AVX2 without FMA: add and multiply apart');
  t.is(fp32FlopsPerCycle('x64', f('sse2 avx')).flopsPerCycle, 16);
  t.is(fp32FlopsPerCycle('x64', f('sse sse2')).flopsPerCycle, 8);
  t.is(fp32FlopsPerCycle('arm64', f('fp asimd asimddp')).flopsPerCycle, 16);
  t.is(fp32FlopsPerCycle('riscv64', f('')).flopsPerCycle, 2);
  t.regex(fp32FlopsPerCycle('x64', f('avx512f')).assumes, /2 512-bit FMA pipes/);
});

const lib = loadCpuLibrary();
const withCpu = testUnless(typeof lib === 'string' ? lib : null);

withCpu('elma_cpu_clock_hz refuses bad arguments (-1) and measures a clock on this machine', (t) => {
  if (typeof lib === 'string') return t.fail(lib);
  t.is(lib.clockHz(0, 10), -1);
  t.is(lib.clockHz(1, 0), -1);
  t.is(lib.clockHz(2000, 10), -1);
  const hz = lib.clockHz(1, 20);
  if (process.arch === 'x64' || process.arch === 'arm64') t.true(hz > 0, `measured ${hz} Hz`);
  else t.is(hz, 0, 'no add chain for this architecture');
});

withCpu('the peak is cores × clock × FLOPs per cycle, on physical cores only', (t) => {
  const physical = physicalCoreCount();
  t.true(physical >= 1 && physical <= os.cpus().length);
  const p = machinePeak(os.cpus().length, 20);
  t.is(p.cores, physical);
  t.is(machinePeak(1, 20).cores, 1);
  t.is(p.gflops, p.cores * p.clockGHz * p.flopsPerCycle);
  t.is(p.flopsPerCycle, fp32FlopsPerCycle(process.arch, new Set(p.features)).flopsPerCycle);
  t.regex(describePeak(p), /^[\d.]+ GFLOP\/s = \d+ cores? × [\d.]+ GHz \((measured|reported)/);
});
