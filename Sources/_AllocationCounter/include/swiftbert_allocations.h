// swift-bert: counts heap allocations, for the tests that assert a training step makes none.
#ifndef SWIFT_BERT_ALLOCATIONS_H
#define SWIFT_BERT_ALLOCATIONS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this platform's allocator can be counted (glibc; elsewhere the counter stays 0).
int swiftbert_allocations_supported(void);

/// Starts counting the allocations made on the calling thread and on thread-pool workers.
void swiftbert_allocations_start(void);

/// Stops counting and returns the number counted since `swiftbert_allocations_start`,
/// those made inside oneDNN calls excluded.
long swiftbert_allocations_stop(void);
/// The allocations made inside oneDNN calls (its primitive creation and the argument map of
/// each execution) during the last count.
long swiftbert_allocations_inside_onednn(void);

#ifdef __cplusplus
}
#endif

#endif
