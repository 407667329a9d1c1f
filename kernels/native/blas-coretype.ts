/**
 * Which of OpenBLAS's kernel sets a CPU can run, from its instruction-set features alone (CPUID /
 * HWCAP, kernels/native/src/cpu_features.c), never from its model number: the answer for
 * OPENBLAS_CORETYPE (docs/backends.md, "CPU dispatch"). OpenBLAS's own detection (DYNAMIC_ARCH,
 * driver/others/dynamic.c) switches on vendor, family and model; 0.3.21 does not know Intel family
 * 6 model 207 and falls through to "Prescott", its SSE3 kernels, 3–4× slower on an AVX-512 Xeon
 * (issue 19). A pure function, so every rule is tested on feature sets of CPUs we do not have.
 *
 * Each rule asks for what the kernel set was compiled for (OpenBLAS Makefile.x86_64 and
 * Makefile.arm64, TARGET_CORE flags), so a chosen set can never hit an illegal instruction:
 *   SkylakeX     -march=skylake-avx512: AVX-512 F, CD, BW, DQ, VL (+ AVX2, FMA). Also for
 *                Cooper Lake and later (avx512_bf16): 0.3.21's force_coretype() cannot select
 *                "Cooperlake" (its loop stops one name short), and that set's sgemm is SkylakeX's.
 *   Haswell      -mavx2, FMA3 kernels: AVX2 and FMA. Also AMD Zen: OpenBLAS's "Zen" set runs the
 *                same sgemm kernel (sgemm_kernel_8x4_haswell_2.c) with other block sizes.
 *   Sandybridge  -mavx: AVX.
 *   Nehalem      -msse3 -mssse3 -msse4.1: SSE3, SSSE3, SSE4.1 (we also ask SSE4.2 and POPCNT).
 *   Prescott     SSE3.
 *   neoversen1   -march=armv8.2-a: an ARMv8.2 core; dot product, LSE atomics and RDM together say
 *                so (every core with dot product is 8.2 or later, which makes the other two
 *                mandatory). Same 16×4 NEON sgemm as cortexa57 in 0.3.21, newer level-1/2 kernels.
 *   cortexa57    -march=armv8-a: any AArch64 core with Advanced SIMD. OpenBLAS's generic "armv8"
 *                has the same sgemm; its cortexa53/55 sets (8×8 sgemm for in-order cores) are
 *                chosen by part number only, which is what this function does not do.
 * Anything else (32-bit x86, an x86-64 without SSE3, other architectures): null, and the BLAS
 * is left to choose for itself.
 */

/** One rule: the kernel set and every feature it needs. */
interface Rule {
  readonly coretype: string;
  readonly needs: readonly string[];
}

const X64_RULES: readonly Rule[] = [
  { coretype: 'SkylakeX', needs: ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl', 'avx2', 'fma'] },
  { coretype: 'Haswell', needs: ['avx2', 'fma', 'avx'] },
  { coretype: 'Sandybridge', needs: ['avx'] },
  { coretype: 'Nehalem', needs: ['sse4_2', 'sse4_1', 'ssse3', 'sse3', 'popcnt'] },
  { coretype: 'Prescott', needs: ['sse3'] },
];

const ARM64_RULES: readonly Rule[] = [
  { coretype: 'neoversen1', needs: ['asimd', 'asimddp', 'atomics', 'asimdrdm'] },
  { coretype: 'cortexa57', needs: ['asimd'] },
];

export interface CoretypeChoice {
  /** The OPENBLAS_CORETYPE value ("Haswell"); OpenBLAS compares it case-insensitively. */
  readonly coretype: string;
  /** The features that decided it, for reports ("avx2+fma+avx"). */
  readonly because: string;
}

/**
 * The OpenBLAS kernel set for a CPU of architecture `arch` (Node's process.arch) with `features`
 * (elma_cpu_features' names), or null when no rule applies.
 */
export function openblasCoretypeFor(arch: string, features: ReadonlySet<string> | readonly string[]): CoretypeChoice | null {
  const have = features instanceof Set ? features : new Set(features as readonly string[]);
  const rules = arch === 'x64' ? X64_RULES : arch === 'arm64' ? ARM64_RULES : [];
  const rule = rules.find((r) => r.needs.every((f) => have.has(f)));
  return rule === undefined ? null : { coretype: rule.coretype, because: rule.needs.join('+') };
}

/** Split elma_cpu_features()' space-separated list. */
export function parseFeatureList(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter((f) => f !== ''));
}
