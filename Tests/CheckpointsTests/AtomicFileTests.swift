// swift-bert — Checkpoints tests: a failed write never damages the file it would replace.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

final class AtomicFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func testAWriteReplacesTheDestinationAndLeavesNoTemporaryFile() throws {
        let url = folder.appendingPathComponent("config.json")
        try AtomicFile.write(Data("old".utf8), to: url)
        try AtomicFile.write(Data("new contents".utf8), to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "new contents")
        XCTAssertEqual(try contents(), ["config.json"])
    }

    func testAClosureThatThrowsMidWriteLeavesTheOldFileIntact() throws {
        struct Interrupted: Error {}
        let url = folder.appendingPathComponent("model.safetensors")
        try AtomicFile.write(Data("old weights".utf8), to: url)
        XCTAssertThrowsError(
            try AtomicFile.write(to: url) { output in
                try output.write(Array(repeating: 7, count: 100_000))
                XCTAssertEqual(output.byteCount, 100_000)
                throw Interrupted()
            }
        ) { error in XCTAssertTrue(error is Interrupted) }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old weights")
        XCTAssertEqual(try contents(), ["model.safetensors"])
    }

    func testARenameOntoAFolderFailsAndLeavesTheFolderAndNoTemporaryFile() throws {
        let destination = folder.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: destination.appendingPathComponent("inside"))
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [3], floats: [1, 2, 3])
        XCTAssertThrowsError(try writer.write(to: destination)) { error in
            guard case .writeFailed(destination.path, "rename", _) = error as? CheckpointError
            else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(try contents(), ["model.safetensors"])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: destination.path), ["inside"])
    }

    func testWritingIntoAMissingFolderFailsNamingTheFile() throws {
        let url = folder.appendingPathComponent("absent/model.safetensors")
        XCTAssertThrowsError(try SafeTensorsWriter().write(to: url)) { error in
            guard case .writeFailed(url.path, let operation, let reason) = error as? CheckpointError
            else { return XCTFail("\(error)") }
            XCTAssertTrue(operation.contains("temporary file"), operation)
            XCTAssertTrue(reason.contains("No such file"), reason)
        }
    }

    func testAReplacedFileKeepsItsPermissions() throws {
        let url = folder.appendingPathComponent("private.json")
        try AtomicFile.write(Data("{}".utf8), to: url)
        XCTAssertEqual(chmod(url.path, 0o600), 0)
        try AtomicFile.write(Data("{\"a\":1}".utf8), to: url)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    #if os(Linux)
        /// Simulates a full disk with a file-size limit: the write system call fails part-way
        /// through a tensor.
        func testAWriteThatRunsOutOfSpaceLeavesTheOldCheckpointIntact() throws {
            let url = folder.appendingPathComponent("model.safetensors")
            var old = SafeTensorsWriter()
            try old.add("w", shape: [2], floats: [1, 2])
            try old.write(to: url)
            let oldBytes = try Data(contentsOf: url)

            var writer = SafeTensorsWriter()
            try writer.add("w", shape: [100_000], floats: Array(repeating: 0.5, count: 100_000))
            let previousHandler = signal(SIGXFSZ, SIG_IGN)
            var saved = rlimit()
            XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &saved), 0)
            var limited = saved
            limited.rlim_cur = 64 * 1024
            XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limited), 0)
            var thrown: (any Error)?
            do { try writer.write(to: url) } catch { thrown = error }
            setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previousHandler)

            guard case .writeFailed(url.path, "write", let reason) = thrown as? CheckpointError
            else {
                return XCTFail("\(String(describing: thrown))")
            }
            XCTAssertTrue(reason.contains("File too large"), reason)
            XCTAssertEqual(try Data(contentsOf: url), oldBytes)
            XCTAssertEqual(try contents(), ["model.safetensors"])
        }
    #endif
}
