// swift-bert: loops in C, compiled for AVX-512, AVX2 and baseline and picked at run time:
// fp32 → bf16 conversions and small GEMMs.
//
// Why C: Swift on Linux compiles for baseline x86-64 (SSE2) and SwiftPM forbids per-target
// machine flags in a package others depend on; here one plain loop is compiled three times
// (AVX-512, AVX2, baseline) through target attributes, and the first call picks the widest
// one the CPU runs. The arithmetic is integer rounding, so every version gives the same bits.

#include "swiftbert_vector.h"

#include <string.h>

static inline uint16_t round_bits(float value) {
    uint32_t u;
    memcpy(&u, &value, sizeof u);
    uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    int nan = (u & 0x7FFFFFFFu) > 0x7F800000u;
    return nan ? (uint16_t)0x7FC0 : (uint16_t)rounded;
}

static inline float widen(uint16_t bits) {
    uint32_t u = (uint32_t)bits << 16;
    float value;
    memcpy(&value, &u, sizeof value);
    return value;
}

#define ROUND_ROWS_BODY                                                          \
    for (long row = first; row < last; ++row) {                                  \
        const float *input = source + row * stride;                              \
        if (bits) {                                                              \
            uint16_t *output = bits + row * columns;                             \
            for (long j = 0; j < columns; ++j) output[j] = round_bits(input[j]); \
        } else {                                                                 \
            float *output = floats + row * columns;                              \
            for (long j = 0; j < columns; ++j)                                   \
                output[j] = widen(round_bits(input[j]));                         \
        }                                                                        \
    }

static _Thread_local float transposed_b[SWIFTBERT_SMALL_GEMM_SCRATCH];
static _Thread_local float row_sums[SWIFTBERT_SMALL_GEMM_SCRATCH];

#define SMALL_GEMM_BODY                                                              \
    const float *bb = b;                                                             \
    long bstride = ldb;                                                              \
    if (transpose_b) {                                                               \
        for (long j = 0; j < n; ++j)                                                 \
            for (long p = 0; p < k; ++p) transposed_b[p * n + j] = b[j * ldb + p];   \
        bb = transposed_b;                                                           \
        bstride = n;                                                                 \
    }                                                                                \
    for (long i = 0; i < m; ++i) {                                                   \
        float *sums = row_sums;                                                      \
        for (long j = 0; j < n; ++j) sums[j] = 0.0f;                                 \
        for (long p = 0; p < k; ++p) {                                               \
            float x = transpose_a ? a[p * lda + i] : a[i * lda + p];                 \
            const float *brow = bb + p * bstride;                                    \
            for (long j = 0; j < n; ++j) sums[j] += x * brow[j];                     \
        }                                                                            \
        float *crow = c + i * ldc;                                                   \
        if (beta == 0.0f) {                                                          \
            for (long j = 0; j < n; ++j) crow[j] = alpha * sums[j];                  \
        } else {                                                                     \
            for (long j = 0; j < n; ++j) crow[j] = alpha * sums[j] + beta * crow[j]; \
        }                                                                            \
    }

typedef void (*small_gemm_t)(int, int, long, long, long, float, const float *, long,
    const float *, long, float, float *, long);

#define SMALL_GEMM_SIGNATURE                                                          \
    (int transpose_a, int transpose_b, long m, long n, long k, float alpha,          \
        const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc)

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl,fma"))) static void small_gemm_avx512
    SMALL_GEMM_SIGNATURE {
    SMALL_GEMM_BODY
}
__attribute__((target("avx2,fma"))) static void small_gemm_avx2 SMALL_GEMM_SIGNATURE {
    SMALL_GEMM_BODY
}
#endif
static void small_gemm_baseline SMALL_GEMM_SIGNATURE { SMALL_GEMM_BODY }

static small_gemm_t chosen_gemm = NULL;

typedef void (*round_rows_t)(const float *, long, long, long, long, uint16_t *, float *);

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void round_rows_avx512(
    const float *source, long first, long last, long columns, long stride, uint16_t *bits,
    float *floats) {
    ROUND_ROWS_BODY
}

__attribute__((target("avx2"))) static void round_rows_avx2(
    const float *source, long first, long last, long columns, long stride, uint16_t *bits,
    float *floats) {
    ROUND_ROWS_BODY
}
#endif

static void round_rows_baseline(
    const float *source, long first, long last, long columns, long stride, uint16_t *bits,
    float *floats) {
    ROUND_ROWS_BODY
}

static round_rows_t chosen = NULL;
static const char *chosen_isa = "baseline";

static void choose(void) {
    // Chosen into locals, then stored: a thread racing through here sees only final picks.
    small_gemm_t gemm = small_gemm_baseline;
    round_rows_t rows = round_rows_baseline;
    const char *isa = "baseline";
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        gemm = small_gemm_avx512;
        rows = round_rows_avx512;
        isa = "avx512f";
    } else if (__builtin_cpu_supports("avx2")) {
        gemm = small_gemm_avx2;
        rows = round_rows_avx2;
        isa = "avx2";
    }
#endif
    chosen_isa = isa;
    chosen_gemm = gemm;
    chosen = rows;
}

void swiftbert_round_rows_to_bf16(
    const float *source, long first, long last, long columns, long stride, uint16_t *bits,
    float *floats) {
    if (!chosen) choose();  // a benign race: every thread stores the same pointer
    chosen(source, first, last, columns, stride, bits, floats);
}

const char *swiftbert_convert_isa(void) {
    if (!chosen) choose();
    return chosen_isa;
}

void swiftbert_small_gemm SMALL_GEMM_SIGNATURE {
    if (!chosen_gemm) choose();
    chosen_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
