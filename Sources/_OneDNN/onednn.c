// swift-bert: oneDNN matrix products behind a BLAS-like call.
//
// Why primitives and not dnnl_sgemm: oneDNN 2.6's BLAS-like API has no bf16 entry point, and
// its matmul primitive is the one that reaches the AMX and AVX-512 brgemm kernels. A
// primitive is made once per shape and per thread (creating one JIT-compiles kernels:
// 0.7 ms for fp32, 2.8 ms for bf16 on a Xeon with AMX), kept in a thread-local table with
// its memory objects, and re-pointed at new data with dnnl_memory_set_data_handle.
//
// Threads: the project's pool splits large products and calls this from each of its
// threads. oneDNN is built with OpenMP; its team size is set to 1 in each calling thread
// before the first primitive is made there, so no OpenMP workers exist to spin against the
// pool (one set of threads on the machine).

#include "swiftbert_onednn.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

int swiftbert_cpu_has_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
#else
    return 0;
#endif
}

#if defined(__linux__) && __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>

extern void omp_set_num_threads(int count);

static dnnl_engine_t engine = NULL;
static int engine_ready = 0;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static _Atomic long created = 0;
static _Atomic long executions = 0;

static void start_engine(void) {
    engine_ready = dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success;
}

int swiftbert_onednn_available(void) {
    pthread_once(&engine_once, start_engine);
    return engine_ready;
}

unsigned swiftbert_onednn_isa(void) { return (unsigned)dnnl_get_effective_cpu_isa(); }

int swiftbert_onednn_has_bf16(void) {
    unsigned isa = swiftbert_onednn_isa();
    return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

int swiftbert_onednn_has_amx(void) {
    unsigned isa = swiftbert_onednn_isa();
    return (isa & dnnl_cpu_isa_avx512_core_amx) == dnnl_cpu_isa_avx512_core_amx;
}

const char *swiftbert_onednn_version(void) {
    static char text[32];
    const dnnl_version_t *v = dnnl_version();
    snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
    return text;
}

typedef struct {
    int type, transpose_a, transpose_b;
    long m, n, k, lda, ldb, ldc;
    uint32_t alpha, beta;
    int has_bias;
} shape_t;

typedef struct {
    shape_t shape;
    int used;
    dnnl_primitive_t primitive;
    dnnl_memory_t a, b, c, bias;
} entry_t;

enum { TABLE_SIZE = 4096, TABLE_LIMIT = 3 * TABLE_SIZE / 4 };

typedef struct {
    entry_t entries[TABLE_SIZE];
    int count;
    dnnl_stream_t stream;
} table_t;

static _Thread_local table_t *thread_table = NULL;
static _Thread_local int in_call = 0;

int swiftbert_onednn_in_call(void) { return in_call; }

long swiftbert_onednn_primitives_created(void) { return atomic_load(&created); }

long swiftbert_onednn_executions(void) { return atomic_load(&executions); }

static uint64_t hash_shape(const shape_t *s) {
    const unsigned char *bytes = (const unsigned char *)s;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof *s; ++i) h = (h ^ bytes[i]) * 1099511628211ULL;
    return h;
}

static void release(entry_t *e) {
    dnnl_primitive_destroy(e->primitive);
    dnnl_memory_destroy(e->a);
    dnnl_memory_destroy(e->b);
    dnnl_memory_destroy(e->c);
    if (e->bias) dnnl_memory_destroy(e->bias);
    e->bias = NULL;
    e->used = 0;
}

/// The memory descriptors of a row-major product: transposes are strides.
static dnnl_status_t describe(
    const shape_t *s, dnnl_memory_desc_t *a, dnnl_memory_desc_t *b, dnnl_memory_desc_t *c) {
    dnnl_data_type_t type = s->type == SWIFTBERT_ONEDNN_BF16 ? dnnl_bf16 : dnnl_f32;
    dnnl_dims_t a_dims = {s->m, s->k}, b_dims = {s->k, s->n}, c_dims = {s->m, s->n};
    dnnl_dims_t a_strides = {s->lda, 1}, b_strides = {s->ldb, 1}, c_strides = {s->ldc, 1};
    if (s->transpose_a) { a_strides[0] = 1; a_strides[1] = s->lda; }
    if (s->transpose_b) { b_strides[0] = 1; b_strides[1] = s->ldb; }
    dnnl_status_t status = dnnl_memory_desc_init_by_strides(a, 2, a_dims, type, a_strides);
    if (status == dnnl_success)
        status = dnnl_memory_desc_init_by_strides(b, 2, b_dims, type, b_strides);
    if (status == dnnl_success)
        status = dnnl_memory_desc_init_by_strides(c, 2, c_dims, dnnl_f32, c_strides);
    return status;
}

