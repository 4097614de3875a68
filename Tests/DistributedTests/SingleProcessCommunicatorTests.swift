// swift-bert — Distributed tests.

import Distributed
import XCTest

final class SingleProcessCommunicatorTests: XCTestCase {
    func testSingleProcessIsRankZeroOfOne() {
        let communicator = Communicator.singleProcess()
        XCTAssertEqual(communicator.rank, 0)
        XCTAssertEqual(communicator.size, 1)
        XCTAssertFalse(communicator.usesMPI)
        XCTAssertTrue(communicator.isWriter)
    }

    /// A sum over one rank is the rank's own values, bit for bit, in either order.
    func testAllreduceLeavesBuffersUnchanged() throws {
        let communicator = Communicator.singleProcess()
        let floats: [Float] = [1.5, -0, .ulpOfOne, -3e38, .nan, 7]
        let doubles: [Double] = [0.1, -2, .infinity, 1e-300]
        for order in ReductionOrder.allCases {
            var f = floats
            try f.withUnsafeMutableBufferPointer { try communicator.allreduceSum($0, order: order) }
            XCTAssertEqual(f.map(\.bitPattern), floats.map(\.bitPattern), "\(order)")
            var d = doubles
            try d.withUnsafeMutableBufferPointer { try communicator.allreduceSum($0, order: order) }
            XCTAssertEqual(d.map(\.bitPattern), doubles.map(\.bitPattern), "\(order)")
            var empty: [Float] = []
            try empty.withUnsafeMutableBufferPointer {
                try communicator.allreduceSum($0, order: order)
            }
        }
    }

    func testBroadcastAndGatherReturnTheRanksOwnBytes() throws {
        let communicator = Communicator.singleProcess()
        for bytes in [[], [0], Array(0...255)] as [[UInt8]] {
            XCTAssertEqual(try communicator.broadcast(bytes, from: 0), bytes)
            XCTAssertEqual(try communicator.gather(bytes, to: 0), [bytes])
            let floats = bytes.map { Float($0) - 100 }
            XCTAssertEqual(try communicator.gather(floats, to: 0), [floats])
            let doubles = bytes.map { Double($0) / 3 }
            XCTAssertEqual(try communicator.gather(doubles, to: 0), [doubles])
        }
    }

    func testBarrierFinalizeAndProcessorNameNeedNoMPI() throws {
        let communicator = Communicator.singleProcess()
        try communicator.barrier()
        XCTAssertFalse(try communicator.processorName().isEmpty)
        try communicator.finalize()
        try communicator.finalize()
        try communicator.barrier()
    }

    /// Without launcher variables, `detect` opens no library: the bogus path is never read.
    func testDetectWithoutLauncherIsSingleProcess() throws {
        let communicator = try Communicator.detect(environment: [
            "SWIFT_BERT_MPI_LIBRARY": "/nonexistent/libmpi.so.40", "PATH": "/usr/bin",
        ])
        XCTAssertFalse(communicator.usesMPI)
        XCTAssertEqual(communicator.size, 1)
    }

    /// Under a launcher, a library that cannot be opened, or that is not Open MPI, is one
    /// clear error naming the library, the launcher variable and the loader's reason.
    func testLauncherWithoutLoadableOpenMPIIsAClearError() throws {
        let cases: [(String, [String: String], String)] = [
            (
                "/nonexistent/libmpi.so.40", ["OMPI_COMM_WORLD_SIZE": "2"],
                "/nonexistent/libmpi.so.40: cannot open shared object file"
            ),
            ("libc.so.6", ["PMIX_RANK": "0"], "symbol ompi_mpi_comm_world missing"),
            ("/nonexistent/libmpi.so", ["PMI_SIZE": "4"], "No such file"),
        ]
        for (library, launcher, reason) in cases {
            var environment = launcher
            environment["SWIFT_BERT_MPI_LIBRARY"] = library
            XCTAssertThrowsError(try Communicator.detect(environment: environment), library) {
                error in
                guard case DistributedError.libraryUnavailable(let name, let shown, let why) = error
                else { return XCTFail("\(library): \(error)") }
                XCTAssertEqual(name, library)
                let variable = launcher.keys.first ?? ""
                XCTAssertEqual(shown, "\(variable)=\(launcher[variable] ?? "")")
                XCTAssertTrue(why.contains(reason), "\(library): \(why)")
                let line = "\(error)"
                XCTAssertFalse(line.contains("\n"), line)
                XCTAssertTrue(line.hasPrefix("running under an MPI launcher (\(shown)) but "), line)
                XCTAssertTrue(line.contains("SWIFT_BERT_MPI_LIBRARY"), line)
            }
        }
    }

    func testErrorDescriptionsAreOneLineNamingFunctionAndRank() {
        let errors: [(DistributedError, String)] = [
            (
                .callFailed(
                    function: "MPI_Allreduce", rank: 1, size: 4, code: 15,
                    message: "MPI_ERR_TRUNCATE: message truncated"),
                "MPI_Allreduce failed on rank 1 of 4: MPI_ERR_TRUNCATE: message truncated "
                    + "(error 15)"
            ),
            (
                .messageTooLarge(operation: "gather", rank: 0, bytes: 3_000_000_000, limit: 7),
                "gather on rank 0: 3000000000 bytes exceed MPI's limit of 7 bytes per message"
            ),
            (.finalized(operation: "MPI_Barrier"), "MPI_Barrier after MPI was finalized"),
            (
                .insufficientThreadSupport(provided: 0),
                "MPI_Init_thread granted thread level 0, need MPI_THREAD_SERIALIZED (2)"
            ),
        ]
        for (error, line) in errors { XCTAssertEqual(error.description, line) }
    }
}
