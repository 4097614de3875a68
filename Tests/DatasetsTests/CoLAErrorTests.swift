// swift-bert — Datasets tests: bad CoLA input is reported with its file, line and field.

import Datasets
import Foundation
import XCTest
import _TestSupport

final class CoLAErrorTests: XCTestCase {
    func testRowWithThreeColumnsNamesFolderFileAndLine() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = try CoLAFixtures.writeFolder(
            CoLAFixtures.files(train: CoLAFixtures.goodRows + "gj04\t1\tNo notation column.\n"),
            in: folder)
        let file = root.appendingPathComponent("raw/in_domain_train.tsv").path
        let error = CoLAFixtures.datasetError { _ = try CoLA(contentsOf: folder) }
        XCTAssertEqual(error, .wrongColumnCount(file: file, line: 4, expected: 4, actual: 3))
        XCTAssertEqual(
            error?.description, "\(file):4: expected 4 tab-separated columns, found 3")
        XCTAssertEqual(error?.file, file)
        XCTAssertEqual(error?.line, 4)
    }

    func testLabelTwoNamesArchiveEntryLineAndField() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("cola_public_1.1.zip")
        let train = "gj04\t1\t\tFine.\ngj04\t2\t\tLabel two.\n"
        try CoLAFixtures.writeArchive(CoLAFixtures.files(train: train), to: zip)
        let error = CoLAFixtures.datasetError {
            _ = try CoLA(contentsOf: zip, verifyChecksum: false)
        }
        let file = zip.path + ":cola_public/raw/in_domain_train.tsv"
        XCTAssertEqual(
            error,
            .invalidValue(file: file, line: 2, field: "label", value: "2", expected: "0 or 1"))
        XCTAssertEqual(
            error?.description, "\(file):2: field 'label': expected 0 or 1, found \"2\"")
    }

    func testOtherBadLabelsAreRejected() {
        let cases = ["", " 1", "1.0", "true", "01", "-1"]
        for value in cases {
            let text = "gj04\t\(value)\t\tA sentence.\n"
            let error = CoLAFixtures.datasetError {
                _ = try CoLA.parse(Data(text.utf8), file: "t.tsv")
            }
            XCTAssertEqual(
                error,
                .invalidValue(
                    file: "t.tsv", line: 1, field: "label", value: value, expected: "0 or 1"),
                "label \(value.debugDescription)")
        }
    }

    func testColumnCountsOtherThanFourAreRejected() {
        let cases = [("one column", "just text", 1), ("five columns", "a\t1\t\tb\tc", 5)]
        for (label, line, columns) in cases {
            let error = CoLAFixtures.datasetError {
                _ = try CoLA.parse(Data("a\t1\t\tok\n\(line)\n".utf8), file: "t.tsv")
            }
            XCTAssertEqual(
                error,
                .wrongColumnCount(file: "t.tsv", line: 2, expected: 4, actual: columns), label)
        }
    }

    func testInvalidUTF8NamesTheLine() {
        let bytes = Array("a\t1\t\tok\r\n".utf8) + Array("a\t1\t\tbad ".utf8) + [0xC3, 0x28, 0x0A]
        let error = CoLAFixtures.datasetError {
            _ = try CoLA.parse(Data(bytes), file: "t.tsv")
        }
        XCTAssertEqual(error, .invalidUTF8(file: "t.tsv", line: 2))
        XCTAssertEqual(error?.description, "t.tsv:2: invalid UTF-8")
    }

    func testModifiedZipFailsItsChecksumWithBothDigests() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("cola_public_1.1.zip")
        var data = try Data(contentsOf: TestPaths.colaZip)
        data[data.count / 2] ^= 0xFF
        try data.write(to: zip)
        let error = CoLAFixtures.datasetError { _ = try CoLA(contentsOf: zip) }
        guard case .checksumMismatch(let file, let expected, let actual) = error else {
            return XCTFail("expected a checksum mismatch, got \(String(describing: error))")
        }
        XCTAssertEqual(file, zip.path)
        XCTAssertEqual(expected, CoLA.archiveSHA256)
        XCTAssertEqual(actual.count, 64)
        XCTAssertNotEqual(actual, expected)
        XCTAssertEqual(
            error?.description,
            "\(zip.path): SHA-256 mismatch: expected "
                + "2cf856f46df11c143d38e0cf2f9f34ff2fdb088c521cd859f5c4b9581683278b, got \(actual)")
    }

    func testModifiedZipWithoutChecksumFailsOnTheDamagedEntry() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("cola_public_1.1.zip")
        var data = try Data(contentsOf: TestPaths.colaZip)
        // Byte 190,000 lies in raw/in_domain_train.tsv's compressed data (its local header
        // is at 137,826 and its data 108,234 bytes long).
        data[190_000] ^= 0xFF
        try data.write(to: zip)
        let error = CoLAFixtures.datasetError {
            _ = try CoLA(contentsOf: zip, verifyChecksum: false)
        }
        guard case .corruptArchive(let file, _) = error else {
            return XCTFail("expected a corrupt archive, got \(String(describing: error))")
        }
        XCTAssertEqual(file, zip.path + ":cola_public/raw/in_domain_train.tsv")
    }

    func testFileThatIsNotAZipIsACorruptArchive() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("cola.zip")
        try Data("not a zip archive".utf8).write(to: zip)
        let error = CoLAFixtures.datasetError {
            _ = try CoLA(contentsOf: zip, verifyChecksum: false)
        }
        guard case .corruptArchive(let file, _) = error else {
            return XCTFail("expected a corrupt archive, got \(String(describing: error))")
        }
        XCTAssertEqual(file, zip.path)
        XCTAssertTrue(
            error?.description.hasPrefix("\(zip.path): corrupt or unreadable zip archive") ?? false)
    }

    func testArchiveMissingAFileNamesTheEntry() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("partial.zip")
        try CoLAFixtures.writeArchive(
            Array(CoLAFixtures.files(train: CoLAFixtures.goodRows).prefix(2)), to: zip)
        let error = CoLAFixtures.datasetError {
            _ = try CoLA(contentsOf: zip, verifyChecksum: false)
        }
        XCTAssertEqual(
            error, .missingEntry(archive: zip.path, entry: "cola_public/raw/out_of_domain_dev.tsv"))
        XCTAssertEqual(
            error?.description,
            "\(zip.path): archive has no entry cola_public/raw/out_of_domain_dev.tsv")
    }

    func testFolderMissingAFileNamesIt() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = try CoLAFixtures.writeFolder(
            Array(CoLAFixtures.files(train: CoLAFixtures.goodRows).prefix(1)), in: folder)
        let missing = root.appendingPathComponent("raw/in_domain_dev.tsv").path
        let error = CoLAFixtures.datasetError { _ = try CoLA(contentsOf: root) }
        XCTAssertEqual(error, .fileNotFound(file: missing))
        XCTAssertEqual(error?.description, "\(missing): no such file or folder")
    }

    func testMissingPathAndUnrecognizedFolderAreReported() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let nowhere = folder.appendingPathComponent("nowhere.zip")
        XCTAssertEqual(
            CoLAFixtures.datasetError { _ = try CoLA(contentsOf: nowhere) },
            .fileNotFound(file: nowhere.path))
        guard
            case .unrecognizedLayout(let file, _) = CoLAFixtures.datasetError({
                _ = try CoLA(contentsOf: folder)
            })
        else {
            return XCTFail("expected an unrecognized layout")
        }
        XCTAssertEqual(file, folder.path)
    }
}
