// swift-bert — CLI tests: model folders and checkpoints that hold hostile files.

import Foundation
import XCTest
import _TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// FIFOs, devices, folders and huge sizes where the model's files should be: each is a
/// one-line error with a non-zero exit, within seconds, and never a crash.
final class HostileFilesCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// A copy of the tiny-bert fixture whose `name` is replaced by `make(path)`.
    private func model(replacing name: String, _ make: (String) throws -> Void) throws -> URL {
        let copy = folder.appendingPathComponent("model-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: TestPaths.fixture("tiny-bert"), to: copy)
        let path = copy.appendingPathComponent(name).path
        try FileManager.default.removeItem(atPath: path)
        try make(path)
        return copy
    }

    private func assertOneLineError(
        _ result: BertBinary.Result, mentions parts: [String], _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertNotEqual(result.status, 0, label, file: file, line: line)
        XCTAssertNotEqual(result.status, 9, "\(label): killed by the timeout", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("Error: "), "\(label): \(result.stderr)", file: file, line: line)
        XCTAssertEqual(
            result.stderr.filter { $0 == "\n" }.count, 1, "\(label): \(result.stderr)",
            file: file, line: line)
        for part in parts {
            XCTAssertTrue(result.stderr.contains(part), "\(label): \(result.stderr)", file: file, line: line)
        }
    }

    func testFIFODeviceOrFolderInPlaceOfAModelFileIsAOneLineErrorNotAHang() throws {
        let fifo: (String) throws -> Void = { path in
            guard mkfifo(path, 0o600) == 0 else { throw POSIXError(.EIO) }
        }
        let zero: (String) throws -> Void = { path in
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
        }
        let directory: (String) throws -> Void = { path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let cases: [(String, String, (String) throws -> Void, String)] = [
            ("config.json", "FIFO", fifo, "is a FIFO (named pipe), not a regular file"),
            ("config.json", "/dev/zero", zero, "is a character device, not a regular file"),
            ("config.json", "folder", directory, "is a directory, not a regular file"),
            ("model.safetensors", "FIFO", fifo, "is a FIFO (named pipe), not a regular file"),
            ("model.safetensors", "/dev/zero", zero, "is a character device, not a regular file"),
            ("tokenizer.json", "FIFO", fifo, "is a FIFO (named pipe), not a regular file"),
            ("tokenizer_config.json", "/dev/zero", zero, "is a character device, not a regular file"),
        ]
        for (name, kind, make, mention) in cases {
            let label = "\(name) as \(kind)"
            let model = try self.model(replacing: name, make)
            let start = Date()
            let result = try BertBinary.run(
                ["predict", "--model", model.path], input: Data("hello\n".utf8), timeout: 30)
            assertOneLineError(result, mentions: [name, mention], label)
            XCTAssertLessThan(Date().timeIntervalSince(start), 20, label)
        }
    }

    func testHugeSizesInConfigOrTokenizerAreOneLineErrorsNotCrashes() throws {
        let config = try String(
            contentsOf: TestPaths.fixture("tiny-bert").appendingPathComponent("config.json"),
            encoding: .utf8)
        let tokenizer = try String(
            contentsOf: TestPaths.fixture("tiny-bert").appendingPathComponent("tokenizer.json"),
            encoding: .utf8)
        let cases: [(String, String, String, String)] = [
            ("config.json", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000", "num_hidden_layers"),
            ("config.json", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 4611686018427387904", "num_hidden_layers"),
            ("config.json", "\"hidden_size\": 32", "\"hidden_size\": 1000000000", "hidden_size"),
            ("config.json", "\"intermediate_size\": 37", "\"intermediate_size\": 1000000000000", "intermediate_size"),
            ("config.json", "\"vocab_size\": 800", "\"vocab_size\": 1000000000000000", "vocab_size"),
            ("tokenizer.json", "\"[PAD]\": 0", "\"[PAD]\": 1000000000000", "model.vocab.[PAD]"),
            ("tokenizer.json", "\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": -1", "max_input_chars_per_word"),
            ("tokenizer.json", "\"lowercase\": true", "\"lowercase\": \"yes\"", "normalizer.lowercase"),
        ]
        for (name, from, to, mention) in cases {
            let original = name == "config.json" ? config : tokenizer
            XCTAssertTrue(original.contains(from), "fixture \(name) lacks \(from)")
            let model = try self.model(replacing: name) { path in
                try original.replacingOccurrences(of: from, with: to).write(
                    toFile: path, atomically: true, encoding: .utf8)
            }
            let result = try BertBinary.run(
                ["predict", "--model", model.path], input: Data("hello\n".utf8), timeout: 60)
            assertOneLineError(result, mentions: [name, mention], to)
        }
    }

    func testTrainMaxLengthIsCappedAtTheModelsPositions() throws {
        // One text of ~150 tokens: past tiny-bert's 64 positions unless --max-length is capped.
        let long = Array(repeating: "the cat sat on the mat", count: 25).joined(separator: " ")
        let rows = (0..<8).map { "\($0 % 2 == 0 ? long : "a short one")\t\($0 % 2)" }
        let train = folder.appendingPathComponent("train.tsv")
        try (["text\tlabel"] + rows).joined(separator: "\n").appending("\n").write(
            to: train, atomically: true, encoding: .utf8)
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "tsv", "--train",
            train.path, "--text-column", "text", "--label-column", "label", "--output",
            folder.appendingPathComponent("out").path, "--max-length", "100000", "--epochs", "1",
            "--batch-size", "4", "--validation-fraction", "0", "--num-labels", "3",
        ], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        let data = try BertBinary.run([
            "data", "--model", TestPaths.fixture("tiny-bert").path, "--task", "tsv", "--train",
            train.path, "--text-column", "text", "--label-column", "label", "--max-length",
            "100000", "--validation-fraction", "0",
        ], timeout: 60)
        XCTAssertEqual(data.status, 0, data.stderr)
        XCTAssertTrue(data.stdout.contains("Truncating to 64 tokens"), data.stdout)
    }

    func testCheckpointWithAHugeSamplerCountIsRefusedBeforeAllocating() throws {
        let data = try CoLASubset.make(in: folder, count: 24)
        let output = folder.appendingPathComponent("run")
        let base = [
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--epochs", "1", "--batch-size", "8",
        ]
        let first = try BertBinary.run(base + ["--save-steps", "1", "--max-steps", "1"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let state = output.appendingPathComponent("checkpoint-1/trainer_state.json")
        let text = try String(contentsOf: state, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: "\"count\" : [0-9]+")
        let range = NSRange(text.startIndex..., in: text)
        XCTAssertEqual(pattern.numberOfMatches(in: text, range: range), 1, text)
        for count in ["1000000000000", "9223372036854775807"] {
            let hostile = pattern.stringByReplacingMatches(
                in: text, range: range, withTemplate: "\"count\" : \(count)")
            try hostile.write(to: state, atomically: true, encoding: .utf8)
            let result = try BertBinary.run(base + ["--resume", "latest"], timeout: 60)
            assertOneLineError(result, mentions: ["trainer_state.json", "count \(count)"], count)
            XCTAssertFalse(result.stderr.contains("SeededGenerator"), result.stderr)
        }
    }

    func testDamagedTrainerStateIsOneLineNamingTheFieldWithoutDebugDumps() throws {
        let data = try CoLASubset.make(in: folder, count: 24)
        let output = folder.appendingPathComponent("run")
        let base = [
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--epochs", "1", "--batch-size", "8",
        ]
        let first = try BertBinary.run(base + ["--save-steps", "1", "--max-steps", "1"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let url = output.appendingPathComponent("checkpoint-1/trainer_state.json")
        let original = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        typealias Edit = (inout [String: Any]) -> Void
        func editState(_ body: @escaping (inout [String: Any]) -> Void) -> Edit {
            { root in
                var state = root["state"] as? [String: Any] ?? [:]
                body(&state)
                root["state"] = state
            }
        }
        let cases: [(String, Edit, String)] = [
            ("negative epoch", editState { $0["epoch"] = -3 }, "epoch -3 is before the first"),
            ("negative step", editState { $0["step"] = -1 }, "step -1 is negative"),
            ("missing summary", editState { $0["summary"] = nil }, "missing field 'state.summary'"),
            ("string step", editState { $0["step"] = "x" }, "at state.step:"),
            (
                "batch past the epoch",
                editState { $0["epochBatches"] = 99 }, "epochBatches 99 is outside 0...3"
            ),
            ("no state", { $0["state"] = nil }, "missing field 'state'"),
        ]
        for (label, edit, mention) in cases {
            var root = original
            edit(&root)
            try JSONSerialization.data(withJSONObject: root).write(to: url)
            let result = try BertBinary.run(base + ["--resume", "latest"], timeout: 60)
            assertOneLineError(result, mentions: ["trainer_state.json", mention], label)
            XCTAssertFalse(result.stderr.contains("CodingKeys"), "\(label): \(result.stderr)")
        }
    }
}
