// swift-bert — Training tests: answer spans against transformers' question-answering pipeline.

import Foundation
import Training
import XCTest

final class AnswerDecoderTests: XCTestCase {
    private func window(_ item: [String: Any], _ label: String) throws -> AnswerWindow {
        let offsets = try XCTUnwrap(item["offsets"] as? [[Int]], label).map { pair -> Range<Int> in
            XCTAssertEqual(pair.count, 2, label)
            return pair[0]..<pair[1]
        }
        func optionals(_ key: String) throws -> [Int?] {
            try XCTUnwrap(item[key] as? [Any], label).map { $0 as? Int }
        }
        func floats(_ key: String) throws -> [Float] {
            try XCTUnwrap(item[key] as? [NSNumber], label).map { $0.floatValue }
        }
        return AnswerWindow(
            tokenIDs: try XCTUnwrap(item["input_ids"] as? [Int], label),
            sequenceIDs: try optionals("sequence_ids"), wordIDs: try optionals("word_ids"),
            offsets: offsets, startLogits: try floats("start_logits"),
            endLogits: try floats("end_logits"))
    }

    func testAnswersEqualThePipelinesForEveryParameterSet() throws {
        let fixture = try MetricFixture.load("qa_pipeline.json")
        let meta = try XCTUnwrap(fixture["meta"] as? [String: Any])
        let clsTokenID = try XCTUnwrap(meta["cls_token_id"] as? Int)
        let cases = MetricFixture.cases(fixture, "cases")
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        var runs = 0
        var multiWindow = 0
        var impossibleAnswers = 0
        var merged = 0
        for item in cases {
            let question = try XCTUnwrap(item["question"] as? String)
            let context = try XCTUnwrap(item["context"] as? String, question)
            let windows = try XCTUnwrap(item["windows"] as? [[String: Any]], question)
                .enumerated().map { try window($0.element, "\(question) window \($0.offset)") }
            if windows.count > 1 { multiWindow += 1 }
            for run in try XCTUnwrap(item["runs"] as? [[String: Any]], question) {
                let parameters = try XCTUnwrap(run["parameters"] as? [String: Any], question)
                let options = AnswerDecodingOptions(
                    topK: parameters["top_k"] as? Int ?? 1,
                    maxAnswerLength: parameters["max_answer_len"] as? Int ?? 15,
                    handleImpossibleAnswer: parameters["handle_impossible_answer"] as? Bool
                        ?? false,
                    alignToWords: parameters["align_to_words"] as? Bool ?? true)
                let label = "\(question) \(parameters)"
                let expected = try XCTUnwrap(run["answers"] as? [[String: Any]], label)
                let actual = AnswerDecoder.answers(
                    context: context, windows: windows, clsTokenID: clsTokenID, options: options)
                runs += 1
                XCTAssertEqual(actual.count, expected.count, label)
                for (rank, (answer, want)) in zip(actual, expected).enumerated() {
                    let where_ = "\(label) #\(rank)"
                    XCTAssertEqual(answer.start, want["start"] as? Int, where_)
                    XCTAssertEqual(answer.end, want["end"] as? Int, where_)
                    XCTAssertEqual(
                        answer.answer.unicodeScalars.map(\.value),
                        (want["answer"] as? String)?.unicodeScalars.map(\.value), where_)
                    let score = try XCTUnwrap(want["score"] as? Double, where_)
                    XCTAssertEqual(answer.score, score, accuracy: 1e-5 * score, where_)
                    if answer.answer.isEmpty { impossibleAnswers += 1 }
                }
                // The default run also checks that scores are sums over several spans.
                if parameters.isEmpty, let best = actual.first {
                    let single = AnswerDecoder.answers(
                        context: context, windows: windows, clsTokenID: clsTokenID,
                        options: AnswerDecodingOptions(alignToWords: false))
                    if single.first.map({ $0.score < best.score * 0.999 }) ?? false { merged += 1 }
                }
            }
        }
        XCTAssertGreaterThan(runs, 120)
        XCTAssertGreaterThan(multiWindow, 4)
        XCTAssertGreaterThan(impossibleAnswers, 0)
        XCTAssertGreaterThan(merged, 5)
    }

    func testWindowingDefaultsFollowThePipeline() throws {
        XCTAssertEqual(
            try AnswerWindowing(modelMaxLength: 512),
            try AnswerWindowing(modelMaxLength: 512, maxSequenceLength: 384, documentStride: 128))
        // tiny-bert-qa's model_max_length is 64; the fixture names what the pipeline chose.
        let meta = try XCTUnwrap(
            try MetricFixture.load("qa_pipeline.json")["meta"] as? [String: Any])
        let tiny = try AnswerWindowing(modelMaxLength: 64)
        XCTAssertEqual(tiny.maxSequenceLength, meta["max_seq_len"] as? Int)
        XCTAssertEqual(tiny.documentStride, meta["doc_stride"] as? Int)
        XCTAssertEqual(
            try AnswerWindowing(modelMaxLength: 512, maxSequenceLength: 200).documentStride, 100)
        XCTAssertThrowsError(try AnswerWindowing(modelMaxLength: 64, documentStride: 65))
    }

    func testContextTokensOnlyAndCaseInsensitiveMerging() {
        // [CLS] q [SEP] Berlin berlin [SEP]: both context words give "Berlin"/"berlin",
        // which merge into the first one's span with the summed score.
        let window = AnswerWindow(
            tokenIDs: [2, 10, 3, 11, 11, 3], sequenceIDs: [nil, 0, nil, 1, 1, nil],
            wordIDs: [nil, 0, nil, 0, 1, nil],
            offsets: [0..<0, 0..<1, 0..<0, 0..<6, 7..<13, 0..<0],
            startLogits: [0, 9, 9, 1, 1, 9], endLogits: [0, 9, 9, 1, 0.5, 9])
        let answers = AnswerDecoder.answers(
            context: "Berlin berlin", windows: [window], clsTokenID: 2,
            options: AnswerDecodingOptions(topK: 5))
        XCTAssertEqual(answers.map(\.answer), ["Berlin", "Berlin berlin"])
        XCTAssertEqual(answers[0].start, 0)
        XCTAssertEqual(answers[0].end, 6)
        // CLS, context: softmax over [0, 1, 1] and [0, 1, 0.5]; the CLS share is then dropped.
        let startP = [1.0, M_E, M_E].map { $0 / (1 + 2 * M_E) }
        let endP = [1.0, M_E, exp(0.5)].map { $0 / (1 + M_E + exp(0.5)) }
        XCTAssertEqual(answers[0].score, startP[1] * endP[1] + startP[2] * endP[2], accuracy: 1e-12)
        XCTAssertEqual(answers[1].score, startP[1] * endP[2], accuracy: 1e-12)
    }
}
