// swift-bert — bert-mpi-selftest: every Distributed operation under mpirun.

import Foundation

/// The lines a rank prints, each prefixed with its rank and flushed at once (mpirun forwards
/// lines as they come).
final class Report {
    let rank: Int
    private(set) var failures = 0

    init(rank: Int) { self.rank = rank }

    func say(_ line: String) {
        // Unbuffered (write(2)), so a rank that exits early has said everything.
        FileHandle.standardOutput.write(Data("rank \(rank) \(line)\n".utf8))
    }

    func check(_ name: String, _ condition: Bool, _ detail: @autoclosure () -> String = "") {
        if condition {
            say("ok \(name)")
        } else {
            failures += 1
            say("FAIL \(name): \(detail())")
        }
    }

    /// FNV-1a over the values' bit patterns: equal digests mean equal bits.
    static func digest<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in UnsafeRawBufferPointer(values) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
