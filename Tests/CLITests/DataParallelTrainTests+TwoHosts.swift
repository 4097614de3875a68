// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert train` on two hosts for real: one rank in each of two network namespaces joined by
/// a veth pair, over TCP only (`Tools/two-host-mpirun.sh`). Skipped only where the machine
/// cannot do it (not root, no `ip` or `mpirun`, namespaces refused); CI runs it as root
/// after `make deps`.
extension DataParallelTrainTests {
    func testTwoNamespaceHostsOverTCPFollowOneProcessOnCoLA() throws {
        let data = try CoLASubset.make(in: folder)
        func arguments(_ output: URL) -> [String] {
            [
                "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola",
                "--data", data.path, "--output", output.path, "--epochs", "1",
                "--batch-size", "8", "--learning-rate", "1e-3", "--dropout", "0", "--json",
                "--log-every", "1",
            ]
        }
        let two = folder.appendingPathComponent("two-hosts")
        let job = try MPILauncher.twoHosts(try BertBinary.url, arguments(two), timeout: 60)
        XCTAssertFalse(job.timedOut, job.stderr)
        XCTAssertEqual(job.status, 0, job.stderr)

        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(arguments(reference))
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(try events(one.stdout, "step").count, 6)
        try assertSameRun(job.stdout, one.stdout, models: (two, reference), "two hosts")
        XCTAssertEqual(try events(job.stdout, "done").count, 1, "rank 1 printed")
        let summary = try String(
            contentsOf: two.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("| ranks (mpirun) | 2 |"), summary)
    }
}
