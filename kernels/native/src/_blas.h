/* The BLAS seam: one sgemm and thread control, whatever CBLAS CMake found (OpenBLAS by default). */
#ifndef ELMA_BLAS_H
#define ELMA_BLAS_H

#include <cblas.h>

#ifdef ELMA_HAVE_OPENBLAS
/* Declared in OpenBLAS's cblas.h; repeated so other CBLAS headers also compile this file. */
void openblas_set_num_threads(int num_threads);
char *openblas_get_config(void);
/* Weak: a stand-in for OpenBLAS (elma-qjs-small's build/qjs/small-sgemm.c) need not define it. */
char *openblas_get_corename(void) __attribute__((weak));
static inline void elma_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline const char *elma_blas_name(void) { return openblas_get_config(); }
/* The kernel set OpenBLAS chose in its constructor ("Haswell", "SkylakeX", "Prescott", "neoversen1"). */
static inline const char *elma_blas_core_name(void) {
  return openblas_get_corename != NULL ? openblas_get_corename() : "";
}
#else
static inline void elma_blas_set_threads(int n) { (void)n; }
static inline const char *elma_blas_name(void) { return "cblas"; }
static inline const char *elma_blas_core_name(void) { return ""; }
#endif

void elma_blas_init(void);

#endif
