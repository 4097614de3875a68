// swift-bert: CBLAS from OpenBLAS on Linux, Accelerate on macOS.
#ifndef SWIFT_BERT_CBLAS_SHIM_H
#define SWIFT_BERT_CBLAS_SHIM_H

#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>
static inline void swiftbert_blas_set_threads(int n) { (void)n; }
static inline int swiftbert_blas_get_threads(void) { return 1; }
static inline const char *swiftbert_blas_core_name(void) { return "Accelerate"; }
#else
#include <cblas.h>
/// OpenBLAS keeps its own thread pool; the engine decides how many threads it may use.
static inline void swiftbert_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int swiftbert_blas_get_threads(void) { return openblas_get_num_threads(); }
/// The kernel family OpenBLAS picked for this CPU at load time (e.g. "SkylakeX", "Haswell",
/// or "Prescott" when it does not know the CPU and falls back to generic SSE3 kernels).
static inline const char *swiftbert_blas_core_name(void) { return openblas_get_corename(); }
#endif

#endif
