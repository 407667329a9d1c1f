/*
 * One int8 micro-kernel for every instruction that adds four byte products into each 32-bit
 * lane: vpdpbusd (AVX-512 VNNI on zmm, AVX-VNNI on ymm: u8 × s8) and sdot (NEON dotprod: s8 × s8).
 * Included once per instruction set with these macros defined (then undefined again):
 *
 *   DOT4_NAME          the function's name            DOT4_ATTR   its attributes (target(...))
 *   DOT4_MR, DOT4_NV   rows, vectors of columns       DOT4_LANES  32-bit lanes per vector
 *   DOT4_V             the vector type                DOT4_ZERO() a vector of zeros
 *   DOT4_LOAD(p)       DOT4_LANES·4 panel bytes       DOT4_BCAST(p) 4 bytes at p in every lane
 *   DOT4_DOT(acc, a, b) acc + per lane Σ of the four byte products of a and b
 *   DOT4_STORE(p, v)   DOT4_LANES int32 to p
 *
 * The C test (kernels/native/test/test_qgemm.c) includes it again with the vector operations
 * written in plain C, so the tile logic (rows past the end, panel offsets, the store) is checked
 * against the reference on any machine, also where the real instruction is missing.
 *
 * Register tile: DOT4_MR × DOT4_NV accumulators, DOT4_NV panel vectors and one broadcast; each
 * 4-byte broadcast of a row feeds DOT4_NV dot products, each panel load DOT4_MR of them.
 */
#define DOT4_NR (DOT4_NV * DOT4_LANES)

DOT4_ATTR static void DOT4_NAME(const uint8_t *a, int64_t lda, int rows, const int8_t *panel, int kp, int32_t *c) {
  /* Rows past the end read the last row again (never outside a) and are not stored. */
  const uint8_t *ar[DOT4_MR];
  for (int i = 0; i < DOT4_MR; i++) ar[i] = a + (int64_t)(i < rows ? i : rows - 1) * lda;
  DOT4_V acc[DOT4_MR][DOT4_NV];
#pragma GCC unroll 16
  for (int i = 0; i < DOT4_MR; i++)
#pragma GCC unroll 8
    for (int j = 0; j < DOT4_NV; j++) acc[i][j] = DOT4_ZERO();
  for (int k = 0; k < kp; k += 4) {
    const int8_t *p = panel + (int64_t)k * DOT4_NR;
    DOT4_V b[DOT4_NV];
#pragma GCC unroll 8
    for (int j = 0; j < DOT4_NV; j++) b[j] = DOT4_LOAD(p + j * DOT4_LANES * 4);
#pragma GCC unroll 16
    for (int i = 0; i < DOT4_MR; i++) {
      DOT4_V av = DOT4_BCAST(ar[i] + k);
#pragma GCC unroll 8
      for (int j = 0; j < DOT4_NV; j++) acc[i][j] = DOT4_DOT(acc[i][j], av, b[j]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < DOT4_MR; i++) {
    if (i >= rows) break;
#pragma GCC unroll 8
    for (int j = 0; j < DOT4_NV; j++) DOT4_STORE(c + i * DOT4_NR + j * DOT4_LANES, acc[i][j]);
  }
}

#undef DOT4_NR
#undef DOT4_NAME
#undef DOT4_ATTR
#undef DOT4_MR
#undef DOT4_NV
#undef DOT4_LANES
#undef DOT4_V
#undef DOT4_ZERO
#undef DOT4_LOAD
#undef DOT4_BCAST
#undef DOT4_DOT
#undef DOT4_STORE
