// swift-bert — test support: mpirun across two network namespaces.

import Foundation
import XCTest

extension MPILauncher {
    /// `Tools/two-host-mpirun.sh`: two network namespaces joined by a veth pair act as two
    /// hosts, and mpirun starts one rank of `program` in each, over TCP only.
    public static let twoHostScript = TestPaths.repositoryRoot.appendingPathComponent(
        "Tools/two-host-mpirun.sh")

    /// Runs `program arguments…` as ranks 0 and 1 of `mpirun -np 2` on the two namespace
    /// hosts, in ``environment``. The script kills mpirun past `timeout` seconds and removes
    /// the namespaces on every exit; this process's watchdog, 15 s later, ends the script if
    /// even that hangs. Throws `XCTSkip` with the script's reason where the machine cannot
    /// run it (exit 77: not root, no `ip` or `mpirun`, namespaces refused).
    public static func twoHosts(
        _ program: URL, _ arguments: [String], timeout: Int = 60
    ) throws -> Output {
        let output = try execute(
            URL(fileURLWithPath: "/bin/bash"),
            [twoHostScript.path, "--timeout", "\(timeout)", program.path] + arguments,
            environment: environment, timeout: Double(timeout + 15))
        if output.status == 77 {
            let reason = output.stderr.split(separator: "\n").first { $0.hasPrefix("skip: ") }
            throw XCTSkip(
                "two namespace hosts: " + (reason.map { String($0.dropFirst(6)) } ?? output.stderr))
        }
        return output
    }
}
