// swift-bert: Open MPI loaded at run time (dlopen), for the Distributed module.
#ifndef SWIFT_BERT_MPI_H
#define SWIFT_BERT_MPI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Element types of a reduction.
enum { SWIFTBERT_MPI_FLOAT = 0, SWIFTBERT_MPI_DOUBLE = 1 };

/// Opens the Open MPI library at `path` (dlopen, RTLD_NOW | RTLD_GLOBAL) and resolves every
/// function and predefined handle the shim uses. Loading twice is a no-op. Returns 0, or -1
/// with a NUL-terminated message in `error` (at most `capacity` bytes).
int swiftbert_mpi_load(const char *path, char *error, long capacity);

/// `MPI_Init_thread(MPI_THREAD_SERIALIZED)`, `MPI_ERRORS_RETURN` on `MPI_COMM_WORLD`, a
/// duplicate of it for `swiftbert_mpi_iallgatherv_in_place`, then its rank and size.
/// Returns an MPI error code (0 on success); `*provided` is the thread level granted (0
/// single … 3 multiple).
int swiftbert_mpi_init(int *rank, int *size, int *provided);

/// Whether `MPI_Init_thread` has run (and `MPI_Finalize` has not).
int swiftbert_mpi_active(void);

/// `MPI_Finalize`. Returns an MPI error code.
int swiftbert_mpi_finalize(void);

/// `MPI_Abort(MPI_COMM_WORLD, code)`: ends every process of the job; does not return.
void swiftbert_mpi_abort(int code);

/// Writes `MPI_Error_string(code)` into `buffer` (NUL-terminated, at most `capacity` bytes).
void swiftbert_mpi_error_string(int code, char *buffer, long capacity);

/// `MPI_Wtime()`.
double swiftbert_mpi_wtime(void);

/// `MPI_Get_processor_name` into `buffer` (NUL-terminated). Returns an MPI error code.
int swiftbert_mpi_processor_name(char *buffer, long capacity);

/// `MPI_Allreduce(MPI_IN_PLACE, buffer, count, type, MPI_SUM, MPI_COMM_WORLD)`.
int swiftbert_mpi_allreduce_sum(void *buffer, int count, int type);

/// `MPI_Iallreduce(MPI_IN_PLACE, buffer, count, type, MPI_SUM, MPI_COMM_WORLD, request)`.
int swiftbert_mpi_iallreduce_sum(void *buffer, int count, int type, void **request);

/// `MPI_Alltoallv` of `type` elements (rank order: counts and displacements per rank).
int swiftbert_mpi_alltoallv(
    const void *send, const int *send_counts, const int *send_displacements, void *receive,
    const int *receive_counts, const int *receive_displacements, int type);

/// `MPI_Ialltoallv`; the four arrays must stay valid until the request completes.
int swiftbert_mpi_ialltoallv(
    const void *send, const int *send_counts, const int *send_displacements, void *receive,
    const int *receive_counts, const int *receive_displacements, int type, void **request);

/// `MPI_Allgatherv(MPI_IN_PLACE, …)` of `type` elements: rank r's part is already at
/// `buffer + displacements[r]`.
int swiftbert_mpi_allgatherv_in_place(
    void *buffer, const int *counts, const int *displacements, int type);

/// `MPI_Iallgatherv(MPI_IN_PLACE, …)` on the duplicate of `MPI_COMM_WORLD`, so that its
/// starts need only be ordered among themselves; the arrays must stay valid until the
/// request completes.
int swiftbert_mpi_iallgatherv_in_place(
    void *buffer, const int *counts, const int *displacements, int type, void **request);

/// `MPI_Wait` on one request (set to `MPI_REQUEST_NULL` when done).
int swiftbert_mpi_wait(void **request);

/// `MPI_Test` on one request: `*done` is 1 when it has completed (then set to
/// `MPI_REQUEST_NULL`). Also advances every other pending operation.
int swiftbert_mpi_test(void **request, int *done);

/// `MPI_Waitall` on `count` requests.
int swiftbert_mpi_waitall(int count, void **requests);

/// `MPI_Testall`: `*done` is 1 when all `count` requests have completed.
int swiftbert_mpi_testall(int count, void **requests, int *done);

/// `MPI_Bcast` of `count` bytes from `root`.
int swiftbert_mpi_broadcast_bytes(void *buffer, int count, int root);

/// `MPI_Allgather` of one int64 per rank (`receive` holds `size` values).
int swiftbert_mpi_allgather_int64(int64_t value, int64_t *receive);

/// `MPI_Gatherv` of bytes to `root` (`receive`, `counts`, `displacements` used at root only).
int swiftbert_mpi_gatherv_bytes(
    const void *send, int count, void *receive, const int *counts, const int *displacements,
    int root);

/// `MPI_Barrier(MPI_COMM_WORLD)`.
int swiftbert_mpi_barrier(void);

/// The value of `MPI_REQUEST_NULL` (a completed or unused request).
void *swiftbert_mpi_request_null(void);

#ifdef __cplusplus
}
#endif

#endif
