// swift-bert — training tests.

import Datasets
import Tokenization
import Training
import XCTest
import _TestSupport

final class CoLALengthsTests: XCTestCase {
    /// The benchmark's table is CoLA's in_domain_train tokenized by our tokenizer (whose
    /// parity with HF's is tested in TokenizationTests), truncated at 64.
    func testHistogramIsCoLATrainingTokenized() throws {
        let tokenizer = try BertTokenizer.load(from: try TestPaths.miniLM())
        let cola = try CoLA(contentsOf: TestPaths.colaZip)
        let sentences = cola.examples(.inDomainTrain)
        var counts: [Int: Int] = [:]
        for sentence in sentences {
            counts[min(64, tokenizer.tokenize(sentence.text).count + 2), default: 0] += 1
        }
        let measured = counts.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }
        XCTAssertEqual(CoLALengths.histogram.map { [$0.length, $0.count] }, measured)
        XCTAssertEqual(CoLALengths.sentenceCount, sentences.count)
        XCTAssertEqual(
            CoLALengths.heldOutCount,
            cola.examples(.outOfDomainDev).count + cola.examples(.inDomainDev).count)
        XCTAssertEqual(
            CoLALengths.trainingCount,
            try trainValidationSplit(count: sentences.count, validationFraction: 0.1).train.count)
    }

    func testShuffledLengthsKeepTheMultiset() {
        let lengths = CoLALengths.shuffledLengths(seed: 7)
        XCTAssertEqual(lengths.count, 8_551)
        XCTAssertEqual(lengths.sorted(), CoLALengths.shuffledLengths(seed: 8).sorted())
        XCTAssertNotEqual(lengths, CoLALengths.shuffledLengths(seed: 8))
        XCTAssertEqual(lengths, CoLALengths.shuffledLengths(seed: 7))
    }
}
