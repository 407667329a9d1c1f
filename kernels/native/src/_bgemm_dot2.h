/*
 * The bf16 micro-kernel for an instruction that adds two bf16 products into each fp32 lane
 * (vdpbf16ps: AVX-512 BF16). Included with these macros defined (then undefined again), as
 * _qgemm_dot4.h is for int8:
 *
 *   DOT2_NAME          the function's name            DOT2_ATTR   its attributes (target(...))
 *   DOT2_MR, DOT2_NV   rows, vectors of columns       DOT2_LANES  fp32 lanes per vector
 *   DOT2_V             the accumulator type           DOT2_B      the packed-pairs type
 *   DOT2_ZERO()        zeros                          DOT2_LOAD(p) DOT2_LANES·2 panel values
 *   DOT2_BCAST(p)      the 2 values at p in every lane
 *   DOT2_DOT(acc, a, b) acc + per lane a[0]·b[0] + a[1]·b[1]
 *   DOT2_STORE(p, v)   DOT2_LANES floats to p
 *
 * The C test (kernels/native/test/test_bgemm.c) includes it again with the operations written in
 * plain C, so the tile logic is checked on a CPU without the instruction too.
 */
#define DOT2_NR (DOT2_NV * DOT2_LANES)

DOT2_ATTR static void DOT2_NAME(const uint16_t *a, int64_t lda, int rows, const uint16_t *panel, int kp, float *c) {
  /* Rows past the end read the last row again (never outside a) and are not stored. */
  const uint16_t *ar[DOT2_MR];
  for (int i = 0; i < DOT2_MR; i++) ar[i] = a + (int64_t)(i < rows ? i : rows - 1) * lda;
  DOT2_V acc[DOT2_MR][DOT2_NV];
#pragma GCC unroll 16
  for (int i = 0; i < DOT2_MR; i++)
#pragma GCC unroll 8
    for (int j = 0; j < DOT2_NV; j++) acc[i][j] = DOT2_ZERO();
  for (int k = 0; k < kp; k += 2) {
    const uint16_t *p = panel + (int64_t)k * DOT2_NR;
    DOT2_B b[DOT2_NV];
#pragma GCC unroll 8
    for (int j = 0; j < DOT2_NV; j++) b[j] = DOT2_LOAD(p + j * DOT2_LANES * 2);
#pragma GCC unroll 16
    for (int i = 0; i < DOT2_MR; i++) {
      DOT2_B av = DOT2_BCAST(ar[i] + k);
#pragma GCC unroll 8
      for (int j = 0; j < DOT2_NV; j++) acc[i][j] = DOT2_DOT(acc[i][j], av, b[j]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < DOT2_MR; i++) {
    if (i >= rows) break;
#pragma GCC unroll 8
    for (int j = 0; j < DOT2_NV; j++) DOT2_STORE(c + i * DOT2_NR + j * DOT2_LANES, acc[i][j]);
  }
}

#undef DOT2_NR
#undef DOT2_NAME
#undef DOT2_ATTR
#undef DOT2_MR
#undef DOT2_NV
#undef DOT2_LANES
#undef DOT2_V
#undef DOT2_B
#undef DOT2_ZERO
#undef DOT2_LOAD
#undef DOT2_BCAST
#undef DOT2_DOT
#undef DOT2_STORE
