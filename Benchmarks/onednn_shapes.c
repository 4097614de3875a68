// swift-bert benchmark: bert-base's products, one at a time, through the primitives the
// oneDNN backend uses (Sources/_OneDNN/onednn.c), on one thread.
//
// Each shape is one thread's part of a 32 × 64 step (2,048 tokens): half the rows of a
// forward or dInput product, half the output rows of a dWeight product. Prints the time and
// GFLOPS of each and the implementation oneDNN picked, to compare with one core's peak.
// Inputs are bf16 (fp32 with the argument `f32`); the output is fp32. Build and run from the
// repository root (libdnnl-dev installed, OPENBLAS_* irrelevant):
//
//   clang -O2 -I Sources/_OneDNN/include Benchmarks/onednn_shapes.c Sources/_OneDNN/onednn.c \
//       -ldnnl -lgomp -lpthread -o /tmp/onednn_shapes && /tmp/onednn_shapes [f32]
//
// Benchmarks/linear_shapes.py builds it and times the same products in PyTorch beside it.
#include "swiftbert_onednn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    const char *name;
    int transpose_a, transpose_b;
    long m, n, k;
    float beta;  // as the model calls it: backward products accumulate into C
} shape_t;

int main(int argc, char **argv) {
    const int f32 = argc > 1 && strcmp(argv[1], "f32") == 0;
    const int type = f32 ? SWIFTBERT_ONEDNN_F32 : SWIFTBERT_ONEDNN_BF16;
    if (!swiftbert_onednn_available()) {
        fprintf(stderr, "oneDNN is not available\n");
        return 1;
    }
    const long t = 1024, h = 768, inter = 3072;  // half of 2,048 tokens; bert-base's widths
    const shape_t shapes[] = {
        {"forward QKV      [T,h]·[3h,h]ᵀ", 0, 1, t, 3 * h, h, 0},
        {"forward inter    [T,h]·[I,h]ᵀ", 0, 1, t, inter, h, 0},
        {"forward output   [T,I]·[h,I]ᵀ", 0, 1, t, h, inter, 0},
        {"dInput QKV       [T,3h]·[3h,h]", 0, 0, t, h, 3 * h, 1},
        {"dInput inter     [T,I]·[I,h]", 0, 0, t, h, inter, 1},
        {"dInput output    [T,h]·[h,I]", 0, 0, t, inter, h, 0},
        {"dWeight QKV      [2T,3h]ᵀ·[2T,h]", 1, 0, 3 * h / 2, h, 2 * t, 1},
        {"dWeight inter    [2T,I]ᵀ·[2T,h]", 1, 0, inter / 2, h, 2 * t, 1},
        {"dWeight output   [2T,h]ᵀ·[2T,I]", 1, 0, h, inter / 2, 2 * t, 1},
    };
    const size_t count = 4096L * 4096L;
    uint16_t *a16 = malloc(count * 2), *b16 = malloc(count * 2);
    float *a32 = malloc(count * 4), *b32 = malloc(count * 4), *c = malloc(count * 4);
    if (!a16 || !b16 || !a32 || !b32 || !c) return 1;
    for (size_t i = 0; i < count; ++i) {
        a16[i] = (uint16_t)(0x3f80 + i % 7);  // bf16 values near 1 and 0.5
        b16[i] = (uint16_t)(0x3f00 + i % 5);
        a32[i] = 1.0f + (float)(i % 7) / 128;  // the same values in fp32
        b32[i] = 0.5f + (float)(i % 5) / 256;
        c[i] = 0;
    }
    const void *a = f32 ? (const void *)a32 : a16, *b = f32 ? (const void *)b32 : b16;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
        const shape_t s = shapes[i];
        const long lda = s.transpose_a ? s.m : s.k, ldb = s.transpose_b ? s.k : s.n;
        // The first call makes the primitive (one per beta); the timed ones reuse it.
        swiftbert_onednn_gemm(type, s.transpose_a, s.transpose_b, s.m, s.n, s.k, 1.0f, a, lda,
            b, ldb, NULL, s.beta, c, s.n);
        const int repeats = 5;
        const double start = now();
        for (int r = 0; r < repeats; ++r)
            swiftbert_onednn_gemm(type, s.transpose_a, s.transpose_b, s.m, s.n, s.k, 1.0f, a,
                lda, b, ldb, NULL, s.beta, c, s.n);
        const double seconds = (now() - start) / repeats;
        char implementation[64] = "?";
        swiftbert_onednn_implementation(
            type, s.m, s.n, s.k, implementation, sizeof implementation);
        printf("%-36s %6.2f ms %6.0f GFLOPS (one thread, %s %s, beta %g)\n", s.name,
            seconds * 1e3, 2.0 * s.m * s.n * s.k / seconds / 1e9, f32 ? "f32" : "bf16",
            implementation, s.beta);
    }
    free(a16);
    free(b16);
    free(a32);
    free(b32);
    free(c);
    return 0;
}
