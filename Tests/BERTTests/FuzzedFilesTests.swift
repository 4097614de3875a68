// swift-bert — BERT tests: mutated safetensors headers, configs and tokenizer files.

import BERT
import Checkpoints
import Foundation
import Randomness
import Tokenization
import XCTest
import _TestSupport

/// A seeded fuzz pass over the three files a model folder is made of: every mutation must
/// load or fail with a one-line error; a crash (trap, overflow, allocation failure) or a
/// hang ends the test run itself, so reaching the end is the assertion that none happened.
final class FuzzedFilesTests: XCTestCase {
    private var folder: URL!
    private var originals: [String: [UInt8]] = [:]

    /// Numbers a mutation writes over a digit run: sizes that overflow, trap or exhaust memory.
    private static let hostileNumbers = [
        "0", "-1", "1000000000000", "4611686018427387904", "9223372036854775807",
        "18446744073709551616", "1e308", "-0", "1.5", "99999999999999999999999",
    ]

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
        for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            let url = TestPaths.fixture("tiny-bert").appendingPathComponent(name)
            originals[name] = Array(try Data(contentsOf: url))
            try Data(originals[name] ?? []).write(to: folder.appendingPathComponent(name))
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// One random edit of `bytes` within `range` (the whole file when nil).
    private func mutate(
        _ bytes: [UInt8], within range: Range<Int>? = nil, _ generator: inout SeededGenerator
    ) -> [UInt8] {
        var bytes = bytes
        let range = range ?? 0..<bytes.count
        guard !range.isEmpty else { return bytes }
        let at = range.lowerBound + generator.nextIndex(below: range.count)
        switch generator.nextIndex(below: 6) {
        case 0:
            bytes[at] ^= UInt8(1 << generator.nextIndex(below: 8))
        case 1:
            let syntax = Array("{}[]\",:0-9e\\".utf8)
            bytes[at] = syntax[generator.nextIndex(below: syntax.count)]
        case 2:
            bytes.remove(at: at)
        case 3:
            let digits = bytes.indices.filter { range.contains($0) && (0x30...0x39).contains(bytes[$0]) }
            guard let start = digits.isEmpty ? nil : digits[generator.nextIndex(below: digits.count)]
            else { return bytes }
            var end = start
            while end < bytes.count, (0x30...0x39).contains(bytes[end]) { end += 1 }
            let number = Self.hostileNumbers[generator.nextIndex(below: Self.hostileNumbers.count)]
            bytes.replaceSubrange(start..<end, with: Array(number.utf8))
        case 4:
            // Repeat a span: duplicate keys, doubled entries.
            let length = min(1 + generator.nextIndex(below: 40), range.upperBound - at)
            bytes.insert(contentsOf: bytes[at..<(at + length)], at: at)
        default:
            bytes.removeSubrange(at..<bytes.count)
        }
        return bytes
    }

    private func assertCleanError(_ error: Error, _ label: String) {
        let message = "\(error)"
        XCTAssertFalse(message.isEmpty, label)
        XCTAssertFalse(message.contains("\n"), "\(label): \(message)")
        XCTAssertFalse(message.contains("Swift.") || message.contains("DecodingError"), message)
    }

    private func loadModel() throws {
        var generator = SeededGenerator(seed: 0)
        _ = try BertForSequenceClassification.load(from: folder, generator: &generator)
    }

    private func restore(_ name: String) throws {
        try Data(originals[name] ?? []).write(to: folder.appendingPathComponent(name))
    }

    func testMutatedSafetensorsHeadersLoadOrFailCleanly() throws {
        let original = originals["model.safetensors"] ?? []
        let headerLength = original.prefix(8).enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
        var generator = SeededGenerator(seed: 12)
        var failures = 0
        for round in 0..<400 {
            // The 8-byte length now and then, the JSON header otherwise.
            let range = round % 10 == 0 ? 0..<8 : 8..<(8 + headerLength)
            let bytes = mutate(original, within: range, &generator)
            try Data(bytes).write(to: folder.appendingPathComponent("model.safetensors"))
            do {
                try loadModel()
            } catch {
                failures += 1
                assertCleanError(error, "round \(round)")
            }
        }
        XCTAssertGreaterThan(failures, 100, "the mutations should break most headers")
    }

    func testMutatedConfigsLoadOrFailCleanly() throws {
        let original = originals["config.json"] ?? []
        var generator = SeededGenerator(seed: 13)
        var failures = 0
        for round in 0..<400 {
            var bytes = mutate(original, &generator)
            if round % 2 == 0 { bytes = mutate(bytes, &generator) }
            try Data(bytes).write(to: folder.appendingPathComponent("config.json"))
            do {
                try loadModel()
            } catch {
                failures += 1
                assertCleanError(error, "round \(round)")
            }
        }
        XCTAssertGreaterThan(failures, 100)
    }

    func testMutatedTokenizerFilesLoadOrFailCleanly() throws {
        var generator = SeededGenerator(seed: 14)
        var failures = 0
        for round in 0..<400 {
            let name = round % 4 == 3 ? "tokenizer_config.json" : "tokenizer.json"
            try restore("tokenizer.json")
            try restore("tokenizer_config.json")
            let bytes = mutate(originals[name] ?? [], &generator)
            try Data(bytes).write(to: folder.appendingPathComponent(name))
            do {
                let tokenizer = try BertTokenizer.load(from: folder)
                // What loaded must also work: encode a sentence with every kind of word.
                _ = tokenizer.encode("Héllo, WORLD! unaffable 日本 ##x", pair: "a b", maxLength: 32)
            } catch {
                failures += 1
                assertCleanError(error, "round \(round) \(name)")
            }
        }
        XCTAssertGreaterThan(failures, 50)
    }
}
