// swift-bert: oneDNN matrix products behind a BLAS-like call, for the Kernels GEMM backend.
#ifndef SWIFT_BERT_ONEDNN_H
#define SWIFT_BERT_ONEDNN_H

#ifdef __cplusplus
extern "C" {
#endif

/// Element types of a product's inputs (the output is always fp32).
enum { SWIFTBERT_ONEDNN_F32 = 0, SWIFTBERT_ONEDNN_BF16 = 1 };

/// Whether the CPU has AVX2 (x86-64; 0 elsewhere).
int swiftbert_cpu_has_avx2(void);

/// Whether oneDNN is linked and its CPU engine starts (0 on macOS or when it fails).
int swiftbert_onednn_available(void);

/// oneDNN's effective ISA (`dnnl_cpu_isa_t`): the instructions its kernels will use here.
unsigned swiftbert_onednn_isa(void);

/// Whether the CPU runs bf16 products natively (AVX512_BF16 or AMX, as oneDNN sees it).
int swiftbert_onednn_has_bf16(void);

/// Whether the CPU has AMX tiles for bf16 (oneDNN's avx512_core_amx).
int swiftbert_onednn_has_amx(void);

/// oneDNN's version as "major.minor.patch".
const char *swiftbert_onednn_version(void);

/// Row-major `C = alpha·op(A)·op(B) + bias + beta·C` on the calling thread (oneDNN's own
/// OpenMP team is held to one thread per calling thread), with a matmul primitive cached per
/// shape in the calling thread. `A` and `B` hold `type` elements; `C` is fp32; `bias`, fp32
/// `[n]` added to every row in the matmul's epilogue, or NULL for none. With `beta == 0`,
/// `C` is only written. Returns 0, or oneDNN's status when a primitive cannot be made.
int swiftbert_onednn_gemm(
    int type, int transpose_a, int transpose_b, long m, long n, long k, float alpha,
    const void *a, long lda, const void *b, long ldb, const float *bias, float beta, float *c,
    long ldc);

/// Writes into `buffer` (at most `capacity` bytes, NUL-terminated) the implementation oneDNN
/// picks for an `m × n × k` product of `type` inputs (e.g. "brg:avx512_core_amx_bf16").
/// Returns 0, or oneDNN's status.
int swiftbert_onednn_implementation(
    int type, long m, long n, long k, char *buffer, long capacity);

/// Primitives created so far in all threads (each a shape seen for the first time).
long swiftbert_onednn_primitives_created(void);

/// Products executed by oneDNN so far in all threads.
long swiftbert_onednn_executions(void);

/// The number of oneDNN executions in progress on the calling thread (0 or 1): lets the
/// allocation counter of the tests tell oneDNN's own heap use apart from ours.
int swiftbert_onednn_in_call(void);

#ifdef __cplusplus
}
#endif

#endif
