// swift-bert: loops in C, compiled for AVX-512, AVX2 and baseline and picked at run time:
// fp32 → bf16 conversions, small GEMMs, AdamW, GELU and dropout masks.
//
// Why C: Swift on Linux compiles for baseline x86-64 (SSE2) and SwiftPM forbids per-target
// machine flags in a package others depend on; here one plain loop is compiled three times
// (AVX-512, AVX2, baseline) through target attributes, and the first call picks the widest
// one the CPU runs. The arithmetic is integer rounding, so every version gives the same bits.

#include "swiftbert_vector.h"

#include <math.h>
#include <string.h>

// Only the fused multiply-adds written as fmaf are fused: AdamW's bits follow PyTorch's.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

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

// One kernel compiled three times from one body, as NAME_avx512, NAME_avx2 and NAME_baseline
// (only the baseline off x86-64); `choose` picks one from the CPU at the first call. Kernels
// that need FMA or AVX512DQ spell their variants out.
#if defined(__x86_64__)
#define THREE_VARIANTS(RETURN, NAME, SIGNATURE, BODY)                                  \
    __attribute__((target("avx512f,avx512bw,avx512vl"))) static RETURN NAME##_avx512    \
        SIGNATURE { BODY }                                                             \
    __attribute__((target("avx2"))) static RETURN NAME##_avx2 SIGNATURE { BODY }       \
    static RETURN NAME##_baseline SIGNATURE { BODY }
#else
#define THREE_VARIANTS(RETURN, NAME, SIGNATURE, BODY) \
    static RETURN NAME##_baseline SIGNATURE { BODY }
#endif

static _Thread_local float transposed_b[SWIFTBERT_SMALL_GEMM_SCRATCH];

typedef float float8 __attribute__((vector_size(32), aligned(4)));

// output[p·out_stride + j] = input[j·stride + p] for j < rows, p < columns: 8 × 8 tiles
// transposed in registers (three rounds of shuffles, as _mm256_unpack/shuffle/permute2f128
// do), the edges one element at a time. Inlined into each instruction set's kernel, whose
// vector width the shuffles then use; a copy, so every version gives the same values.
__attribute__((always_inline)) static inline void transpose_tiles(float *restrict output,
    long out_stride, const float *restrict input, long stride, long rows, long columns) {
    long j = 0;
    for (; j + 8 <= rows; j += 8) {
        long p = 0;
        for (; p + 8 <= columns; p += 8) {
            const float *tile = input + j * stride + p;
            float8 r0 = *(const float8 *)(tile), r1 = *(const float8 *)(tile + stride);
            float8 r2 = *(const float8 *)(tile + 2 * stride);
            float8 r3 = *(const float8 *)(tile + 3 * stride);
            float8 r4 = *(const float8 *)(tile + 4 * stride);
            float8 r5 = *(const float8 *)(tile + 5 * stride);
            float8 r6 = *(const float8 *)(tile + 6 * stride);
            float8 r7 = *(const float8 *)(tile + 7 * stride);
            float8 t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
            float8 t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
            float8 t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
            float8 t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
            float8 t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
            float8 t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
            float8 t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
            float8 t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);
            float8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
            float8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
            float8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
            float8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
            float8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
            float8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
            float8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
            float8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
            float *out = output + p * out_stride + j;
            *(float8 *)(out) = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
            *(float8 *)(out + out_stride) = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
            *(float8 *)(out + 2 * out_stride) =
                __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
            *(float8 *)(out + 3 * out_stride) =
                __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
            *(float8 *)(out + 4 * out_stride) =
                __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
            *(float8 *)(out + 5 * out_stride) =
                __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
            *(float8 *)(out + 6 * out_stride) =
                __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
            *(float8 *)(out + 7 * out_stride) =
                __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
        }
        for (; p < columns; ++p)
            for (long r = j; r < j + 8; ++r) output[p * out_stride + r] = input[r * stride + p];
    }
    for (; j < rows; ++j)
        for (long p = 0; p < columns; ++p) output[p * out_stride + j] = input[j * stride + p];
}

// Columns of C are done 64 at a time, so that the 64 running sums of a row stay in
// registers (four AVX-512 vectors) while p runs over k, and rows four at a time where the
// block is 16, 32, 48 or 64 wide (up to sixteen vectors: each loaded row of B feeds four rows
// of C, and enough independent fused multiply-adds are in flight to hide their latency).
// Narrower or odd blocks run one row at a time. Each element's sum is fma(a, b, sum) over
// p = 0, 1, … in order, whatever the blocking, so every path gives the same bits.
#define SMALL_GEMM_STORE(ROW, SUMS, WIDTH)                                           \
    {                                                                                \
        float *crow = c + (ROW) * ldc + j0;                                          \
        if (beta == 0.0f) {                                                          \
            for (long j = 0; j < (WIDTH); ++j) crow[j] = alpha * SUMS[j];            \
        } else {                                                                     \
            for (long j = 0; j < (WIDTH); ++j) crow[j] = alpha * SUMS[j] + beta * crow[j]; \
        }                                                                            \
    }

// `ta` is a compile-time constant in each copy of the loops (SMALL_GEMM_BODY), so the
// element address is not chosen at run time inside the inner loop.
#define SMALL_GEMM_A(ROW, P) (ta ? a[(P) * lda + (ROW)] : a[(ROW) * lda + (P)])

