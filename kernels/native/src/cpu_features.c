/*
 * The CPU's instruction-set features, read from the instruction set itself: CPUID and XGETBV on
 * x86-64, the kernel's HWCAP words on arm64 Linux. Never from a table of CPU models: a CPU newer
 * than this code is described by what it can execute, not by a name we may not know (issue 19:
 * OpenBLAS 0.3.21 did not know family 6 model 207 and ran its generic kernels on an AVX-512 Xeon).
 *
 * Compiled into libelma_native (elma.h) and into libelma_cpu, the small library without BLAS that
 * the TypeScript loader reads before anything linked to OpenBLAS is loaded
 * (kernels/native/blas-dispatch.ts). Compiled without -march=native: it must run on any CPU of
 * its architecture, since its job is to find out what that CPU has.
 *
 * Names are Linux's /proc/cpuinfo names (x86: arch/x86/include/asm/cpufeatures.h, except "sse3",
 * which Linux calls "pni"; arm64: the HWCAP names of Documentation/arch/arm64/elf_hwcaps.rst).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "elma_cpu.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <cpuid.h>
#define ELMA_CPU_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define ELMA_CPU_ARM64_LINUX 1
#endif

typedef struct {
  char features[768];
  char description[160];
} cpu_info;

static void add(char *buf, size_t cap, const char *name) {
  size_t n = strlen(buf);
  snprintf(buf + n, cap - n, "%s%s", n > 0 ? " " : "", name);
}

#if ELMA_CPU_X86
/* XCR0 (the OS-enabled register state), via XGETBV with ECX = 0. Only valid when CPUID reports
   OSXSAVE (leaf 1 ECX bit 27): the OS has set CR4.OSXSAVE. Written as bytes so that no
   -mxsave is needed. */
static uint64_t xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

typedef struct {
  int reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
  int bit;
  const char *name;
} cpuid_bit;

/* Intel SDM vol. 2A, CPUID: leaf 1 (Table 3-10, 3-11), leaf 7 subleaf 0 and 1 (Table 3-8). */
static const cpuid_bit LEAF1[] = {
  {3, 25, "sse"}, {3, 26, "sse2"}, {2, 0, "sse3"}, {2, 9, "ssse3"}, {2, 19, "sse4_1"}, {2, 20, "sse4_2"},
  {2, 23, "popcnt"}, {2, 1, "pclmulqdq"}, {2, 25, "aes"},
};
/* Leaf 1 bits that need the OS to save YMM state (XCR0 bits 1 and 2). */
static const cpuid_bit LEAF1_AVX[] = {{2, 28, "avx"}, {2, 12, "fma"}, {2, 29, "f16c"}};
static const cpuid_bit LEAF7_0[] = {{1, 3, "bmi1"}, {1, 8, "bmi2"}};
static const cpuid_bit LEAF7_0_AVX[] = {{1, 5, "avx2"}};
/* AVX-512: also needs opmask and ZMM state (XCR0 bits 5, 6, 7). */
static const cpuid_bit LEAF7_0_AVX512[] = {
  {1, 16, "avx512f"}, {1, 17, "avx512dq"}, {1, 21, "avx512ifma"}, {1, 28, "avx512cd"}, {1, 30, "avx512bw"},
  {1, 31, "avx512vl"}, {2, 1, "avx512vbmi"}, {2, 6, "avx512_vbmi2"}, {2, 11, "avx512_vnni"},
  {2, 12, "avx512_bitalg"}, {2, 14, "avx512_vpopcntdq"}, {3, 23, "avx512_fp16"},
};
/* AMX: needs tile state (XCR0 bits 17, 18); Linux also asks a process to request it
   (arch_prctl ARCH_REQ_XCOMP_PERM) before the first use. */
static const cpuid_bit LEAF7_0_AMX[] = {{3, 24, "amx_tile"}, {3, 22, "amx_bf16"}, {3, 25, "amx_int8"}};
static const cpuid_bit LEAF7_1_AVX[] = {{0, 4, "avx_vnni"}};
static const cpuid_bit LEAF7_1_AVX512[] = {{0, 5, "avx512_bf16"}};

static void add_bits(char *buf, size_t cap, const uint32_t r[4], const cpuid_bit *bits, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (r[bits[i].reg] & (1u << bits[i].bit)) add(buf, cap, bits[i].name);
}
#define ADD_BITS(buf, r, table) add_bits((buf), sizeof(buf), (r), (table), sizeof(table) / sizeof((table)[0]))

