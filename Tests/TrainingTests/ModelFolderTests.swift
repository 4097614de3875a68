// swift-bert — Training tests: saving a fine-tuned model folder.

import BERT
import Checkpoints
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

    /// BertForQuestionAnswering and BertForMaskedLM folders hold exactly the tensor names
    /// transformers 5.24's `save_pretrained` writes for them (no tied decoder, no pooler; the
    /// names recorded in the head fixtures by make_qa_mlm_head_fixtures.py) and load back
    /// bit-identical, with no newly-initialized or unused tensor.
    func testQuestionAnsweringAndMaskedLMFoldersHoldTransformersTensorNames() throws {
        try checkSavedNames(BertForQuestionAnswering.self, fixture: "tiny_question_answering")
        try checkSavedNames(BertForMaskedLM.self, fixture: "tiny_masked_lm")
    }

    private func checkSavedNames<Model: PretrainedLoadable>(
        _ type: Model.Type, fixture: String
    ) throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SeededGenerator(seed: 7)
        let (model, report) = try Model.load(from: TestPaths.fixture("tiny-bert"), generator: &generator)
        XCTAssertFalse(report.newlyInitialized.isEmpty, "tiny-bert has no \(Model.architecture) head")
        let output = directory.appendingPathComponent("out")
        try ModelFolder.save(model, tokenizerFolder: TestPaths.fixture("tiny-bert"), to: output)
        let file = try SafeTensorsFile(contentsOf: output.appendingPathComponent("model.safetensors"))
        let facts = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("training/\(fixture).safetensors")
        ).metadata["checkpoint_facts"]
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(XCTUnwrap(facts).utf8)) as? [String: Any])
        let expected = try XCTUnwrap(json["save_pretrained_names"] as? [String])
        XCTAssertEqual(file.tensorNames.sorted(), expected.sorted(), Model.architecture)
        let (loaded, again) = try Model.load(from: output, generator: &generator)
        XCTAssertEqual(again, LoadReport(), Model.architecture)
        XCTAssertEqual(loaded.configuration.architectures, [Model.architecture])
        XCTAssertTrue(
            loaded.parameters.array().map(\.bitPattern) == model.parameters.array().map(\.bitPattern))
    }
}
