// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// The base of the tests that run `bert` under `mpirun`: each is skipped where `mpirun` is
/// missing, and gets a fresh temporary `folder`, removed afterwards.
class MPITestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        _ = try MPIRun.mpirun
        folder = try TestPaths.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }
}