// LANES (a constant: 16, 32, 48 or 64; 0 for none) sums a row, of which the first `width`
// are C's columns (all LANES when EXACT, a constant too, so that the sums stay in registers):
// B's rows must have LANES readable elements from j0 (a transposed B is padded with zeros to
// a multiple of 16 for this).
#define SMALL_GEMM_COLUMNS(LANES, EXACT)                                             \
    long i = 0;                                                                      \
    if (LANES > 0) {                                                                 \
        for (; i + 4 <= m; i += 4) {                                                 \
            float s0[LANES ? LANES : 1], s1[LANES ? LANES : 1], s2[LANES ? LANES : 1];    \
            float s3[LANES ? LANES : 1];                                             \
            for (long j = 0; j < LANES; ++j) s0[j] = s1[j] = s2[j] = s3[j] = 0.0f;   \
            for (long p = 0; p < k; ++p) {                                           \
                const float x0 = SMALL_GEMM_A(i, p), x1 = SMALL_GEMM_A(i + 1, p);    \
                const float x2 = SMALL_GEMM_A(i + 2, p), x3 = SMALL_GEMM_A(i + 3, p); \
                const float *restrict brow = bb + p * bstride + j0;                  \
                for (long j = 0; j < LANES; ++j) {                                   \
                    const float y = brow[j];                                         \
                    s0[j] = FMA(x0, y, s0[j]);                                       \
                    s1[j] = FMA(x1, y, s1[j]);                                       \
                    s2[j] = FMA(x2, y, s2[j]);                                       \
                    s3[j] = FMA(x3, y, s3[j]);                                       \
                }                                                                    \
            }                                                                        \
            SMALL_GEMM_STORE(i, s0, EXACT ? LANES : width)                                           \
            SMALL_GEMM_STORE(i + 1, s1, EXACT ? LANES : width)                                       \
            SMALL_GEMM_STORE(i + 2, s2, EXACT ? LANES : width)                                       \
            SMALL_GEMM_STORE(i + 3, s3, EXACT ? LANES : width)                                       \
        }                                                                            \
    }                                                                                \
    for (; i < m; ++i) {                                                             \
        float sums[64];                                                              \
        for (long j = 0; j < width; ++j) sums[j] = 0.0f;                             \
        for (long p = 0; p < k; ++p) {                                               \
            const float x = SMALL_GEMM_A(i, p);                                      \
            const float *restrict brow = bb + p * bstride + j0;                      \
            for (long j = 0; j < width; ++j) sums[j] = FMA(x, brow[j], sums[j]);     \
        }                                                                            \
        SMALL_GEMM_STORE(i, sums, width)                                             \
    }

// The block of `lanes` (16, 32, 48 or 64) columns, EXACT as in SMALL_GEMM_COLUMNS.
#define SMALL_GEMM_LANES(EXACT)                                                      \
    if (lanes == 64) {                                                               \
        SMALL_GEMM_COLUMNS(64, EXACT)                                                \
    } else if (lanes == 48) {                                                        \
        SMALL_GEMM_COLUMNS(48, EXACT)                                                \
    } else if (lanes == 32) {                                                        \
        SMALL_GEMM_COLUMNS(32, EXACT)                                                \
    } else {                                                                         \
        SMALL_GEMM_COLUMNS(16, EXACT)                                                \
    }

// `readable`: the elements each row of B has from column j0 on (to the end of a padded row).
#define SMALL_GEMM_LOOPS                                                             \
    for (long j0 = 0; j0 < n; j0 += 64) {                                            \
        const long width = n - j0 < 64 ? n - j0 : 64;                                \
        const long readable = (padded ? bstride : n) - j0;                           \
        const long lanes = (width + 15) / 16 * 16;                                   \
        if (lanes > readable) {                                                      \
            SMALL_GEMM_COLUMNS(0, 0)                                                 \
        } else if (lanes == width) {                                                 \
            SMALL_GEMM_LANES(1)                                                      \
        } else {                                                                     \
            SMALL_GEMM_LANES(0)                                                      \
        }                                                                            \
    }

#define SMALL_GEMM_BODY                                                              \
    const float *bb = b;                                                             \
    long bstride = ldb;                                                              \
    int padded = 0;                                                                  \
    if (transpose_b) {                                                               \
        /* Rows padded with zeros to a multiple of 16 where that fits the scratch. */ \
        const long stride = (n + 15) / 16 * 16;                                      \
        bstride = k * stride <= SWIFTBERT_SMALL_GEMM_SCRATCH ? stride : n;           \
        padded = bstride > n;                                                        \
        transpose_tiles(transposed_b, bstride, b, ldb, n, k);                        \
        if (padded)                                                                  \
            for (long p = 0; p < k; ++p)                                             \
                for (long j = n; j < bstride; ++j) transposed_b[p * bstride + j] = 0.0f; \
        bb = transposed_b;                                                           \
    }                                                                                \
    if (transpose_a) {                                                               \
        const int ta = 1;                                                            \
        SMALL_GEMM_LOOPS                                                             \
    } else {                                                                         \
        const int ta = 0;                                                            \
        SMALL_GEMM_LOOPS                                                             \
    }

#define TRANSPOSE_ROWS_BODY \
    transpose_tiles(output + first, rows, input + first * columns, columns, last - first, columns);

typedef void (*transpose_rows_t)(float *, const float *, long, long, long, long);

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void transpose_rows_avx2(
    float *output, const float *input, long rows, long columns, long first, long last) {
    TRANSPOSE_ROWS_BODY
}
#endif
static void transpose_rows_baseline(
    float *output, const float *input, long rows, long columns, long first, long last) {
    TRANSPOSE_ROWS_BODY
}

static transpose_rows_t chosen_transpose_rows = NULL;

