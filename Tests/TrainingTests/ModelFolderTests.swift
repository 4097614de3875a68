// swift-bert — Training tests: saving a fine-tuned model folder.

import BERT
import Datasets
import Foundation
import Randomness
import Training
import XCTest
import _TestSupport

final class ModelFolderTests: XCTestCase {
    private func tinyModel() throws -> BertForSequenceClassification {
        var generator = SeededGenerator(seed: 7)
        return try ModelFolder.load(
            from: TestPaths.fixture("tiny-bert"), labels: CoLA.labelNames, generator: &generator
        ).model
    }

    func testSavedFolderLoadsBackWithIdenticalParametersAndLabels() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try tinyModel()
        let output = directory.appendingPathComponent("fine-tuned")
        try ModelFolder.save(model, tokenizerFolder: TestPaths.fixture("tiny-bert"), to: output)

        var generator = SeededGenerator(seed: 99)
        let (loaded, report) = try BertForSequenceClassification.load(
            from: output, generator: &generator)
        XCTAssertEqual(report, LoadReport())
        XCTAssertEqual(loaded.configuration.labelNames, CoLA.labelNames)
        XCTAssertEqual(loaded.configuration.architectures, ["BertForSequenceClassification"])
        XCTAssertTrue(
            loaded.parameters.array().map(\.bitPattern) == model.parameters.array().map(\.bitPattern))
        let files = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        XCTAssertEqual(
            files, ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"])
        // Only the output folder is left in the parent: no staging folders.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["fine-tuned"])
    }

    func testSavingOverAnExistingFolderReplacesIt() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: output.appendingPathComponent("stale.txt"))
        try ModelFolder.save(try tinyModel(), tokenizerFolder: TestPaths.fixture("tiny-bert"), to: output)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: output.appendingPathComponent("stale.txt").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out"])
    }

    func testAnUnwritableOutputIsAClearErrorAndLeavesNothingBehind() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocker)
        let output = blocker.appendingPathComponent("out")
        for attempt in ["check", "save"] {
            XCTAssertThrowsError(
                try attempt == "check"
                    ? ModelFolder.checkWritable(output)
                    : ModelFolder.save(
                        try tinyModel(), tokenizerFolder: TestPaths.fixture("tiny-bert"),
                        to: output)
            ) { error in
                guard case .cannotWrite(let path, _) = error as? TrainingError else {
                    return XCTFail("\(attempt): unexpected \(error)")
                }
                XCTAssertEqual(path, output.path, attempt)
                XCTAssertTrue("\(error)".hasPrefix("\(output.path): cannot write: "), attempt)
            }
            XCTAssertEqual(
                try FileManager.default.contentsOfDirectory(atPath: directory.path), ["a-file"],
                attempt)
        }
    }

    func testANonFiniteModelIsNotSaved() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try tinyModel()
        model.parameter("bert.pooler.dense.bias")[3] = .nan
        let output = directory.appendingPathComponent("out")
        XCTAssertThrowsError(
            try ModelFolder.save(model, tokenizerFolder: TestPaths.fixture("tiny-bert"), to: output)
        ) {
            XCTAssertEqual($0 as? TrainingError, .nonFiniteParameter(tensor: "bert.pooler.dense.bias"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
