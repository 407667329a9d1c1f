/**
 * The machine's theoretical fp32 peak, the figure benchmarks state efficiency against (issue 19):
 *
 *   peak = cores × clock × FLOPs per cycle per core
 *
 * - cores: physical cores the run may use (min(threads, physical cores); SMT siblings share one
 *   core's vector units), from /sys/devices/system/cpu/cpu*\/topology;
 * - clock: measured (libelma_cpu's elma_cpu_clock_hz: a chain of dependent adds on that many
 *   threads at once; /proc/cpuinfo's MHz is printed beside it as a cross-check only, since under a
 *   hypervisor it is often the nominal TSC rate);
 * - FLOPs per cycle: from the instruction set (CPUID / HWCAP), fp32FlopsPerCycle below.
 *
 * Not a BLAS's own sgemm: a BLAS running generic kernels reaches a fraction of the machine and its
 * "peak" falls with it, so a layer on the same slow kernels looked efficient (issue 19: "88% of
 * peak" on Prescott kernels).
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { parseFeatureList } from '../kernels/native/blas-coretype.ts';
import { loadCpuLibrary } from '../kernels/native/cpu-library.ts';

export interface IsaThroughput {
  /** fp32 FLOPs one core can retire per cycle. */
  readonly flopsPerCycle: number;
  /** The instruction set it assumes ("avx512f", "avx2+fma", ...). */
  readonly isa: string;
  /** What the figure assumes about the core, where the ISA does not say. */
  readonly assumes: string;
}

/**
 * fp32 FLOPs per cycle per core from the instruction set: vector lanes × FMA pipes × 2 (an FMA is
 * a multiply and an add). The ISA fixes the lanes; the pipe count is the common one for cores with
 * that ISA, which the ISA cannot tell: stated in `assumes`.
 */
export function fp32FlopsPerCycle(arch: string, features: ReadonlySet<string>): IsaThroughput {
  if (arch === 'x64' || arch === 'ia32') {
    if (features.has('avx512f')) {
      return { flopsPerCycle: 64, isa: 'avx512f', assumes: '2 512-bit FMA pipes (16 lanes × 2 × 2); Xeons with one 512-bit FMA unit and cores that split AVX-512 into 256-bit halves (AMD Zen 4) reach 32' };
    }
    if (features.has('avx2') && features.has('fma')) {
      return { flopsPerCycle: 32, isa: 'avx2+fma', assumes: '2 256-bit FMA pipes (8 lanes × 2 × 2); AMD Zen 1 has 128-bit pipes (16)' };
    }
    if (features.has('avx')) return { flopsPerCycle: 16, isa: 'avx', assumes: 'one 256-bit add and one 256-bit multiply per cycle (8 lanes × 2)' };
    return { flopsPerCycle: 8, isa: 'sse2', assumes: 'one 128-bit add and one 128-bit multiply per cycle (4 lanes × 2)' };
  }
  if (arch === 'arm64') {
    return { flopsPerCycle: 16, isa: 'asimd', assumes: '2 128-bit NEON FMA pipes (4 lanes × 2 × 2), as Cortex-A57/A72/A76/A78 and Neoverse N1; in-order A53/A55 reach about half, Neoverse V1/V2 (4 pipes) twice' };
  }
  return { flopsPerCycle: 2, isa: 'scalar', assumes: 'one scalar FMA per cycle (an architecture without a rule here)' };
}

/** Physical cores: distinct (package, core) pairs of the online CPUs; os.cpus().length where /sys does not say. */
export function physicalCoreCount(): number {
  const logical = os.cpus().length;
  try {
    const dir = '/sys/devices/system/cpu';
    const cores = new Set<string>();
    for (const name of readdirSync(dir)) {
      if (!/^cpu\d+$/.test(name)) continue;
      try {
        const t = `${dir}/${name}/topology`;
        cores.add(`${readFileSync(`${t}/physical_package_id`, 'utf8').trim()}:${readFileSync(`${t}/core_id`, 'utf8').trim()}`);
      } catch { /* an offline CPU has no topology */ }
    }
    return cores.size > 0 ? Math.min(cores.size, logical) : logical;
  } catch {
    return logical;
  }
}

/** What the OS reports for the clock, in MHz: x86 /proc/cpuinfo "cpu MHz", else cpufreq's maximum. null when neither exists. */
export function reportedClockMHz(): number | null {
  try {
    const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m !== null) return Number(m[1]);
  } catch { /* not Linux */ }
  try {
    return Number(readFileSync('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq', 'utf8').trim()) / 1000;
  } catch {
    return null;
  }
}

export interface MachinePeak extends IsaThroughput {
  /** cores × clockGHz × flopsPerCycle, in GFLOP/s. */
  readonly gflops: number;
  readonly cores: number;
  readonly physicalCores: number;
  readonly clockGHz: number;
  /** 'measured' (dependent-add chain) or 'reported' (/proc/cpuinfo, where the chain cannot run). */
  readonly clockSource: 'measured' | 'reported';
  readonly reportedMHz: number | null;
  readonly cpu: string;
  readonly features: readonly string[];
}

/** The peak for a run on `threads` threads; measures the clock (about `millis` ms on every core used). */
export function machinePeak(threads: number, millis = 300): MachinePeak {
  const lib = loadCpuLibrary();
  if (typeof lib === 'string') throw new Error(`machine peak: ${lib}`);
  const features = parseFeatureList(lib.features());
  const physicalCores = physicalCoreCount();
  const cores = Math.max(1, Math.min(threads, physicalCores));
  const reportedMHz = reportedClockMHz();
  const hz = lib.clockHz(cores, millis);
  let clockGHz: number, clockSource: MachinePeak['clockSource'];
  if (hz > 0) { clockGHz = hz / 1e9; clockSource = 'measured'; }
  else if (reportedMHz !== null) { clockGHz = reportedMHz / 1000; clockSource = 'reported'; }
  else throw new Error('machine peak: the clock can be neither measured on this architecture nor read from /proc/cpuinfo');
  const isa = fp32FlopsPerCycle(process.arch, features);
  return { ...isa, gflops: cores * clockGHz * isa.flopsPerCycle, cores, physicalCores, clockGHz, clockSource, reportedMHz, cpu: lib.description(), features: [...features] };
}

/** One line: "201.8 GFLOP/s = 2 cores × 3.15 GHz (measured; /proc/cpuinfo 2445 MHz) × 32 FLOP/cycle (avx2+fma)". */
export function describePeak(p: MachinePeak): string {
  const reported = p.reportedMHz !== null ? `; OS reports ${p.reportedMHz.toFixed(0)} MHz` : '';
  return `${p.gflops.toFixed(1)} GFLOP/s = ${p.cores} core${p.cores === 1 ? '' : 's'} × ${p.clockGHz.toFixed(2)} GHz (${p.clockSource}${reported}) × ${p.flopsPerCycle} FLOP/cycle (${p.isa}: ${p.assumes})`;
}
