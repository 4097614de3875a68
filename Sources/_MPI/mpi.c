// swift-bert: Open MPI loaded at run time (dlopen), for the Distributed module.
//
// Why dlopen and not a link: `bert` run without mpirun must start on a machine that has no
// MPI at all, so libmpi is opened only when the environment says we run under mpirun.
// Without mpi.h at build time, the shim declares what it needs from Open MPI's ABI (4.x,
// soname libmpi.so.40): handles are pointers, and the predefined ones (MPI_COMM_WORLD,
// MPI_FLOAT, MPI_SUM, …) are the addresses of global objects (`ompi_mpi_comm_world`, …),
// found with dlsym. MPICH's integer handles are a different ABI, not supported here.

#include "swiftbert_mpi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef void *Handle;  // MPI_Comm, MPI_Datatype, MPI_Op, MPI_Errhandler, MPI_Request

// Open MPI 4.1's mpi.h: MPI_IN_PLACE is ((void *) 1), MPI_STATUS(ES)_IGNORE are NULL,
// MPI_THREAD_SERIALIZED is 2.
#define SB_IN_PLACE ((void *)1)
#define SB_THREAD_SERIALIZED 2

static struct {
    int loaded;
    int active;
    // A duplicate of MPI_COMM_WORLD for the second phase of rank-order bucketed sums, whose
    // start depends on when the first phase completes: collectives on one communicator must
    // start in the same order on every rank, so that phase gets a communicator of its own.
    Handle comm_phase2;
    Handle comm_world, type_float, type_double, type_byte, type_int64, op_sum, errors_return,
        request_null;
    int (*init_thread)(int *, char ***, int, int *);
    int (*finalize)(void);
    int (*abort)(Handle, int);
    int (*comm_set_errhandler)(Handle, Handle);
    int (*comm_dup)(Handle, Handle *);
    int (*comm_rank)(Handle, int *);
    int (*comm_size)(Handle, int *);
    int (*error_string)(int, char *, int *);
    double (*wtime)(void);
    int (*get_processor_name)(char *, int *);
    int (*allreduce)(const void *, void *, int, Handle, Handle, Handle);
    int (*iallreduce)(const void *, void *, int, Handle, Handle, Handle, Handle *);
    int (*alltoallv)(
        const void *, const int *, const int *, Handle, void *, const int *, const int *,
        Handle, Handle);
    int (*ialltoallv)(
        const void *, const int *, const int *, Handle, void *, const int *, const int *,
        Handle, Handle, Handle *);
    int (*allgatherv)(const void *, int, Handle, void *, const int *, const int *, Handle,
        Handle);
    int (*iallgatherv)(const void *, int, Handle, void *, const int *, const int *, Handle,
        Handle, Handle *);
    int (*wait)(Handle *, void *);
    int (*test)(Handle *, int *, void *);
    int (*waitall)(int, Handle *, void *);
    int (*testall)(int, Handle *, int *, void *);
    int (*bcast)(void *, int, Handle, int, Handle);
    int (*allgather)(const void *, int, Handle, void *, int, Handle, Handle);
    int (*gatherv)(const void *, int, Handle, void *, const int *, const int *, Handle, int,
        Handle);
    int (*barrier)(Handle);
} mpi;

static int resolve(void *library, const char *name, void **slot, char *error, long capacity) {
    *slot = dlsym(library, name);
    if (*slot != NULL) return 0;
    snprintf(error, (size_t)capacity, "symbol %s missing (not Open MPI 4.x?)", name);
    return -1;
}

int swiftbert_mpi_load(const char *path, char *error, long capacity) {
    if (mpi.loaded) return 0;
    // RTLD_GLOBAL: Open MPI's plugins (mca_*.so), which it dlopens itself, expect libmpi's
    // symbols to be global.
    void *library = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(error, (size_t)capacity, "%s", reason != NULL ? reason : "dlopen failed");
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } symbols[] = {
        {"ompi_mpi_comm_world", &mpi.comm_world},
        {"ompi_mpi_float", &mpi.type_float},
        {"ompi_mpi_double", &mpi.type_double},
        {"ompi_mpi_byte", &mpi.type_byte},
        {"ompi_mpi_int64_t", &mpi.type_int64},
        {"ompi_mpi_op_sum", &mpi.op_sum},
        {"ompi_mpi_errors_return", &mpi.errors_return},
        {"ompi_request_null", &mpi.request_null},
        {"MPI_Init_thread", (void **)&mpi.init_thread},
        {"MPI_Finalize", (void **)&mpi.finalize},
        {"MPI_Abort", (void **)&mpi.abort},
        {"MPI_Comm_set_errhandler", (void **)&mpi.comm_set_errhandler},
        {"MPI_Comm_dup", (void **)&mpi.comm_dup},
        {"MPI_Comm_rank", (void **)&mpi.comm_rank},
        {"MPI_Comm_size", (void **)&mpi.comm_size},
        {"MPI_Error_string", (void **)&mpi.error_string},
        {"MPI_Wtime", (void **)&mpi.wtime},
        {"MPI_Get_processor_name", (void **)&mpi.get_processor_name},
        {"MPI_Allreduce", (void **)&mpi.allreduce},
        {"MPI_Iallreduce", (void **)&mpi.iallreduce},
        {"MPI_Alltoallv", (void **)&mpi.alltoallv},
        {"MPI_Ialltoallv", (void **)&mpi.ialltoallv},
        {"MPI_Allgatherv", (void **)&mpi.allgatherv},
        {"MPI_Iallgatherv", (void **)&mpi.iallgatherv},
        {"MPI_Wait", (void **)&mpi.wait},
        {"MPI_Test", (void **)&mpi.test},
        {"MPI_Waitall", (void **)&mpi.waitall},
        {"MPI_Testall", (void **)&mpi.testall},
        {"MPI_Bcast", (void **)&mpi.bcast},
        {"MPI_Allgather", (void **)&mpi.allgather},
        {"MPI_Gatherv", (void **)&mpi.gatherv},
        {"MPI_Barrier", (void **)&mpi.barrier},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        if (resolve(library, symbols[i].name, symbols[i].slot, error, capacity) != 0) return -1;
    }
    mpi.loaded = 1;
    return 0;
}

