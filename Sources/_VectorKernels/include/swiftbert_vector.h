// swift-bert: loops in C, compiled for AVX-512, AVX2 and baseline and picked at run time:
// fp32 → bf16 conversions, small GEMMs, AdamW, GELU and dropout masks.
#ifndef SWIFT_BERT_VECTOR_H
#define SWIFT_BERT_VECTOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rows `first..<last` of a `[rows, columns]` fp32 matrix with row stride `stride`, rounded to
/// bf16 (nearest, ties to even; NaN to 0x7FC0, as c10::BFloat16) into a dense matrix: as bits
/// into `bits` when it is non-NULL, else as fp32 values into `floats`.
void swiftbert_round_rows_to_bf16(
    const float *source, long first, long last, long columns, long stride, uint16_t *bits,
    float *floats);

/// The largest `m·n·k` that `swiftbert_small_gemm` takes.
#define SWIFTBERT_SMALL_GEMM_LIMIT (1L << 19)
/// The largest `n` (and, with `transpose_b`, `k·n`) that `swiftbert_small_gemm` takes.
#define SWIFTBERT_SMALL_GEMM_SCRATCH (1L << 16)

/// Row-major fp32 `C = alpha·op(A)·op(B) + beta·C` for small products (attention's per-head
/// blocks, a 2-label classifier), on the calling thread with no allocation: each row of C
/// is built 64 columns at a time by adding `A[i][p]·B[p][:]` over `p` in order, the sums held
/// in registers (B transposed first into thread-local scratch when `transpose_b`), vectorized
/// for the CPU at hand. With
/// `beta == 0`, `C` is only written. Requires `n ≤ SWIFTBERT_SMALL_GEMM_SCRATCH` and, with
/// `transpose_b`, `k·n ≤ SWIFTBERT_SMALL_GEMM_SCRATCH`.
void swiftbert_small_gemm(
    int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a,
    long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// Rows `first..<last` of a dense `[rows, columns]` fp32 matrix transposed into `output`, a
/// dense `[columns, rows]` one: `output[p·rows + j] = input[j·columns + p]` for
/// `first ≤ j < last`, in 8 × 8 register tiles. A copy: the same values on every instruction
/// set; threads given disjoint row ranges write disjoint elements.
void swiftbert_transpose_rows(
    float *output, const float *input, long rows, long columns, long first, long last);

/// The scalars of one AdamW update (see Kernels/AdamW.swift for their meaning).
typedef struct {
    float decay, lerp_coefficient, beta2, one_minus_beta2, negative_step_size;
    float bias_correction2_sqrt, epsilon, gradient_scale;
    int small_weight;
} swiftbert_adamw_scalars;

/// One AdamW update of elements `first..<last`, in PyTorch's float operations and order
/// (two fused multiply-adds, a correctly rounded square root, no other contraction):
/// `g = grad·scale; p = p·decay; m = fma(c, g − m, small ? m : g);
/// v = fma((1 − β₂)·g, g, v·β₂); p = p + (−step·m) / (√v / √(1 − β₂ᵗ) + ε)`; with `copy`
/// non-NULL, also writes each new parameter's bf16 bits there; with `zero` non-NULL (the
/// gradients themselves), sets each gradient to 0 once read (the next step's `zero_grad`).
void swiftbert_adamw(
    float *parameters, const float *gradients, float *first_moment, float *second_moment,
    uint16_t *copy, float *zero, long first, long last, const swiftbert_adamw_scalars *scalars);

/// Σ values[i]² in Double (each element widened exactly), in one fixed order of additions
/// on every instruction set: 16 interleaved lanes, added pairwise, then the tail.
double swiftbert_sum_squares(const float *values, long count);

/// Exact GELU over elements `first..<last`: `output = x·0.5·(1 + erf(x/√2))`, with the
/// erf of PyTorch's vectorized formula and a Cephes exp (both in vector.c, `gelu_erf` and
/// `gelu_exp`); with `bits` non-NULL, the output rounded to bf16 too (and only that when
/// `output` is NULL).
void swiftbert_gelu_forward(
    float *output, uint16_t *bits, const float *input, long first, long last);

/// GELU's backward over `first..<last`: `dInput += dOutput·(Φ(x) + x·φ(x))`, or `=` when
/// `accumulate` is 0 (a fresh buffer, with no zeroing pass first).
void swiftbert_gelu_backward(
    float *d_input, const float *d_output, const float *input, long first, long last,
    int accumulate);

/// LayerNorm's forward over rows `first..<last` of `[rows, hidden]` (Kernels' LayerNorm, whose
/// arithmetic it is): each row's mean and `1/sqrt(variance + epsilon)` saved, `output =
/// ((x − mean)·rstd)·weight + bias`, and with `bits` non-NULL the output rounded to bf16 too.
/// `output` must not overlap `input`.
void swiftbert_layer_norm_forward(
    float *output, uint16_t *bits, float *mean, float *rstd, const float *input,
    const float *weight, const float *bias, long first, long last, long hidden,
    double epsilon);

/// LayerNorm's input gradient over rows `first..<last`: `dInput (+)= rstd·(g − mean(g) −
/// x̂·mean(g·x̂))` with `g = dOutput·weight` (row means in Double); `=` when `accumulate` is 0.
void swiftbert_layer_norm_backward(
    float *d_input, const float *d_output, const float *input, const float *mean,
    const float *rstd, const float *weight, long first, long last, long hidden, int accumulate);

/// LayerNorm's parameter gradients over columns `first..<last`: `dWeight += Σ dOutput·x̂`,
/// `dBias += Σ dOutput`, the rows added in order.
void swiftbert_layer_norm_parameter_sums(
    float *d_weight, float *d_bias, const float *d_output, const float *input, const float *mean,
    const float *rstd, long rows, long hidden, long first, long last);

/// The backward of `output = dropout(branch) + skip`: `d_branch = d_output·mask` and, when
/// `d_skip` is non-NULL, `d_skip = d_output`, both overwritten; no buffer may overlap another.
void swiftbert_residual_dropout_backward(
    float *d_branch, float *d_skip, const float *d_output, const float *mask, long count);

/// `sums[c] += matrix[0][c] + matrix[1][c] + …` for columns `first..<last` of a row-major
/// `[rows, columns]` matrix, adding the rows one after the other in order (the same bits on
/// every instruction set). `sums` must not overlap `matrix`.
void swiftbert_accumulate_column_sums(
    float *sums, const float *matrix, long rows, long columns, long first, long last);

/// `values[i]` rounded to the nearest bf16 and widened back, in place, for `i < count`.
void swiftbert_round_in_place_to_bf16(float *values, long count);

/// Softmax of each of `count` rows of `length` floats, in place, as torch.softmax(dim=-1):
/// the row's maximum subtracted, exp (GELU's), the sum in Double, times its reciprocal; the
/// same bits on every instruction set.
void swiftbert_softmax_rows(float *rows, long count, long length);

/// Dropout factors for elements `first_element..<first_element + count` of one sequence's
/// block at one dropout site, whose key is `seed`: element `j` (`mask[j − first_element]`) is
/// `scale` when `(b >> 40)·2⁻²⁴ ≥ probability` and 0 otherwise, where `b` is SplitMix64's
/// output number `j + 1` from state `seed` (its finalizer applied to `seed + (j + 1)·γ`,
/// γ = 0x9E3779B97F4A7C15). Stateless: any range gives the same factors as the whole block.
/// With `output` non-NULL, also writes `output[i] = input[i]·mask[i]` (`output` may be
/// `input`), plus `residual[i]` when `residual` is non-NULL (a residual block's
/// `dropout(branch) + skip`; `output` may be `residual` too).
void swiftbert_dropout_mask(
    float *restrict mask, float *output, const float *input, const float *residual, long count,
    uint64_t seed, uint64_t first_element, float probability, float scale);

/// Which instruction set the conversion runs on here ("avx512f", "avx2" or "baseline").
const char *swiftbert_convert_isa(void);

#ifdef __cplusplus
}
#endif

#endif
