// swift-bert: counts heap allocations, for the tests that assert a training step makes none.
//
// On glibc, a program may replace malloc and its relatives; these forward to glibc's own
// (__libc_malloc and friends), so memory from either side can be freed by the other. Linked
// into the test bundle only. Counted: the thread that called start, and thread-pool workers
// while it runs (the kernels' other threads); XCTest's own threads are not.

#define _GNU_SOURCE
#include "swiftbert_allocations.h"

#include <stdatomic.h>
#include <stddef.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <errno.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern int swiftbert_pool_in_task(void) __attribute__((weak));
extern int swiftbert_onednn_in_call(void) __attribute__((weak));

static _Atomic int armed = 0;
static _Atomic long counted = 0;
static _Atomic long counted_in_onednn = 0;
static _Thread_local int counting_thread = 0;

static inline void note_allocation(void) {
    if (!atomic_load_explicit(&armed, memory_order_relaxed)) return;
    if (counting_thread || (swiftbert_pool_in_task && swiftbert_pool_in_task())) {
        int in_onednn = swiftbert_onednn_in_call && swiftbert_onednn_in_call();
        atomic_fetch_add_explicit(in_onednn ? &counted_in_onednn : &counted, 1, memory_order_relaxed);
    }
}

void *malloc(size_t size) {
    note_allocation();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    note_allocation();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    note_allocation();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    note_allocation();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    note_allocation();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    note_allocation();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

int swiftbert_allocations_supported(void) { return 1; }

void swiftbert_allocations_start(void) {
    atomic_store(&counted, 0);
    atomic_store(&counted_in_onednn, 0);
    counting_thread = 1;
    atomic_store(&armed, 1);
}

long swiftbert_allocations_stop(void) {
    atomic_store(&armed, 0);
    counting_thread = 0;
    return atomic_load(&counted);
}

long swiftbert_allocations_inside_onednn(void) { return atomic_load(&counted_in_onednn); }

#else

int swiftbert_allocations_supported(void) { return 0; }
void swiftbert_allocations_start(void) {}
long swiftbert_allocations_stop(void) { return 0; }
long swiftbert_allocations_inside_onednn(void) { return 0; }

#endif