typedef void (*small_gemm_t)(int, int, long, long, long, float, const float *, long,
    const float *, long, float, float *, long);

#define SMALL_GEMM_SIGNATURE                                                          \
    (int transpose_a, int transpose_b, long m, long n, long k, float alpha,          \
        const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc)

#define FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl,fma"))) static void small_gemm_avx512
    SMALL_GEMM_SIGNATURE {
    SMALL_GEMM_BODY
}
__attribute__((target("avx2,fma"))) static void small_gemm_avx2 SMALL_GEMM_SIGNATURE {
    SMALL_GEMM_BODY
}
#endif
#undef FMA
// Without FMA hardware fmaf is a library call: correct, slow, and only reached on CPUs where
// the oneDNN backend (the one user of this kernel) is not chosen.
#define FMA(a, b, c) fmaf((a), (b), (c))
static void small_gemm_baseline SMALL_GEMM_SIGNATURE { SMALL_GEMM_BODY }
#undef FMA

static small_gemm_t chosen_gemm = NULL;

// The loop, for compile-time `HAS_COPY` and `ZERO`. The pointers are `restrict` and the
// zeroing writes through `grads` itself (`zero` is NULL or the gradients, as AdamW.swift
// checks): with `zero` as a seventh pointer that aliases `gradients`, the compiler's
// run-time overlap check always failed and the scalar loop ran, 26 cycles an element.
#define ADAMW_LOOP(HAS_COPY, ZERO)                                                         \
    for (long i = first; i < last; ++i) {                                                \
        float g = grads[i] * scale;                                                      \
        float p = params[i] * decay;                                                     \
        float m0 = moment1[i];                                                           \
        float m = FMA(lerp, g - m0, small ? m0 : g);                                     \
        float v = FMA(one_minus_beta2 * g, g, moment2[i] * beta2);                       \
        float denominator = SQRT(v) / correction + epsilon;                              \
        p = p + (step * m) / denominator;                                                \
        moment1[i] = m;                                                                  \
        moment2[i] = v;                                                                  \
        params[i] = p;                                                                   \
        if (HAS_COPY) bits[i] = round_bits(p);                                           \
        if (ZERO) grads[i] = 0.0f;                                                       \
    }

#define ADAMW_BODY                                                                         \
    const float decay = s->decay, lerp = s->lerp_coefficient, beta2 = s->beta2;          \
    const float one_minus_beta2 = s->one_minus_beta2, step = s->negative_step_size;      \
    const float correction = s->bias_correction2_sqrt, epsilon = s->epsilon;             \
    const float scale = s->gradient_scale;                                               \
    const int small = s->small_weight;                                                   \
    float *restrict params = parameters;                                                 \
    float *restrict grads = (float *)gradients;                                          \
    float *restrict moment1 = first_moment;                                              \
    float *restrict moment2 = second_moment;                                             \
    uint16_t *restrict bits = copy;                                                      \
    if (copy && zero) {                                                                  \
        ADAMW_LOOP(1, 1)                                                                 \
    } else if (copy) {                                                                   \
        ADAMW_LOOP(1, 0)                                                                 \
    } else if (zero) {                                                                   \
        ADAMW_LOOP(0, 1)                                                                 \
    } else {                                                                             \
        ADAMW_LOOP(0, 0)                                                                 \
    }

#define ADAMW_SIGNATURE                                                                    \
    (float *parameters, const float *gradients, float *first_moment, float *second_moment, \
        uint16_t *copy, float *zero, long first, long last, const swiftbert_adamw_scalars *s)

typedef void (*adamw_t)(float *, const float *, float *, float *, uint16_t *, float *, long,
    long, const swiftbert_adamw_scalars *);

#define FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define SQRT(x) __builtin_elementwise_sqrt(x)
#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl,fma"))) static void adamw_avx512
    ADAMW_SIGNATURE {
    ADAMW_BODY
}
__attribute__((target("avx2,fma"))) static void adamw_avx2 ADAMW_SIGNATURE { ADAMW_BODY }
#endif
#undef FMA
#define FMA(a, b, c) fmaf((a), (b), (c))
static void adamw_baseline ADAMW_SIGNATURE { ADAMW_BODY }
#undef FMA
#undef SQRT

// Σ x² in Double over 16 lanes (lane j sums the elements i ≡ j mod 16, in order), the lanes
// then added pairwise (8, 4, 2, 1) and the tail last: one order of additions on every
// instruction set, so the norm is the same bits whichever variant runs.
#define SUM_SQUARES_BODY                                                                   \
    double lanes[16] = {0};                                                              \
    long i = 0;                                                                          \
    for (; i + 16 <= count; i += 16)                                                     \
        for (int j = 0; j < 16; ++j) {                                                   \
            double x = (double)values[i + j];                                            \
            lanes[j] += x * x;                                                           \
        }                                                                                \
    double tail = 0;                                                                     \
    for (; i < count; ++i) {                                                             \
        double x = (double)values[i];                                                    \
        tail += x * x;                                                                   \
    }                                                                                    \
    for (int width = 8; width >= 1; width /= 2)                                          \
        for (int j = 0; j < width; ++j) lanes[j] += lanes[j + width];                    \
    return lanes[0] + tail;

typedef double (*sum_squares_t)(const float *, long);
THREE_VARIANTS(double, sum_squares, (const float *values, long count), SUM_SQUARES_BODY)

static sum_squares_t chosen_sum_squares = NULL;

static adamw_t chosen_adamw = NULL;

