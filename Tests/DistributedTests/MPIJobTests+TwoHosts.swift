// swift-bert — Distributed tests.

import Foundation
import XCTest
import _TestSupport

/// Two hosts for real: one rank in each of two network namespaces joined by a veth pair, over
/// TCP only (`Tools/two-host-mpirun.sh`). Skipped only where the machine cannot do it (not
/// root, no `ip` or `mpirun`, namespaces refused); CI runs it as root after `make deps`.
extension MPIJobTests {
    func testEveryOperationPassesOnTwoNamespaceHostsOverTCP() throws {
        let job = try MPILauncher.twoHosts(try MPIJob.selfTest, ["check"], timeout: 40)
        let result = MPIJob.Result(
            status: job.status, stdout: job.stdout, stderr: job.stderr, seconds: job.seconds,
            timedOut: job.timedOut)
        let label = "two hosts: \(job.stderr)"
        XCTAssertFalse(job.timedOut, label)
        XCTAssertEqual(job.status, 0, label)
        XCTAssertEqual(result.lines("FAIL"), [:], label)
        let passed = result.lines("ok")
        XCTAssertEqual(Set(passed.keys), [0, 1], label)
        for rank in 0..<2 {
            let names = Set(passed[rank] ?? [])
            for name in Self.requiredChecks + ["broadcast-from-1-1000", "gather-to-1"] {
                XCTAssertTrue(names.contains(name), "\(label) rank \(rank) lacks \(name)")
            }
        }

        // Each rank on its own host: the namespace's host name, not this machine's.
        let hosts = result.lines("info").mapValues { lines in
            lines.first { $0.hasPrefix("host ") }.map { String($0.dropFirst(5)) } ?? ""
        }
        let first = hosts[0] ?? ""
        XCTAssertTrue(first.hasPrefix("sbert") && first.hasSuffix("a"), "\(hosts)")
        XCTAssertEqual(hosts[1], String(first.dropLast()) + "b", "\(hosts)")
        XCTAssertNotEqual(first, ProcessInfo.processInfo.hostName)

        assertDigestsAgree(result, label)
    }
}