int swiftbert_mpi_init(int *rank, int *size, int *provided) {
    int status = mpi.init_thread(NULL, NULL, SB_THREAD_SERIALIZED, provided);
    if (status != 0) return status;
    mpi.active = 1;
    status = mpi.comm_set_errhandler(mpi.comm_world, mpi.errors_return);
    if (status != 0) return status;
    status = mpi.comm_dup(mpi.comm_world, &mpi.comm_phase2);
    if (status != 0) return status;
    status = mpi.comm_set_errhandler(mpi.comm_phase2, mpi.errors_return);
    if (status != 0) return status;
    status = mpi.comm_rank(mpi.comm_world, rank);
    if (status != 0) return status;
    return mpi.comm_size(mpi.comm_world, size);
}

int swiftbert_mpi_active(void) { return mpi.active; }

int swiftbert_mpi_finalize(void) {
    mpi.active = 0;
    return mpi.finalize();
}

void swiftbert_mpi_abort(int code) {
    mpi.abort(mpi.comm_world, code);
}

void swiftbert_mpi_error_string(int code, char *buffer, long capacity) {
    // Open MPI's MPI_MAX_ERROR_STRING is 256.
    char text[256] = {0};
    int length = 0;
    if (!mpi.loaded || mpi.error_string(code, text, &length) != 0) {
        snprintf(buffer, (size_t)capacity, "MPI error %d", code);
    } else {
        snprintf(buffer, (size_t)capacity, "%.*s", length, text);
    }
}

double swiftbert_mpi_wtime(void) { return mpi.wtime(); }

int swiftbert_mpi_processor_name(char *buffer, long capacity) {
    // Open MPI's MPI_MAX_PROCESSOR_NAME is 256.
    char name[256] = {0};
    int length = 0;
    int status = mpi.get_processor_name(name, &length);
    snprintf(buffer, (size_t)capacity, "%.*s", length, name);
    return status;
}

static Handle element_type(int type) {
    return type == SWIFTBERT_MPI_DOUBLE ? mpi.type_double : mpi.type_float;
}

int swiftbert_mpi_allreduce_sum(void *buffer, int count, int type) {
    return mpi.allreduce(
        SB_IN_PLACE, buffer, count, element_type(type), mpi.op_sum, mpi.comm_world);
}

int swiftbert_mpi_iallreduce_sum(void *buffer, int count, int type, void **request) {
    return mpi.iallreduce(
        SB_IN_PLACE, buffer, count, element_type(type), mpi.op_sum, mpi.comm_world, request);
}

int swiftbert_mpi_alltoallv(
    const void *send, const int *send_counts, const int *send_displacements, void *receive,
    const int *receive_counts, const int *receive_displacements, int type) {
    Handle t = element_type(type);
    return mpi.alltoallv(
        send, send_counts, send_displacements, t, receive, receive_counts,
        receive_displacements, t, mpi.comm_world);
}

int swiftbert_mpi_ialltoallv(
    const void *send, const int *send_counts, const int *send_displacements, void *receive,
    const int *receive_counts, const int *receive_displacements, int type, void **request) {
    Handle t = element_type(type);
    return mpi.ialltoallv(
        send, send_counts, send_displacements, t, receive, receive_counts,
        receive_displacements, t, mpi.comm_world, request);
}

int swiftbert_mpi_allgatherv_in_place(
    void *buffer, const int *counts, const int *displacements, int type) {
    Handle t = element_type(type);
    return mpi.allgatherv(
        SB_IN_PLACE, 0, t, buffer, counts, displacements, t, mpi.comm_world);
}

int swiftbert_mpi_iallgatherv_in_place(
    void *buffer, const int *counts, const int *displacements, int type, void **request) {
    Handle t = element_type(type);
    return mpi.iallgatherv(
        SB_IN_PLACE, 0, t, buffer, counts, displacements, t, mpi.comm_phase2, request);
}

int swiftbert_mpi_wait(void **request) { return mpi.wait(request, NULL); }

int swiftbert_mpi_test(void **request, int *done) { return mpi.test(request, done, NULL); }

int swiftbert_mpi_waitall(int count, void **requests) {
    return mpi.waitall(count, requests, NULL);
}

int swiftbert_mpi_testall(int count, void **requests, int *done) {
    return mpi.testall(count, requests, done, NULL);
}

int swiftbert_mpi_broadcast_bytes(void *buffer, int count, int root) {
    return mpi.bcast(buffer, count, mpi.type_byte, root, mpi.comm_world);
}

int swiftbert_mpi_allgather_int64(int64_t value, int64_t *receive) {
    return mpi.allgather(&value, 1, mpi.type_int64, receive, 1, mpi.type_int64, mpi.comm_world);
}

int swiftbert_mpi_gatherv_bytes(
    const void *send, int count, void *receive, const int *counts, const int *displacements,
    int root) {
    return mpi.gatherv(
        send, count, mpi.type_byte, receive, counts, displacements, mpi.type_byte, root,
        mpi.comm_world);
}

int swiftbert_mpi_barrier(void) { return mpi.barrier(mpi.comm_world); }

void *swiftbert_mpi_request_null(void) { return mpi.request_null; }
