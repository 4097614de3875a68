// swift-bert — Distributed tests.

import Foundation
import XCTest

/// Real MPI jobs on this machine: `mpirun` starts ranks of `bert-mpi-selftest`, which check
/// every operation on data they recompute for each other (see Sources/MPISelfTest). Skipped
/// when `mpirun` is missing; CI installs it with `make deps`.
final class MPIJobTests: XCTestCase {
    /// The checks every rank must pass: each operation, uneven buckets, both orders.
    static let requiredChecks = [
        "environment", "sum-Float-rank-order-1009", "sum-Float-library-1009",
        "sum-Double-rank-order-1009", "sum-Double-library-1009",
        "sum-Float-rank-order-1", "bucket-plan-50021", "buckets-rank-order-50021-step1",
        "buckets-library-50021-step1", "buckets-rank-order-7-step1", "buckets-library-7-step1",
        "overlap-result", "broadcast-from-0-1000", "broadcast-from-0-0",
        "gather-to-0", "gather-Float-to-0", "gather-Double-to-0", "barrier",
    ]

    func testEveryOperationPassesOnEveryRank() throws {
        for ranks in [2, 3] {
            let job = try MPIJob.run(ranks: ranks, ["check"])
            let label = "\(ranks) ranks: \(job.stderr)"
            XCTAssertFalse(job.timedOut, label)
            XCTAssertEqual(job.status, 0, label)
            XCTAssertEqual(job.lines("FAIL"), [:], label)
            let passed = job.lines("ok")
            XCTAssertEqual(Set(passed.keys), Set(0..<ranks), label)
            let required =
                Self.requiredChecks + [
                    "broadcast-from-\(ranks - 1)-1000", "gather-to-\(ranks - 1)",
                    "gather-Float-to-\(ranks - 1)",
                ] + (ranks >= 3 ? ["sum-Float-rank-order-4194307"] : [])
            for rank in 0..<ranks {
                let names = Set(passed[rank] ?? [])
                XCTAssertEqual(names, Set(passed[0] ?? []), "\(label) rank \(rank)")
                for name in required {
                    XCTAssertTrue(names.contains(name), "\(label) rank \(rank) lacks \(name)")
                }
            }
            XCTAssertEqual(job.lines("info")[0]?.contains("size \(ranks)"), true, label)

            assertDigestsAgree(job, label)
        }
    }

    /// Every rank holds the same bits after every sum, and rank order gives the blocking
    /// bits whatever the buckets (the self-test's `digest` lines).
    func assertDigestsAgree(
        _ job: MPIJob.Result, _ label: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        var digests: [String: Set<String>] = [:]
        for (_, lines) in job.lines("digest") {
            for line in lines {
                let parts = line.split(separator: " ").map(String.init)
                digests[parts[0], default: []].insert(parts[1])
            }
        }
        XCTAssertFalse(digests.isEmpty, label, file: file, line: line)
        for (name, values) in digests {
            XCTAssertEqual(
                values.count, 1, "\(label): ranks disagree on \(name)", file: file, line: line)
        }
        for count in [50_021, 7] {
            XCTAssertEqual(
                digests["buckets-rank-order-\(count)-step0"],
                digests["blocking-rank-order-\(count)"], "\(label) \(count)", file: file,
                line: line)
        }
    }

    /// A rank that exits before a collective: mpirun ends the job with that rank's status
    /// instead of letting the others wait.
    func testARankThatExitsEarlyEndsTheJob() throws {
        let job = try MPIJob.run(ranks: 2, ["exit-early"], timeout: 30)
        XCTAssertFalse(job.timedOut, job.stderr)
        XCTAssertEqual(job.status, 3, job.stderr)
        XCTAssertEqual(job.lines("info")[1], ["exiting-early 3"])
        XCTAssertEqual(job.lines("FAIL"), [:])
        XCTAssertTrue(job.stderr.contains("non-zero status"), job.stderr)
    }