// Swift's min and max, for the same answers on NaN: min(x, y) = y < x ? y : x,
// max(x, y) = y >= x ? y : x.
static inline float swift_min(float x, float y) { return y < x ? y : x; }
static inline float swift_max(float x, float y) { return y >= x ? y : x; }

// exp(x) within 2 units in the last place for x in [−87, 88]: Cephes' expf, Cody–Waite range
// reduction by ln 2 and a degree-6 polynomial, 2ⁿ built from the low mantissa bits of x·log2(e)
// + 1.5·2²³. Inputs are clamped to that range (exp(−∞) gives 2⁻¹²⁶, large inputs saturate at
// about 1.6e38). Straight-line float arithmetic, so loops over it vectorize.
static inline float gelu_exp(float x) {
    float clamped = swift_min(swift_max(x, -87.0f), 88.0f);
    float shifted = clamped * 1.4426950408889634f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = clamped - n * 0.693359375f + n * 2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float polynomial = p * (r * r) + r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return polynomial * scale;
}

static inline float gelu_erf(float x) {
    float magnitude = fabsf(x);
    float t = 1.0f / (0.3275911f * magnitude + 1.0f);
    float r = 1.061405429f * t - 1.453152027f;
    r = r * t + 1.421413741f;
    r = r * t - 0.284496736f;
    r = r * t + 0.254829592f;
    float value = 1.0f - r * t * gelu_exp(-(x * x));
    return copysignf(value, x);
}

#define GELU_ALPHA 0.70710678118654752440f
#define GELU_BETA 0.39894228040143267794f

#define GELU_FORWARD_BODY                                                      \
    if (bits && !output) {                                                     \
        for (long i = first; i < last; ++i) {                                  \
            float x = input[i];                                                \
            bits[i] = round_bits(x * 0.5f * (1.0f + gelu_erf(x * GELU_ALPHA))); \
        }                                                                      \
    } else if (bits) {                                                         \
        for (long i = first; i < last; ++i) {                                  \
            float x = input[i];                                                \
            float y = x * 0.5f * (1.0f + gelu_erf(x * GELU_ALPHA));            \
            output[i] = y;                                                     \
            bits[i] = round_bits(y);                                           \
        }                                                                      \
    } else {                                                                   \
        for (long i = first; i < last; ++i) {                                  \
            float x = input[i];                                                \
            output[i] = x * 0.5f * (1.0f + gelu_erf(x * GELU_ALPHA));          \
        }                                                                      \
    }

#define GELU_BACKWARD_BODY                                                     \
    for (long i = first; i < last; ++i) {                                      \
        float x = input[i];                                                    \
        float cdf = 0.5f * (1.0f + gelu_erf(x * GELU_ALPHA));                  \
        float pdf = GELU_BETA * gelu_exp(x * x * -0.5f);                       \
        float gradient = d_output[i] * (cdf + x * pdf);                        \
        d_input[i] = accumulate ? d_input[i] + gradient : gradient;            \
    }

typedef void (*gelu_forward_t)(float *, uint16_t *, const float *, long, long);
typedef void (*gelu_backward_t)(float *, const float *, const float *, long, long, int);

THREE_VARIANTS(void, gelu_forward,
    (float *output, uint16_t *bits, const float *input, long first, long last),
    GELU_FORWARD_BODY)
THREE_VARIANTS(void, gelu_backward,
    (float *d_input, const float *d_output, const float *input, long first, long last,
        int accumulate),
    GELU_BACKWARD_BODY)

static gelu_forward_t chosen_gelu_forward = NULL;
static gelu_backward_t chosen_gelu_backward = NULL;

// Row softmax for Kernels' Attention (torch.softmax(dim=-1)): the row's maximum (16 lanes,
// then across them: the same maximum in any order), exp(x − max) with gelu_exp (within 2 ulp),
// the sum in Double as four interleaved sums (the tail into the first, then (s0 + s1) +
// (s2 + s3)), times the reciprocal of the sum rounded to float. Every version gives the same bits (no fused
// multiply-adds: contraction is off in this file).
#define SOFTMAX_BODY                                                                   \
    for (long row = 0; row < count; ++row) {                                           \
        float *restrict x = rows + row * length;                                       \
        float lanes[16];                                                               \
        for (int l = 0; l < 16; ++l) lanes[l] = -INFINITY;                             \
        long j = 0;                                                                    \
        for (; j + 16 <= length; j += 16)                                              \
            for (int l = 0; l < 16; ++l) lanes[l] = swift_max(lanes[l], x[j + l]);     \
        float maximum = -INFINITY;                                                     \
        for (int l = 0; l < 16; ++l) maximum = swift_max(maximum, lanes[l]);           \
        for (; j < length; ++j) maximum = swift_max(maximum, x[j]);                    \
        for (long i = 0; i < length; ++i) x[i] = gelu_exp(x[i] - maximum);            \
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                         \
        long i = 0;                                                                    \
        for (; i + 4 <= length; i += 4) {                                              \
            s0 += (double)x[i];                                                        \
            s1 += (double)x[i + 1];                                                    \
            s2 += (double)x[i + 2];                                                    \
            s3 += (double)x[i + 3];                                                    \
        }                                                                              \
        for (; i < length; ++i) s0 += (double)x[i];                                    \
        const float reciprocal = (float)(1.0 / ((s0 + s1) + (s2 + s3)));               \
        for (long i = 0; i < length; ++i) x[i] *= reciprocal;                          \
    }

