// swift-bert — Datasets tests: reading the vendored CoLA 1.1 from its zip and from a folder.

import Datasets
import Foundation
import XCTest
import ZIPFoundation
import _TestSupport

final class CoLALoadingTests: XCTestCase {
    private func vendoredCoLA() throws -> CoLA {
        try CoLA(contentsOf: TestPaths.colaZip)
    }

    func testColaZipHas8551TrainingSentences() throws {
        let cola = try vendoredCoLA()
        XCTAssertEqual(cola.inDomainTrain.count, 8551)
        XCTAssertEqual(cola[.inDomainTrain].count, CoLA.Split.inDomainTrain.publishedCount)
    }

    func testColaZipHas527InDomainAnd516OutOfDomainDevelopmentSentences() throws {
        let cola = try vendoredCoLA()
        XCTAssertEqual(cola.inDomainDev.count, 527)
        XCTAssertEqual(cola.outOfDomainDev.count, 516)
        for split in CoLA.Split.allCases {
            XCTAssertEqual(cola[split].count, split.publishedCount, "\(split)")
        }
    }

    func testFirstTrainingSentenceIsTheTutorials() throws {
        let first = try XCTUnwrap(vendoredCoLA().inDomainTrain.first)
        XCTAssertEqual(
            first.text, "Our friends won't buy this analysis, let alone the next one we propose.")
        XCTAssertEqual(first.source, "gj04")
        XCTAssertEqual(first.label, 1)
        XCTAssertEqual(first.notation, "")
        XCTAssertEqual(
            first.location,
            SourceLocation(
                file: TestPaths.colaZip.path + ":cola_public/raw/in_domain_train.tsv", line: 1))
        XCTAssertEqual(
            first.example,
            LabeledExample(
                text: first.text, textPair: nil, label: 1, location: first.location))
    }

    func testOutOfDomainLastLineWithoutNewlineIsParsed() throws {
        let last = try XCTUnwrap(vendoredCoLA().outOfDomainDev.last)
        XCTAssertEqual(last.text, "John talked to Bill about himself.")
        XCTAssertEqual(last.source, "w_80")
        XCTAssertEqual(last.label, 1)
        XCTAssertEqual(last.location.line, 516)
    }

    func testQuotesInSentencesAreOrdinaryCharacters() throws {
        let cola = try vendoredCoLA()
        let quoted = cola.inDomainTrain.filter { $0.text.contains("\"") }
        XCTAssertEqual(
            quoted.map(\.text),
            [
                "Susan whispered \"Shut up\".", "Susan whispered \"Shut up\" at them.",
            ])
        XCTAssertEqual(quoted.map(\.location.line), [3057, 3058])
    }

    func testTrainingLabelsAre2528UnacceptableAnd6023Acceptable() throws {
        let statistics = DatasetStatistics(try vendoredCoLA().inDomainTrain)
        XCTAssertEqual(statistics.count, 8551)
        XCTAssertEqual(statistics.labelCounts, [2528, 6023])
        XCTAssertNil(statistics.maxLength)
    }

    func testUnzippedFolderLoadsTheSameSentencesFromEitherLevel() throws {
        let zipped = try vendoredCoLA()
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.unzipItem(at: TestPaths.colaZip, to: folder)

        let inner = folder.appendingPathComponent("cola_public")
        for (label, url) in [("parent folder", folder), ("cola_public folder", inner)] {
            let unzipped = try CoLA(contentsOf: url)
            XCTAssertEqual(unzipped.origin, inner.path, label)
            for split in CoLA.Split.allCases {
                XCTAssertEqual(unzipped[split].count, split.publishedCount, "\(label) \(split)")
                XCTAssertEqual(
                    unzipped[split].map(\.text), zipped[split].map(\.text), "\(label) \(split)")
                XCTAssertEqual(
                    unzipped[split].map(\.label), zipped[split].map(\.label), "\(label) \(split)")
            }
            XCTAssertEqual(
                unzipped.inDomainTrain.first?.location,
                SourceLocation(
                    file: inner.appendingPathComponent("raw/in_domain_train.tsv").path, line: 1),
                label)
        }
    }

    func testFolderHoldingTheZipLoadsTheZip() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent(CoLA.archiveName)
        try FileManager.default.copyItem(at: TestPaths.colaZip, to: copy)
        let cola = try CoLA(contentsOf: folder)
        XCTAssertEqual(cola.origin, copy.path)
        XCTAssertEqual(cola.inDomainTrain.count, 8551)
    }

    func testRepackedArchiveWithAnotherRootLoadsWithoutChecksum() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("mine.zip")
        try CoLAFixtures.writeArchive(
            CoLAFixtures.files(train: CoLAFixtures.goodRows), to: zip, root: "data/cola/")
        let cola = try CoLA(contentsOf: zip, verifyChecksum: false)
        XCTAssertEqual(cola.inDomainTrain.map(\.label), [1, 0, 1])
        XCTAssertEqual(cola.inDomainTrain[2].text, "\"Shut up,\" Susan whispered.")
        XCTAssertEqual(
            cola.inDomainTrain[1].location,
            SourceLocation(file: zip.path + ":data/cola/raw/in_domain_train.tsv", line: 2))
        XCTAssertEqual(cola.examples(.inDomainDev).count, 3)
    }

    func testCRLFLineEndingsAndBlankLinesAreAccepted() throws {
        let text = "gj04\t1\t\tOne.\r\n\r\ngj04\t0\t*\tTwo \"quoted\".\r\ngj04\t1\t\tThree."
        let rows = try CoLA.parse(Data(text.utf8), file: "crlf.tsv")
        XCTAssertEqual(rows.map(\.text), ["One.", "Two \"quoted\".", "Three."])
        XCTAssertEqual(rows.map(\.location.line), [1, 3, 4])
        XCTAssertEqual(rows.map(\.notation), ["", "*", ""])
    }

    func testByteOrderMarkIsDropped() throws {
        let rows = try CoLA.parse(Data([0xEF, 0xBB, 0xBF] + Array("x\t1\t\tA.\n".utf8)), file: "f")
        XCTAssertEqual(rows.first?.source, "x")
    }

    func testNonASCIITextIsKept() throws {
        let rows = try CoLA.parse(Data("x\t0\t*\tCafé naïve — “ok”.\n".utf8), file: "f")
        XCTAssertEqual(rows.first?.text, "Café naïve — “ok”.")
    }
}