static void detect(cpu_info *c) {
  uint32_t r0[4] = {0}, r1[4] = {0}, r7[4] = {0}, r71[4] = {0};
  __cpuid(0, r0[0], r0[1], r0[2], r0[3]);
  const uint32_t max_leaf = r0[0];
  char vendor[13];
  memcpy(vendor, &r0[1], 4);
  memcpy(vendor + 4, &r0[3], 4);
  memcpy(vendor + 8, &r0[2], 4);
  vendor[12] = '\0';
  if (max_leaf >= 1) __cpuid(1, r1[0], r1[1], r1[2], r1[3]);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, r7[0], r7[1], r7[2], r7[3]);
    if (r7[0] >= 1) __cpuid_count(7, 1, r71[0], r71[1], r71[2], r71[3]);
  }
  /* Family and model as the SDM composes them (display family/model), for the description only. */
  unsigned family = (r1[0] >> 8) & 0xf, model = (r1[0] >> 4) & 0xf;
  if (family == 0xf) family += (r1[0] >> 20) & 0xff;
  if (family == 0x6 || family >= 0xf) model += ((r1[0] >> 16) & 0xf) << 4;
  snprintf(c->description, sizeof c->description, "%s family %u model %u", vendor, family, model);

  const int osxsave = (r1[2] >> 27) & 1;
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const int os_avx = (xcr0 & 0x6) == 0x6;          /* XMM and YMM state */
  const int os_avx512 = (xcr0 & 0xe6) == 0xe6;     /* and opmask, ZMM_Hi256, Hi16_ZMM */
  const int os_amx = (xcr0 & 0x60000) == 0x60000;  /* XTILECFG and XTILEDATA */

  ADD_BITS(c->features, r1, LEAF1);
  if (os_avx) ADD_BITS(c->features, r1, LEAF1_AVX);
  ADD_BITS(c->features, r7, LEAF7_0);
  if (os_avx) ADD_BITS(c->features, r7, LEAF7_0_AVX);
  if (os_avx512) ADD_BITS(c->features, r7, LEAF7_0_AVX512);
  if (os_amx) ADD_BITS(c->features, r7, LEAF7_0_AMX);
  if (os_avx) ADD_BITS(c->features, r71, LEAF7_1_AVX);
  if (os_avx512) ADD_BITS(c->features, r71, LEAF7_1_AVX512);
}

#elif ELMA_CPU_ARM64_LINUX
/* Linux arch/arm64/include/uapi/asm/hwcap.h, as bit numbers (older headers lack the newer ones). */
typedef struct {
  int word; /* 1: AT_HWCAP, 2: AT_HWCAP2 */
  int bit;
  const char *name;
} hwcap_bit;

static const hwcap_bit HWCAPS[] = {
  {1, 0, "fp"}, {1, 1, "asimd"}, {1, 7, "crc32"}, {1, 8, "atomics"}, {1, 9, "fphp"}, {1, 10, "asimdhp"},
  {1, 12, "asimdrdm"}, {1, 15, "lrcpc"}, {1, 20, "asimddp"}, {1, 22, "sve"}, {1, 23, "asimdfhm"},
  {1, 26, "ilrcpc"}, {1, 27, "flagm"},
  {2, 1, "sve2"}, {2, 9, "svei8mm"}, {2, 12, "svebf16"}, {2, 13, "i8mm"}, {2, 14, "bf16"},
};

static void detect(cpu_info *c) {
  const unsigned long hw1 = getauxval(AT_HWCAP);
#ifdef AT_HWCAP2
  const unsigned long hw2 = getauxval(AT_HWCAP2);
#else
  const unsigned long hw2 = 0;
#endif
  for (size_t i = 0; i < sizeof HWCAPS / sizeof HWCAPS[0]; i++) {
    const unsigned long w = HWCAPS[i].word == 1 ? hw1 : hw2;
    if (w & (1ul << HWCAPS[i].bit)) add(c->features, sizeof c->features, HWCAPS[i].name);
  }
  snprintf(c->description, sizeof c->description, "arm64");
}

#else
/* Another architecture or OS: no features claimed (the dispatch then leaves the BLAS alone).
   On arm64 without Linux's HWCAP (macOS) only what AArch64 makes mandatory is certain. */
static void detect(cpu_info *c) {
#if defined(__aarch64__)
  add(c->features, sizeof c->features, "fp");
  add(c->features, sizeof c->features, "asimd");
  snprintf(c->description, sizeof c->description, "arm64");
#else
  snprintf(c->description, sizeof c->description, "unknown architecture");
#endif
}
#endif

/* Read once; CPUID and HWCAP do not change while a process runs. */
static cpu_info info;
static pthread_once_t info_once = PTHREAD_ONCE_INIT;
static void detect_once(void) { detect(&info); }
static const cpu_info *cpu(void) {
  pthread_once(&info_once, detect_once);
  return &info;
}

const char *elma_cpu_features(void) { return cpu()->features; }

const char *elma_cpu_description(void) { return cpu()->description; }