// LayerNorm (torch.nn.LayerNorm over the last dimension), as Kernels' LayerNorm defines it.
// Forward: the row's mean and squared deviations in Double, each as four interleaved sums (the
// tail into the first, then (s0 + s1) + (s2 + s3)); rstd = (float)(1 / sqrt(variance + eps));
// y = ((x − mean)·rstd)·w + b in float, unfused (the Swift loops' arithmetic, which this
// replaced); with `bits`, y rounded to bf16 too (the next product's operand).
#define LAYER_NORM_FORWARD_BODY                                                        \
    for (long row = first; row < last; ++row) {                                        \
        const float *restrict x = input + row * hidden;                                \
        float *restrict y = output + row * hidden;                                     \
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                         \
        long i = 0;                                                                    \
        for (; i + 4 <= hidden; i += 4) {                                              \
            s0 += (double)x[i];                                                        \
            s1 += (double)x[i + 1];                                                    \
            s2 += (double)x[i + 2];                                                    \
            s3 += (double)x[i + 3];                                                    \
        }                                                                              \
        for (; i < hidden; ++i) s0 += (double)x[i];                                    \
        const double mean_d = ((s0 + s1) + (s2 + s3)) / (double)hidden;                \
        s0 = s1 = s2 = s3 = 0;                                                         \
        for (i = 0; i + 4 <= hidden; i += 4) {                                         \
            const double d0 = (double)x[i] - mean_d, d1 = (double)x[i + 1] - mean_d;   \
            const double d2 = (double)x[i + 2] - mean_d, d3 = (double)x[i + 3] - mean_d; \
            s0 += d0 * d0;                                                             \
            s1 += d1 * d1;                                                             \
            s2 += d2 * d2;                                                             \
            s3 += d3 * d3;                                                             \
        }                                                                              \
        for (; i < hidden; ++i) {                                                      \
            const double d = (double)x[i] - mean_d;                                    \
            s0 += d * d;                                                               \
        }                                                                              \
        const double variance = ((s0 + s1) + (s2 + s3)) / (double)hidden;             \
        const float r = (float)(1.0 / sqrt(variance + epsilon));                       \
        const float mu = (float)mean_d;                                                \
        mean[row] = mu;                                                                \
        rstd[row] = r;                                                                 \
        for (long j = 0; j < hidden; ++j) y[j] = (x[j] - mu) * r * weight[j] + bias[j]; \
        if (bits) {                                                                    \
            uint16_t *restrict out = bits + row * hidden;                              \
            for (long j = 0; j < hidden; ++j) out[j] = round_bits(y[j]);               \
        }                                                                              \
    }

// Backward, per row: with x̂ = (x − mean)·rstd and g = dy·w, mean(g) and mean(g·x̂) in Double
// (four interleaved sums each, as the forward), then dx (+)= rstd·((g − mean(g)) −
// x̂·mean(g·x̂)) in float.
#define LAYER_NORM_BACKWARD_BODY                                                       \
    for (long row = first; row < last; ++row) {                                        \
        const float *restrict x = input + row * hidden;                                \
        const float *restrict dy = d_output + row * hidden;                            \
        float *restrict dx = d_input + row * hidden;                                   \
        const float mu = mean[row], r = rstd[row];                                     \
        double g0 = 0, g1 = 0, g2 = 0, g3 = 0, h0 = 0, h1 = 0, h2 = 0, h3 = 0;         \
        long i = 0;                                                                    \
        for (; i + 4 <= hidden; i += 4) {                                              \
            const double a0 = (double)(dy[i] * weight[i]);                             \
            const double a1 = (double)(dy[i + 1] * weight[i + 1]);                     \
            const double a2 = (double)(dy[i + 2] * weight[i + 2]);                     \
            const double a3 = (double)(dy[i + 3] * weight[i + 3]);                     \
            g0 += a0;                                                                  \
            g1 += a1;                                                                  \
            g2 += a2;                                                                  \
            g3 += a3;                                                                  \
            h0 += a0 * (double)((x[i] - mu) * r);                                      \
            h1 += a1 * (double)((x[i + 1] - mu) * r);                                  \
            h2 += a2 * (double)((x[i + 2] - mu) * r);                                  \
            h3 += a3 * (double)((x[i + 3] - mu) * r);                                  \
        }                                                                              \
        for (; i < hidden; ++i) {                                                      \
            const double a = (double)(dy[i] * weight[i]);                              \
            g0 += a;                                                                   \
            h0 += a * (double)((x[i] - mu) * r);                                       \
        }                                                                              \
        const float mean_g = (float)(((g0 + g1) + (g2 + g3)) / (double)hidden);        \
        const float mean_gx = (float)(((h0 + h1) + (h2 + h3)) / (double)hidden);       \
        if (accumulate) {                                                              \
            for (long j = 0; j < hidden; ++j)                                          \
                dx[j] += r * (dy[j] * weight[j] - mean_g - (x[j] - mu) * r * mean_gx); \
        } else {                                                                       \
            for (long j = 0; j < hidden; ++j)                                          \
                dx[j] = r * (dy[j] * weight[j] - mean_g - (x[j] - mu) * r * mean_gx);  \
        }                                                                              \
    }

