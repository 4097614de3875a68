// swift-bert — Distributed tests.

import Distributed
import XCTest

final class LaunchEnvironmentTests: XCTestCase {
    func testLauncherVariablesOfOpenMPIPMIxAndPMI() {
        let cases: [(String, [String: String], String?, Int?, Int?, Int?)] = [
            ("alone", ["HOME": "/root"], nil, nil, nil, nil),
            (
                "mpirun",
                [
                    "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "2",
                    "OMPI_COMM_WORLD_LOCAL_SIZE": "2", "PMIX_RANK": "2",
                ],
                "OMPI_COMM_WORLD_SIZE=4", 4, 2, 2
            ),
            ("pmix", ["PMIX_RANK": "3"], "PMIX_RANK=3", nil, 3, nil),
            (
                "pmi", ["PMI_SIZE": "8", "PMI_RANK": "5", "MPI_LOCALNRANKS": "4"], "PMI_SIZE=8", 8,
                5, 4
            ),
            ("garbled", ["OMPI_COMM_WORLD_SIZE": "two"], "OMPI_COMM_WORLD_SIZE=two", nil, nil, nil),
        ]
        for (label, environment, launcher, size, rank, local) in cases {
            let launch = LaunchEnvironment(environment: environment)
            XCTAssertEqual(launch.launcher, launcher, label)
            XCTAssertEqual(launch.isUnderMPI, launcher != nil, label)
            XCTAssertEqual(launch.worldSize, size, label)
            XCTAssertEqual(launch.worldRank, rank, label)
            XCTAssertEqual(launch.localSize, local, label)
        }
    }

    /// `max(1, min(available, online / localRanks))`, for bound and unbound ranks.
    func testDefaultThreadsPerRankSharesTheNode() {
        let cases: [(String, Int?, Int, Int, Int)] = [
            // label, local ranks, available CPUs, online CPUs, expected threads
            ("alone", nil, 8, 8, 8),
            ("alone, affinity-limited", nil, 3, 8, 3),
            ("2 ranks bound to a core each", 2, 1, 2, 1),
            ("2 ranks unbound on 2 cores", 2, 2, 2, 1),
            ("4 ranks unbound on 32 cores", 4, 32, 32, 8),
            ("4 ranks bound to a 16-core socket each pair", 4, 16, 32, 8),
            ("3 ranks unbound on 8 cores", 3, 8, 8, 2),
            ("more ranks than cores", 6, 4, 4, 1),
        ]
        for (label, local, available, online, expected) in cases {
            var environment = ["OMPI_COMM_WORLD_SIZE": "\(local ?? 1)"]
            if let local { environment["OMPI_COMM_WORLD_LOCAL_SIZE"] = "\(local)" }
            if local == nil { environment = [:] }
            let launch = LaunchEnvironment(environment: environment)
            XCTAssertEqual(
                launch.defaultThreadsPerRank(available: available, online: online), expected, label)
        }
    }
}