    /// `abort(exitCode:)` on one rank ends every rank, with that code. (mpirun's "MPI_ABORT
    /// was invoked on rank 1" notice is not checked: Open MPI 4.1.4 sometimes loses it,
    /// logging `ORTE_ERROR_LOG: Data unpack would read past end of buffer` instead.)
    func testAbortEndsEveryRank() throws {
        let job = try MPIJob.run(ranks: 2, ["abort"], timeout: 30)
        XCTAssertFalse(job.timedOut, job.stderr)
        XCTAssertEqual(job.status, 5, job.stderr)
        XCTAssertEqual(job.lines("info")[1], ["aborting 5"])
        XCTAssertEqual(job.lines("FAIL"), [:])
    }

    /// A failing MPI call is a thrown error with one line naming the function, the rank and
    /// MPI's message, not a crash; the rank's exit then ends the job.
    func testAFailingCallThrowsAOneLineError() throws {
        let job = try MPIJob.run(ranks: 2, ["mismatch"], timeout: 30)
        XCTAssertFalse(job.timedOut, job.stderr)
        XCTAssertNotEqual(job.status, 0)
        XCTAssertTrue(
            job.stderr.contains(
                "bert-mpi-selftest: MPI_Allreduce failed on rank 0 of 2: MPI_ERR_TRUNCATE: "
                    + "message truncated (error 15)\n"), job.stderr)
    }

    func testOperationsAfterFinalizeThrow() throws {
        let job = try MPIJob.run(ranks: 2, ["finalized"], timeout: 30)
        XCTAssertEqual(job.status, 0, job.stderr)
        for rank in 0..<2 {
            XCTAssertEqual(
                job.lines("ok")[rank], ["finalized: MPI_Barrier after MPI was finalized"])
        }
    }
}

/// The self-test without mpirun: a single process, and no MPI library needed.
final class SelfTestAloneTests: XCTestCase {
    func testWithoutMPIRunEveryCheckPassesAsOneProcess() throws {
        let job = try MPIJob.runAlone(["check"])
        XCTAssertEqual(job.status, 0, job.stderr)
        XCTAssertEqual(job.lines("FAIL"), [:])
        XCTAssertTrue(job.lines("info")[0]?.contains("size 1") == true, job.stdout)
        XCTAssertTrue(job.lines("ok")[0]?.contains("gather-to-0") == true, job.stdout)
    }

    /// Launcher variables without a loadable libmpi: one clear line, exit status 1.
    func testLauncherWithoutLibraryIsAClearError() throws {
        let job = try MPIJob.runAlone(
            ["check"],
            environment: [
                "OMPI_COMM_WORLD_SIZE": "2", "SWIFT_BERT_MPI_LIBRARY": "/nonexistent/libmpi.so.40",
            ])
        XCTAssertEqual(job.status, 1)
        XCTAssertEqual(job.stdout, "")
        XCTAssertTrue(
            job.stderr.hasPrefix(
                "bert-mpi-selftest: running under an MPI launcher (OMPI_COMM_WORLD_SIZE=2) but "
                    + "/nonexistent/libmpi.so.40 cannot be loaded: "), job.stderr)
        XCTAssertEqual(job.stderr.filter { $0 == "\n" }.count, 1, job.stderr)
    }

    /// The binary does not link libmpi: it starts on machines without MPI.
    func testBinaryDoesNotLinkLibmpi() throws {
        #if os(Linux)
            let ldd = URL(fileURLWithPath: "/usr/bin/ldd")
            guard FileManager.default.isExecutableFile(atPath: ldd.path) else {
                throw XCTSkip("no /usr/bin/ldd")
            }
            let process = Process()
            process.executableURL = ldd
            process.arguments = [try MPIJob.selfTest.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(
                decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, output)
            XCTAssertTrue(output.contains("libc.so"), output)
            XCTAssertFalse(output.contains("libmpi"), output)
        #else
            throw XCTSkip("ldd check is Linux-only")
        #endif
    }
}