// Parameter sums over columns first..<last: dw += dy·x̂ and db += dy, the rows in order, 64
// columns at a time in registers (the same additions in the same order as through memory).
#define LAYER_NORM_SUMS_BLOCK(WIDTH)                                                   \
    {                                                                                  \
        float w_acc[64], b_acc[64];                                                    \
        for (long j = 0; j < (WIDTH); ++j) {                                           \
            w_acc[j] = d_weight[c0 + j];                                               \
            b_acc[j] = d_bias[c0 + j];                                                 \
        }                                                                              \
        for (long row = 0; row < rows; ++row) {                                        \
            const float *restrict x = input + row * hidden + c0;                       \
            const float *restrict dy = d_output + row * hidden + c0;                   \
            const float mu = mean[row], r = rstd[row];                                 \
            for (long j = 0; j < (WIDTH); ++j) {                                       \
                w_acc[j] += dy[j] * ((x[j] - mu) * r);                                 \
                b_acc[j] += dy[j];                                                     \
            }                                                                          \
        }                                                                              \
        for (long j = 0; j < (WIDTH); ++j) {                                           \
            d_weight[c0 + j] = w_acc[j];                                               \
            d_bias[c0 + j] = b_acc[j];                                                 \
        }                                                                              \
    }

#define LAYER_NORM_SUMS_BODY                                                           \
    for (long c0 = first; c0 < last; c0 += 64) {                                       \
        if (last - c0 >= 64) {                                                         \
            LAYER_NORM_SUMS_BLOCK(64)                                                  \
        } else {                                                                       \
            const long width = last - c0;                                              \
            LAYER_NORM_SUMS_BLOCK(width)                                               \
        }                                                                              \
    }

#define LAYER_NORM_FORWARD_SIGNATURE                                                   \
    (float *restrict output, uint16_t *restrict bits, float *restrict mean,            \
        float *restrict rstd, const float *restrict input, const float *restrict weight, \
        const float *restrict bias, long first, long last, long hidden, double epsilon)
#define LAYER_NORM_BACKWARD_SIGNATURE                                                  \
    (float *restrict d_input, const float *restrict d_output, const float *restrict input, \
        const float *restrict mean, const float *restrict rstd,                        \
        const float *restrict weight, long first, long last, long hidden, int accumulate)
#define LAYER_NORM_SUMS_SIGNATURE                                                      \
    (float *restrict d_weight, float *restrict d_bias, const float *restrict d_output,  \
        const float *restrict input, const float *restrict mean,                       \
        const float *restrict rstd, long rows, long hidden, long first, long last)

typedef void(*layer_norm_forward_t) LAYER_NORM_FORWARD_SIGNATURE;
typedef void(*layer_norm_backward_t) LAYER_NORM_BACKWARD_SIGNATURE;
typedef void(*layer_norm_sums_t) LAYER_NORM_SUMS_SIGNATURE;

THREE_VARIANTS(void, layer_norm_forward, LAYER_NORM_FORWARD_SIGNATURE, LAYER_NORM_FORWARD_BODY)
THREE_VARIANTS(void, layer_norm_backward, LAYER_NORM_BACKWARD_SIGNATURE, LAYER_NORM_BACKWARD_BODY)
THREE_VARIANTS(void, layer_norm_sums, LAYER_NORM_SUMS_SIGNATURE, LAYER_NORM_SUMS_BODY)

static layer_norm_forward_t chosen_layer_norm_forward = NULL;
static layer_norm_backward_t chosen_layer_norm_backward = NULL;
static layer_norm_sums_t chosen_layer_norm_sums = NULL;

// Column sums over columns first..<last: sums[c] += matrix[0][c], then += matrix[1][c], …,
// in row order, as Parallel.accumulateColumnSums defines them; 64 columns at a time run in
// registers (the same additions in the same order, so the same bits), not through memory.
#define COLUMN_SUMS_BODY                                                               \
    for (long c0 = first; c0 < last; c0 += 64) {                                       \
        float acc[64];                                                                 \
        if (last - c0 >= 64) {                                                         \
            for (int j = 0; j < 64; ++j) acc[j] = sums[c0 + j];                        \
            for (long row = 0; row < rows; ++row) {                                    \
                const float *restrict source = matrix + row * columns + c0;            \
                for (int j = 0; j < 64; ++j) acc[j] += source[j];                      \
            }                                                                          \
            for (int j = 0; j < 64; ++j) sums[c0 + j] = acc[j];                        \
        } else {                                                                       \
            const long width = last - c0;                                              \
            for (long j = 0; j < width; ++j) acc[j] = sums[c0 + j];                    \
            for (long row = 0; row < rows; ++row) {                                    \
                const float *restrict source = matrix + row * columns + c0;            \
                for (long j = 0; j < width; ++j) acc[j] += source[j];                  \
            }                                                                          \
            for (long j = 0; j < width; ++j) sums[c0 + j] = acc[j];                    \
        }                                                                              \
    }

typedef void (*column_sums_t)(float *, const float *, long, long, long, long);

THREE_VARIANTS(void, column_sums,
    (float *restrict sums, const float *restrict matrix, long rows, long columns, long first,
        long last),
    COLUMN_SUMS_BODY)

static column_sums_t chosen_column_sums = NULL;

// The backward of output = dropout(branch) + skip at once: d_branch = d_output·mask and, with
// d_skip non-NULL, d_skip = d_output, both overwritten (no zeroing pass first).
#define RESIDUAL_DROPOUT_BACKWARD_BODY                                                 \
    if (d_skip) {                                                                      \
        for (long i = 0; i < count; ++i) {                                             \
            const float d = d_output[i];                                               \
            d_skip[i] = d;                                                             \
            d_branch[i] = d * mask[i];                                                 \
        }                                                                              \
    } else {                                                                           \
        for (long i = 0; i < count; ++i) d_branch[i] = d_output[i] * mask[i];         \
    }

#define RESIDUAL_DROPOUT_BACKWARD_SIGNATURE                                            \
    (float *restrict d_branch, float *restrict d_skip, const float *restrict d_output,  \
        const float *restrict mask, long count)