static dnnl_status_t make_descriptor(const shape_t *s, dnnl_primitive_desc_t *pd,
    dnnl_memory_desc_t *a, dnnl_memory_desc_t *b, dnnl_memory_desc_t *c,
    dnnl_memory_desc_t *bias) {
    dnnl_status_t status = describe(s, a, b, c);
    if (status != dnnl_success) return status;
    if (s->has_bias) {  // fp32 [1, n], broadcast over the rows (the matmul's epilogue adds it)
        dnnl_dims_t bias_dims = {1, s->n};
        status = dnnl_memory_desc_init_by_tag(bias, 2, bias_dims, dnnl_f32, dnnl_ab);
        if (status != dnnl_success) return status;
    }
    dnnl_matmul_desc_t desc;
    status = dnnl_matmul_desc_init(&desc, a, b, s->has_bias ? bias : NULL, c);
    if (status != dnnl_success) return status;
    dnnl_primitive_attr_t attr;
    status = dnnl_primitive_attr_create(&attr);
    if (status != dnnl_success) return status;
    float alpha, beta;
    memcpy(&alpha, &s->alpha, sizeof alpha);
    memcpy(&beta, &s->beta, sizeof beta);
    if (alpha != 1.0f) status = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
    dnnl_post_ops_t post_ops = NULL;
    if (status == dnnl_success && beta != 0.0f) {
        status = dnnl_post_ops_create(&post_ops);
        if (status == dnnl_success) status = dnnl_post_ops_append_sum(post_ops, beta);
        if (status == dnnl_success) status = dnnl_primitive_attr_set_post_ops(attr, post_ops);
    }
    if (status == dnnl_success) status = dnnl_primitive_desc_create(pd, &desc, attr, engine, NULL);
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    dnnl_primitive_attr_destroy(attr);
    return status;
}

static dnnl_status_t create(entry_t *e, const shape_t *s) {
    dnnl_primitive_desc_t pd;
    dnnl_memory_desc_t a, b, c, bias;
    dnnl_status_t status = make_descriptor(s, &pd, &a, &b, &c, &bias);
    if (status != dnnl_success) return status;
    status = dnnl_primitive_create(&e->primitive, pd);
    dnnl_primitive_desc_destroy(pd);
    if (status != dnnl_success) return status;
    dnnl_memory_create(&e->a, &a, engine, DNNL_MEMORY_NONE);
    dnnl_memory_create(&e->b, &b, engine, DNNL_MEMORY_NONE);
    dnnl_memory_create(&e->c, &c, engine, DNNL_MEMORY_NONE);
    e->bias = NULL;
    if (s->has_bias) dnnl_memory_create(&e->bias, &bias, engine, DNNL_MEMORY_NONE);
    e->shape = *s;
    e->used = 1;
    atomic_fetch_add(&created, 1);
    return dnnl_success;
}

