// swift-bert benchmark: bert-base's bf16 products, one at a time, through the primitives
// the oneDNN backend uses (Sources/_OneDNN/onednn.c), on one thread.
//
// Each shape is one thread's part of a 32 × 64 step (2,048 tokens): half the rows of a
// forward or dInput product, half the output rows of a dWeight product. Prints the time and
// GFLOPS of each, to compare with one core's bf16 peak. Build and run from the repository
// root (libdnnl-dev installed, OPENBLAS_* irrelevant):
//
//   clang -O2 -I Sources/_OneDNN/include Benchmarks/onednn_shapes.c Sources/_OneDNN/onednn.c \
//       -ldnnl -lgomp -lpthread -o /tmp/onednn_shapes && /tmp/onednn_shapes
#include "swiftbert_onednn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
} shape_t;

int main(void) {
    if (!swiftbert_onednn_available()) {
        fprintf(stderr, "oneDNN is not available\n");
        return 1;
    }
    const long t = 1024, h = 768, inter = 3072;  // half of 2,048 tokens; bert-base's widths
    const shape_t shapes[] = {
        {"forward QKV      [T,h]·[3h,h]ᵀ", 0, 1, t, 3 * h, h},
        {"forward inter    [T,h]·[I,h]ᵀ", 0, 1, t, inter, h},
        {"forward output   [T,I]·[h,I]ᵀ", 0, 1, t, h, inter},
        {"dInput QKV       [T,3h]·[3h,h]", 0, 0, t, h, 3 * h},
        {"dInput inter     [T,I]·[I,h]", 0, 0, t, h, inter},
        {"dInput output    [T,h]·[h,I]", 0, 0, t, inter, h},
        {"dWeight QKV      [2T,3h]ᵀ·[2T,h]", 1, 0, 3 * h / 2, h, 2 * t},
        {"dWeight inter    [2T,I]ᵀ·[2T,h]", 1, 0, inter / 2, h, 2 * t},
        {"dWeight output   [2T,h]ᵀ·[2T,I]", 1, 0, h, inter / 2, 2 * t},
    };
    const size_t count = 4096L * 4096L;
    uint16_t *a = malloc(count * 2), *b = malloc(count * 2);
    float *c = malloc(count * 4);
    if (!a || !b || !c) return 1;
    for (size_t i = 0; i < count; ++i) {
        a[i] = (uint16_t)(0x3f80 + i % 7);  // bf16 values near 1 and 0.5
        b[i] = (uint16_t)(0x3f00 + i % 5);
        c[i] = 0;
    }
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
        const shape_t s = shapes[i];
        const long lda = s.transpose_a ? s.m : s.k, ldb = s.transpose_b ? s.k : s.n;
        // The first call makes the primitive; the timed ones reuse it.
        swiftbert_onednn_gemm(SWIFTBERT_ONEDNN_BF16, s.transpose_a, s.transpose_b, s.m, s.n, s.k,
            1.0f, a, lda, b, ldb, NULL, 0.0f, c, s.n);
        const int repeats = 5;
        const double start = now();
        for (int r = 0; r < repeats; ++r)
            swiftbert_onednn_gemm(SWIFTBERT_ONEDNN_BF16, s.transpose_a, s.transpose_b, s.m, s.n,
                s.k, 1.0f, a, lda, b, ldb, NULL, 1.0f, c, s.n);
        const double seconds = (now() - start) / repeats;
        printf("%-36s %6.2f ms %6.0f GFLOPS (one thread)\n", s.name, seconds * 1e3,
            2.0 * s.m * s.n * s.k / seconds / 1e9);
    }
    free(a);
    free(b);
    free(c);
    return 0;
}