typedef void(*residual_dropout_backward_t) RESIDUAL_DROPOUT_BACKWARD_SIGNATURE;

THREE_VARIANTS(void, residual_dropout_backward, RESIDUAL_DROPOUT_BACKWARD_SIGNATURE,
    RESIDUAL_DROPOUT_BACKWARD_BODY)

static residual_dropout_backward_t chosen_residual_dropout_backward = NULL;

#define ROUND_IN_PLACE_BODY \
    for (long i = 0; i < count; ++i) values[i] = widen(round_bits(values[i]));

typedef void (*round_in_place_t)(float *, long);

THREE_VARIANTS(void, round_in_place, (float *restrict values, long count), ROUND_IN_PLACE_BODY)

static round_in_place_t chosen_round_in_place = NULL;

typedef void (*softmax_t)(float *, long, long);

THREE_VARIANTS(void, softmax, (float *rows, long count, long length), SOFTMAX_BODY)

static softmax_t chosen_softmax = NULL;

// Dropout masks, counter-based: element j's bits are SplitMix64's output number j + 1 from
// state `seed` (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014; the finalizer of Vigna's splitmix64.c), so any element can be computed
// alone, in any order, on any thread. The integer arithmetic and the comparison with p are
// exact, so every version gives the same bits.
#define SPLITMIX_GAMMA 0x9E3779B97F4A7C15ull

