// swift-bert: the one thread pool every parallel kernel runs on.
#ifndef SWIFT_BERT_POOL_H
#define SWIFT_BERT_POOL_H

#ifdef __cplusplus
extern "C" {
#endif

/// A task body: called once per index of a job.
typedef void (*swiftbert_pool_task)(void *context, long index);

/// Runs `task(context, i)` for every `i` in `0..<iterations` on the calling thread and up to
/// `threads - 1` pool workers, returning when all have finished.
///
/// Which thread runs which index is not fixed; callers make every index write its own memory.
/// A call made from inside a task, or while another thread's job is running, runs all of its
/// indices on the calling thread. Allocates nothing after the first call that needs workers.
void swiftbert_pool_run(long iterations, swiftbert_pool_task task, void *context, int threads);

/// Whether the calling thread is running a task of the pool.
int swiftbert_pool_in_task(void);

/// How long an idle worker spins before it sleeps, in microseconds (default 200).
void swiftbert_pool_set_spin_microseconds(long microseconds);

#ifdef __cplusplus
}
#endif

#endif