static table_t *table_of_this_thread(void) {
    if (thread_table) return thread_table;
    omp_set_num_threads(1);
    table_t *table = calloc(1, sizeof *table);
    if (!table) return NULL;
    if (dnnl_stream_create(&table->stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        free(table);
        return NULL;
    }
    thread_table = table;
    return table;
}

static int gemm_in_call(
    int type, int transpose_a, int transpose_b, long m, long n, long k, float alpha,
    const void *a, long lda, const void *b, long ldb, const float *bias, float beta, float *c,
    long ldc);

int swiftbert_onednn_gemm(
    int type, int transpose_a, int transpose_b, long m, long n, long k, float alpha,
    const void *a, long lda, const void *b, long ldb, const float *bias, float beta, float *c,
    long ldc) {
    if (!swiftbert_onednn_available()) return dnnl_runtime_error;
    in_call = 1;
    int status = gemm_in_call(type, transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb,
        bias, beta, c, ldc);
    in_call = 0;
    return status;
}

static int gemm_in_call(
    int type, int transpose_a, int transpose_b, long m, long n, long k, float alpha,
    const void *a, long lda, const void *b, long ldb, const float *bias, float beta, float *c,
    long ldc) {
    table_t *table = table_of_this_thread();
    if (!table) return dnnl_out_of_memory;
    shape_t s;
    memset(&s, 0, sizeof s);  // padding bytes take part in the hash and comparison
    s.type = type; s.transpose_a = transpose_a != 0; s.transpose_b = transpose_b != 0;
    s.m = m; s.n = n; s.k = k; s.lda = lda; s.ldb = ldb; s.ldc = ldc;
    memcpy(&s.alpha, &alpha, sizeof alpha);
    memcpy(&s.beta, &beta, sizeof beta);
    s.has_bias = bias != NULL;
    size_t slot = hash_shape(&s) % TABLE_SIZE;
    while (table->entries[slot].used && memcmp(&table->entries[slot].shape, &s, sizeof s) != 0)
        slot = (slot + 1) % TABLE_SIZE;
    entry_t *e = &table->entries[slot];
    if (!e->used) {
        if (table->count >= TABLE_LIMIT) {  // a full table starts over (rare: shapes repeat)
            for (int i = 0; i < TABLE_SIZE; ++i)
                if (table->entries[i].used) release(&table->entries[i]);
            table->count = 0;
            slot = hash_shape(&s) % TABLE_SIZE;
            e = &table->entries[slot];
        }
        dnnl_status_t status = create(e, &s);
        if (status != dnnl_success) return status;
        table->count += 1;
    }
    dnnl_memory_set_data_handle(e->a, (void *)a);
    dnnl_memory_set_data_handle(e->b, (void *)b);
    dnnl_memory_set_data_handle(e->c, c);
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, e->a}, {DNNL_ARG_WEIGHTS, e->b}, {DNNL_ARG_DST, e->c},
        {DNNL_ARG_BIAS, e->bias}};
    if (bias) dnnl_memory_set_data_handle(e->bias, (void *)bias);
    atomic_fetch_add_explicit(&executions, 1, memory_order_relaxed);
    return dnnl_primitive_execute(e->primitive, table->stream, bias ? 4 : 3, args);
}

int swiftbert_onednn_implementation(
    int type, long m, long n, long k, char *buffer, long capacity) {
    if (capacity < 1) return dnnl_invalid_arguments;
    buffer[0] = 0;
    if (!swiftbert_onednn_available()) return dnnl_runtime_error;
    table_of_this_thread();
    shape_t s;
    memset(&s, 0, sizeof s);
    s.type = type; s.m = m; s.n = n; s.k = k; s.lda = k; s.ldb = n; s.ldc = n;
    float one = 1.0f, zero = 0.0f;
    memcpy(&s.alpha, &one, sizeof one);
    memcpy(&s.beta, &zero, sizeof zero);
    dnnl_primitive_desc_t pd;
    dnnl_memory_desc_t a, b, c, bias;
    dnnl_status_t status = make_descriptor(&s, &pd, &a, &b, &c, &bias);
    if (status != dnnl_success) return status;
    const char *name = NULL;
    status = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    if (status == dnnl_success && name) snprintf(buffer, (size_t)capacity, "%s", name);
    dnnl_primitive_desc_destroy(pd);
    return status;
}

#else  // no oneDNN (macOS, or a Linux without libdnnl-dev): the backend is unavailable.

int swiftbert_onednn_available(void) { return 0; }
unsigned swiftbert_onednn_isa(void) { return 0; }
int swiftbert_onednn_has_bf16(void) { return 0; }
int swiftbert_onednn_has_amx(void) { return 0; }
const char *swiftbert_onednn_version(void) { return "none"; }
int swiftbert_onednn_gemm(
    int type, int transpose_a, int transpose_b, long m, long n, long k, float alpha,
    const void *a, long lda, const void *b, long ldb, const float *bias, float beta, float *c,
    long ldc) {
    (void)type; (void)transpose_a; (void)transpose_b; (void)m; (void)n; (void)k; (void)alpha;
    (void)a; (void)lda; (void)b; (void)ldb; (void)bias; (void)beta; (void)c; (void)ldc;
    return -1;
}
int swiftbert_onednn_implementation(
    int type, long m, long n, long k, char *buffer, long capacity) {
    (void)type; (void)m; (void)n; (void)k;
    if (capacity > 0) buffer[0] = 0;
    return -1;
}
long swiftbert_onednn_primitives_created(void) { return 0; }
long swiftbert_onednn_executions(void) { return 0; }
int swiftbert_onednn_in_call(void) { return 0; }

#endif