static inline uint64_t splitmix_finalize(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// keep = uniform(bits) >= p, uniform = top 24 bits · 2⁻²⁴ (SeededGenerator.nextUniformFloat).
#define DROPOUT_BODY                                                                    \
    uint64_t z0 = seed + (uint64_t)first_element * SPLITMIX_GAMMA;                      \
    if (output && residual) {                                                           \
        for (long i = 0; i < count; ++i) {                                              \
            uint64_t bits = splitmix_finalize(z0 + (uint64_t)(i + 1) * SPLITMIX_GAMMA); \
            float uniform = (float)(int32_t)(bits >> 40) * 0x1p-24f;                    \
            float factor = uniform >= probability ? scale : 0.0f;                       \
            mask[i] = factor;                                                           \
            output[i] = input[i] * factor + residual[i];                                \
        }                                                                               \
    } else if (output) {                                                                \
        for (long i = 0; i < count; ++i) {                                              \
            uint64_t bits = splitmix_finalize(z0 + (uint64_t)(i + 1) * SPLITMIX_GAMMA); \
            float uniform = (float)(int32_t)(bits >> 40) * 0x1p-24f;                    \
            float factor = uniform >= probability ? scale : 0.0f;                       \
            mask[i] = factor;                                                           \
            output[i] = input[i] * factor;                                              \
        }                                                                               \
    } else {                                                                            \
        for (long i = 0; i < count; ++i) {                                              \
            uint64_t bits = splitmix_finalize(z0 + (uint64_t)(i + 1) * SPLITMIX_GAMMA); \
            float uniform = (float)(int32_t)(bits >> 40) * 0x1p-24f;                    \
            mask[i] = uniform >= probability ? scale : 0.0f;                            \
        }                                                                               \
    }

#define DROPOUT_SIGNATURE                                                                 \
    (float *restrict mask, float *output, const float *input, const float *residual,    \
        long count, uint64_t seed, uint64_t first_element, float probability, float scale)

typedef void (*dropout_t)(float *, float *, const float *, const float *, long, uint64_t,
    uint64_t, float, float);

#if defined(__x86_64__)
// AVX-512DQ for the 64-bit multiplies (vpmullq); AVX2 emulates them with 32-bit ones.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) static void dropout_avx512
    DROPOUT_SIGNATURE {
    DROPOUT_BODY
}
__attribute__((target("avx2"))) static void dropout_avx2 DROPOUT_SIGNATURE { DROPOUT_BODY }
#endif
static void dropout_baseline DROPOUT_SIGNATURE { DROPOUT_BODY }

static dropout_t chosen_dropout = NULL;

typedef void (*round_rows_t)(const float *, long, long, long, long, uint16_t *, float *);

THREE_VARIANTS(void, round_rows,
    (const float *source, long first, long last, long columns, long stride, uint16_t *bits,
        float *floats),
    ROUND_ROWS_BODY)

static round_rows_t chosen = NULL;
static const char *chosen_isa = "baseline";

static void choose(void) {
    // Chosen into locals, then stored: a thread racing through here sees only final picks.
    small_gemm_t gemm = small_gemm_baseline;
    transpose_rows_t transpose_rows = transpose_rows_baseline;
    adamw_t adamw = adamw_baseline;
    sum_squares_t sum_squares = sum_squares_baseline;
    gelu_forward_t gelu_forward = gelu_forward_baseline;
    gelu_backward_t gelu_backward = gelu_backward_baseline;
    softmax_t softmax = softmax_baseline;
    round_in_place_t round_in_place = round_in_place_baseline;
    column_sums_t column_sums = column_sums_baseline;
    residual_dropout_backward_t residual_dropout_backward = residual_dropout_backward_baseline;
    layer_norm_forward_t layer_norm_forward = layer_norm_forward_baseline;
    layer_norm_backward_t layer_norm_backward = layer_norm_backward_baseline;
    layer_norm_sums_t layer_norm_sums = layer_norm_sums_baseline;
    round_rows_t rows = round_rows_baseline;
    dropout_t dropout = dropout_baseline;
    const char *isa = "baseline";
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        gemm = small_gemm_avx512;
        transpose_rows = transpose_rows_avx2;  // 8 × 8 tiles: 256-bit vectors are its width
        adamw = adamw_avx512;
        sum_squares = sum_squares_avx512;
        gelu_forward = gelu_forward_avx512;
        gelu_backward = gelu_backward_avx512;
        softmax = softmax_avx512;
        round_in_place = round_in_place_avx512;
        column_sums = column_sums_avx512;
        residual_dropout_backward = residual_dropout_backward_avx512;
        layer_norm_forward = layer_norm_forward_avx512;
        layer_norm_backward = layer_norm_backward_avx512;
        layer_norm_sums = layer_norm_sums_avx512;
        rows = round_rows_avx512;
        if (__builtin_cpu_supports("avx512dq")) dropout = dropout_avx512;
        else dropout = dropout_avx2;
        isa = "avx512f";
    } else if (__builtin_cpu_supports("avx2")) {
        gemm = small_gemm_avx2;
        transpose_rows = transpose_rows_avx2;
        adamw = adamw_avx2;
        sum_squares = sum_squares_avx2;
        gelu_forward = gelu_forward_avx2;
        gelu_backward = gelu_backward_avx2;
        softmax = softmax_avx2;
        round_in_place = round_in_place_avx2;
        column_sums = column_sums_avx2;
        residual_dropout_backward = residual_dropout_backward_avx2;
        layer_norm_forward = layer_norm_forward_avx2;
        layer_norm_backward = layer_norm_backward_avx2;
        layer_norm_sums = layer_norm_sums_avx2;
        rows = round_rows_avx2;
        dropout = dropout_avx2;
        isa = "avx2";
    }
#endif
    chosen_isa = isa;
    chosen_gemm = gemm;
    chosen_transpose_rows = transpose_rows;
    chosen_adamw = adamw;
    chosen_sum_squares = sum_squares;
    chosen_gelu_forward = gelu_forward;
    chosen_gelu_backward = gelu_backward;
    chosen_softmax = softmax;
    chosen_round_in_place = round_in_place;
    chosen_column_sums = column_sums;
    chosen_residual_dropout_backward = residual_dropout_backward;
    chosen_layer_norm_forward = layer_norm_forward;
    chosen_layer_norm_backward = layer_norm_backward;
    chosen_layer_norm_sums = layer_norm_sums;
    chosen_dropout = dropout;
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

double swiftbert_sum_squares(const float *values, long count) {
    if (!chosen_sum_squares) choose();
    return chosen_sum_squares(values, count);
}

void swiftbert_adamw ADAMW_SIGNATURE {
    if (!chosen_adamw) choose();
    chosen_adamw(parameters, gradients, first_moment, second_moment, copy, zero, first, last, s);
}

void swiftbert_gelu_forward(
    float *output, uint16_t *bits, const float *input, long first, long last) {
    if (!chosen_gelu_forward) choose();
    chosen_gelu_forward(output, bits, input, first, last);
}

void swiftbert_gelu_backward(
    float *d_input, const float *d_output, const float *input, long first, long last,
    int accumulate) {
    if (!chosen_gelu_backward) choose();
    chosen_gelu_backward(d_input, d_output, input, first, last, accumulate);
}

void swiftbert_layer_norm_forward(
    float *output, uint16_t *bits, float *mean, float *rstd, const float *input,
    const float *weight, const float *bias, long first, long last, long hidden,
    double epsilon) {
    if (!chosen_layer_norm_forward) choose();
    chosen_layer_norm_forward(
        output, bits, mean, rstd, input, weight, bias, first, last, hidden, epsilon);
}

void swiftbert_layer_norm_backward(
    float *d_input, const float *d_output, const float *input, const float *mean,
    const float *rstd, const float *weight, long first, long last, long hidden, int accumulate) {
    if (!chosen_layer_norm_backward) choose();
    chosen_layer_norm_backward(
        d_input, d_output, input, mean, rstd, weight, first, last, hidden, accumulate);
}

void swiftbert_layer_norm_parameter_sums(
    float *d_weight, float *d_bias, const float *d_output, const float *input, const float *mean,
    const float *rstd, long rows, long hidden, long first, long last) {
    if (!chosen_layer_norm_sums) choose();
    chosen_layer_norm_sums(d_weight, d_bias, d_output, input, mean, rstd, rows, hidden, first, last);
}

void swiftbert_residual_dropout_backward(
    float *d_branch, float *d_skip, const float *d_output, const float *mask, long count) {
    if (!chosen_residual_dropout_backward) choose();
    chosen_residual_dropout_backward(d_branch, d_skip, d_output, mask, count);
}

void swiftbert_accumulate_column_sums(
    float *sums, const float *matrix, long rows, long columns, long first, long last) {
    if (!chosen_column_sums) choose();
    chosen_column_sums(sums, matrix, rows, columns, first, last);
}

void swiftbert_transpose_rows(
    float *output, const float *input, long rows, long columns, long first, long last) {
    if (!chosen_transpose_rows) choose();
    chosen_transpose_rows(output, input, rows, columns, first, last);
}

void swiftbert_round_in_place_to_bf16(float *values, long count) {
    if (!chosen_round_in_place) choose();
    chosen_round_in_place(values, count);
}

void swiftbert_softmax_rows(float *rows, long count, long length) {
    if (!chosen_softmax) choose();
    chosen_softmax(rows, count, length);
}

void swiftbert_dropout_mask DROPOUT_SIGNATURE {
    if (!chosen_dropout) choose();
    chosen_dropout(mask, output, input, residual, count, seed, first_element, probability, scale);
}
