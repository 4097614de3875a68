// swift-bert: the one thread pool every parallel kernel runs on.
//
// Why our own pool: OpenBLAS's worker threads spin after each GEMM while Dispatch's workers
// run the elementwise kernels, and on a 2-core machine the two pools fight (perf showed 14 %
// of a training step in sched_yield). Here OpenBLAS runs single-threaded inside our tasks,
// so one set of threads does all the work. Workers spin briefly between jobs (kernels come
// back to back), then sleep on a condition variable. A job lives on the caller's stack and
// is claimed index by index, so a run allocates nothing.

#define _GNU_SOURCE
#include "swiftbert_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SWIFTBERT_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define SWIFTBERT_RELAX() __asm__ __volatile__("yield")
#else
#define SWIFTBERT_RELAX() ((void)0)
#endif

enum { MAX_WORKERS = 255 };

typedef struct {
    swiftbert_pool_task task;
    void *context;
    long iterations;
    int helpers;             // workers allowed to join: threads - 1
    _Atomic long next;       // the next index to claim
    _Atomic long remaining;  // indices not finished yet
} job_t;

static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_up = PTHREAD_COND_INITIALIZER;
static _Atomic(job_t *) current_job = NULL;
static _Atomic unsigned long generation = 0;  // bumped once per job
static _Atomic int users = 0;                 // workers that may be reading current_job
static _Atomic int sleepers = 0;
static _Atomic long spin_nanoseconds = 200000;
static int worker_count = 0;  // guarded by submit_lock
static _Thread_local int in_task = 0;

static long now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void work_on(job_t *job) {
    long count = job->iterations;
    for (;;) {
        long index = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);
        if (index >= count) return;
        job->task(job->context, index);
        atomic_fetch_sub_explicit(&job->remaining, 1, memory_order_release);
    }
}

/// Waits until `generation` differs from `seen`: spinning first, then sleeping.
static unsigned long wait_for_job(unsigned long seen) {
    unsigned long now = atomic_load_explicit(&generation, memory_order_acquire);
    if (now != seen) return now;
    long deadline = now_nanoseconds() + atomic_load_explicit(&spin_nanoseconds, memory_order_relaxed);
    for (int polls = 1;; ++polls) {
        SWIFTBERT_RELAX();
        now = atomic_load_explicit(&generation, memory_order_acquire);
        if (now != seen) return now;
        if (polls % 64 == 0 && now_nanoseconds() > deadline) break;
    }
    pthread_mutex_lock(&sleep_lock);
    // Dekker-style with the submitter: it bumps generation, then reads sleepers; we bump
    // sleepers, then read generation (both sequentially consistent), so one of us sees the other.
    atomic_fetch_add(&sleepers, 1);
    while ((now = atomic_load(&generation)) == seen) pthread_cond_wait(&wake_up, &sleep_lock);
    atomic_fetch_sub(&sleepers, 1);
    pthread_mutex_unlock(&sleep_lock);
    return now;
}

static void *worker_main(void *argument) {
    int id = (int)(long)argument;
    in_task = 1;  // a worker only ever runs tasks: nested runs stay on it
    unsigned long seen = atomic_load(&generation);
    for (;;) {
        seen = wait_for_job(seen);
        // The submitter clears current_job and then waits for users == 0 before its job
        // (on its stack) goes away, so a job read here stays valid until users is decremented.
        atomic_fetch_add(&users, 1);
        job_t *job = atomic_load(&current_job);
        if (job != NULL && id < job->helpers) work_on(job);
        atomic_fetch_sub_explicit(&users, 1, memory_order_release);
    }
    return NULL;
}

static void run_inline(long iterations, swiftbert_pool_task task, void *context) {
    int was_in_task = in_task;
    in_task = 1;
    for (long index = 0; index < iterations; ++index) task(context, index);
    in_task = was_in_task;
}

void swiftbert_pool_run(long iterations, swiftbert_pool_task task, void *context, int threads) {
    if (iterations <= 0) return;
    if (iterations == 1 || threads <= 1 || in_task) {
        run_inline(iterations, task, context);
        return;
    }
    if (pthread_mutex_trylock(&submit_lock) != 0) {  // another thread's job is running
        run_inline(iterations, task, context);
        return;
    }
    long helpers = (long)threads - 1;
    if (helpers > iterations - 1) helpers = iterations - 1;
    if (helpers > MAX_WORKERS) helpers = MAX_WORKERS;
    while (worker_count < helpers) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker_main, (void *)(long)worker_count) != 0) break;
        pthread_detach(thread);
        worker_count += 1;
    }
    if (helpers > worker_count) helpers = worker_count;

    job_t job = {task, context, iterations, (int)helpers, 0, iterations};
    atomic_store(&current_job, &job);
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake_up);
        pthread_mutex_unlock(&sleep_lock);
    }
    in_task = 1;
    work_on(&job);
    in_task = 0;
    while (atomic_load_explicit(&job.remaining, memory_order_acquire) > 0) SWIFTBERT_RELAX();
    atomic_store(&current_job, NULL);
    while (atomic_load(&users) > 0) SWIFTBERT_RELAX();
    pthread_mutex_unlock(&submit_lock);
}

int swiftbert_pool_in_task(void) { return in_task; }

void swiftbert_pool_set_spin_microseconds(long microseconds) {
    atomic_store(&spin_nanoseconds, microseconds < 0 ? 0 : microseconds * 1000);
}
