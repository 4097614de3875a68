// swift-bert — Training tests: masking for masked-language-model fine-tuning.

import BERT
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _AllocationCounter
import _TestSupport

final class MaskedLanguageModelingTests: XCTestCase {
    private static let tinyBert = TestPaths.fixture("tiny-bert")

    /// The kept texts of the text-file fixture and what transformers made of them.
    private func fixtureTexts() throws -> [[String: Any]] {
        let url = TestPaths.fixture("mlm/lines.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        let fixture = try XCTUnwrap(object as? [String: Any])
        let meta = try XCTUnwrap(fixture["meta"] as? [String: Any])
        XCTAssertEqual(meta["max_length"] as? Int, 16)
        return try ["lines", "jsonl"].flatMap { key in
            try XCTUnwrap((fixture[key] as? [String: Any])?["kept"] as? [[String: Any]])
        }
    }

    private func examples(
        _ masking: (BertTokenizer) throws -> MaskedLanguageModeling
    ) throws -> MaskedLanguageModelingExamples {
        let tokenizer = try BertTokenizer.load(from: Self.tinyBert)
        let texts = try fixtureTexts().compactMap { $0["text"] as? String }
        return MaskedLanguageModelingExamples(
            texts: texts, tokenizer: tokenizer, maxLength: 16, masking: try masking(tokenizer))
    }

    private func masking(
        _ tokenizer: BertTokenizer, seed: UInt64 = 42, probability: Double = 0.15,
        mask: Double = 0.8, random: Double = 0.1, wholeWord: Bool = false
    ) throws -> MaskedLanguageModeling {
        try MaskedLanguageModeling(
            maskTokenID: try XCTUnwrap(tokenizer.specialTokens.mask),
            vocabularySize: tokenizer.vocabulary.count, seed: seed, probability: probability,
            maskReplaceProbability: mask, randomReplaceProbability: random,
            wholeWordMask: wholeWord)
    }

    /// Asserts that `count` successes in `trials` fit probability `p` within 5 standard
    /// deviations of the binomial (a false alarm about once in 1.7 million runs).
    private func assertRate(
        _ count: Int, of trials: Int, is p: Double, _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let sigma = (p * (1 - p) / Double(trials)).squareRoot()
        let rate = Double(count) / Double(trials)
        XCTAssertLessThanOrEqual(
            abs(rate - p), 5 * sigma,
            "\(label): \(count)/\(trials) = \(rate), expected \(p) ± 5σ (σ \(sigma))",
            file: file, line: line)
    }

    func testSpecialTokensMaskAndWordStartsAreTheCollatorsOwn() throws {
        let cases = try fixtureTexts()
        let set = try examples { try self.masking($0) }
        XCTAssertEqual(set.count, cases.count)
        for (index, item) in cases.enumerated() {
            let label = "\((item["text"] as? String ?? "").debugDescription)"
            let range = set.encoded.offsets[index]..<set.encoded.offsets[index + 1]
            XCTAssertEqual(Array(set.encoded.inputIDs[range]), item["input_ids"] as? [Int32], label)
            XCTAssertEqual(
                set.specialTokensMask[range].map(Int.init), item["special_tokens_mask"] as? [Int],
                label)
            XCTAssertEqual(Array(set.wordStarts[range]), item["word_starts"] as? [Bool], label)
            // transformers' word ids: the running count of word starts, -1 on special tokens.
            var word = 0
            let ids = range.map { position -> Int in
                if set.wordStarts[position] { word += 1 }
                return set.specialTokensMask[position] == 1 ? -1 : word
            }
            XCTAssertEqual(ids, item["word_ids"] as? [Int], label)
        }
    }

    func testMasksAreAFunctionOfSeedEpochAndExampleAlone() throws {
        let set = try examples { try self.masking($0) }
        var alone = PackedBatch()
        var together = PackedBatch()
        together.fill(from: set, indices: [7, 3, 11, 0][...], epoch: 2)
        for (slot, index) in [7, 3, 11, 0].enumerated() {
            alone.fill(from: set, indices: index..<(index + 1), epoch: 2)
            let start = Int(together.sequenceOffsets[slot])
            let end = Int(together.sequenceOffsets[slot + 1])
            XCTAssertEqual(
                Array(together.inputIDs[start..<end]), alone.inputIDs, "example \(index)")
            XCTAssertEqual(Array(together.labels[start..<end]), alone.labels, "example \(index)")
            let expected = set.masked(index, epoch: 2)
            XCTAssertEqual(alone.inputIDs, expected.inputIDs)
            XCTAssertEqual(alone.labels, expected.labels)
        }
        // Another epoch or seed masks otherwise; the same ones mask the same.
        let all = 0..<set.count
        func masks(_ set: MaskedLanguageModelingExamples, epoch: Int) -> [Int32] {
            var batch = PackedBatch()
            batch.fill(from: set, indices: all, epoch: epoch)
            return batch.labels
        }
        XCTAssertEqual(masks(set, epoch: 1), masks(set, epoch: 1))
        XCTAssertNotEqual(masks(set, epoch: 1), masks(set, epoch: 2))
        let reseeded = try examples { try self.masking($0, seed: 43) }
        XCTAssertNotEqual(masks(set, epoch: 1), masks(reseeded, epoch: 1))
        // The replacement probabilities do not move the selection.
        let allMask = try examples { try self.masking($0, mask: 1, random: 0) }
        XCTAssertEqual(
            masks(set, epoch: 3).map { $0 == -100 }, masks(allMask, epoch: 3).map { $0 == -100 })
    }

    func testSpecialTokensAreNeverMaskedAndLabelsAreMinus100Elsewhere() throws {
        let set = try examples { try self.masking($0, probability: 1) }
        let mask = set.masking.maskTokenID
        for epoch in 1...50 {
            var batch = PackedBatch()
            batch.fill(from: set, indices: 0..<set.count, epoch: epoch)
            XCTAssertEqual(batch.labels.count, batch.tokens)
            for position in 0..<batch.tokens {
                let original = set.encoded.inputIDs[position]
                if set.specialTokensMask[position] == 1 {
                    XCTAssertEqual(batch.labels[position], -100, "special token \(position)")
                    XCTAssertEqual(batch.inputIDs[position], original)
                } else {
                    // Probability 1: every other token is selected, labelled with itself.
                    XCTAssertEqual(batch.labels[position], original, "token \(position)")
                }
            }
            XCTAssertTrue(batch.inputIDs.contains(mask))
        }
        // At the default rate, unselected tokens keep their id and have label -100.
        let rated = try examples { try self.masking($0) }
        var batch = PackedBatch()
        batch.fill(from: rated, indices: 0..<rated.count, epoch: 1)
        for position in 0..<batch.tokens where batch.labels[position] == -100 {
            XCTAssertEqual(batch.inputIDs[position], rated.encoded.inputIDs[position])
        }
        for position in 0..<batch.tokens where batch.labels[position] != -100 {
            XCTAssertEqual(batch.labels[position], rated.encoded.inputIDs[position])
        }
    }

    func testRatesAreFifteenPercentThenEightyTenTenWithinFiveSigma() throws {
        let set = try examples { try self.masking($0) }
        let vocab = set.masking.vocabularySize
        let mask = set.masking.maskTokenID
        var candidates = 0
        var selected = 0
        var masked = 0
        var unchanged = 0
        var other = 0
        var otherSum = 0.0
        for epoch in 1...600 {
            for index in 0..<set.count {
                let original = Array(set.encoded.inputIDs(of: index))
                let (inputs, labels) = set.masked(index, epoch: epoch)
                let range = set.encoded.offsets[index]..<set.encoded.offsets[index + 1]
                candidates += set.specialTokensMask[range].filter { $0 == 0 }.count
                for position in labels.indices where labels[position] != -100 {
                    selected += 1
                    if inputs[position] == mask {
                        masked += 1
                    } else if inputs[position] == original[position] {
                        unchanged += 1
                    } else {
                        other += 1
                        otherSum += Double(inputs[position])
                    }
                }
            }
        }
        XCTAssertGreaterThan(candidates, 80_000)
        assertRate(selected, of: candidates, is: 0.15, "selected")
        // A random id is [MASK] or the original 1 time in `vocab` each.
        let v = Double(vocab)
        assertRate(masked, of: selected, is: 0.8 + 0.1 / v, "[MASK]")
        assertRate(unchanged, of: selected, is: 0.1 + 0.1 / v, "unchanged")
        assertRate(other, of: selected, is: 0.1 * (1 - 2 / v), "random")
        // The random ids are uniform over 0..<vocab: their mean within 5σ of (vocab − 1) / 2.
        let sigma = ((v * v - 1) / 12 / Double(other)).squareRoot()
        XCTAssertLessThan(abs(otherSum / Double(other) - (v - 1) / 2), 5 * sigma + 1)
    }

    func testReplacementEdgeCasesFollowTheCollator() throws {
        func shares(mask: Double, random: Double) throws -> (
            masked: Int, unchanged: Int, total: Int
        ) {
            let set = try examples {
                try self.masking($0, probability: 1, mask: mask, random: random)
            }
            var result = (masked: 0, unchanged: 0, total: 0)
            for epoch in 1...20 {
                for index in 0..<set.count {
                    let original = Array(set.encoded.inputIDs(of: index))
                    let (inputs, labels) = set.masked(index, epoch: epoch)
                    for position in labels.indices where labels[position] != -100 {
                        result.total += 1
                        if inputs[position] == set.masking.maskTokenID { result.masked += 1 }
                        if inputs[position] == original[position] { result.unchanged += 1 }
                    }
                }
            }
            return result
        }
        let allMask = try shares(mask: 1, random: 0)
        XCTAssertEqual(allMask.masked, allMask.total)
        let keep = try shares(mask: 0, random: 0)
        XCTAssertEqual(keep.unchanged, keep.total, "no [MASK], no random id: all stay")
        let allRandom = try shares(mask: 0, random: 1)
        XCTAssertLessThan(allRandom.unchanged, allRandom.total / 50, "random ids, rarely the same")
        XCTAssertLessThan(allRandom.masked, allRandom.total / 50)
        let half = try shares(mask: 0.5, random: 0)
        assertRate(half.masked, of: half.total, is: 0.5, "mask 0.5, random 0: [MASK]")
        XCTAssertEqual(half.masked + half.unchanged, half.total, "the rest stays")
        let none = try examples { try self.masking($0, probability: 0) }
        for index in 0..<none.count {
            XCTAssertTrue(none.masked(index, epoch: 1).labels.allSatisfy { $0 == -100 })
        }
    }

    func testOptionsAreCheckedAsTheCollatorChecksThem() throws {
        let tokenizer = try BertTokenizer.load(from: Self.tinyBert)
        func message(_ p: Double, _ mask: Double, _ random: Double, wholeWord: Bool = false)
            -> String
        {
            do {
                _ = try masking(
                    tokenizer, probability: p, mask: mask, random: random, wholeWord: wholeWord)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(
            message(1.5, 0.8, 0.1), "mlm_probability = 1.5: expected a probability in [0, 1]")
        XCTAssertEqual(
            message(-0.1, 0.8, 0.1), "mlm_probability = -0.1: expected a probability in [0, 1]")
        XCTAssertEqual(
            message(0.15, 0.9, 0.2), "mask_replace_prob + random_replace_prob = 1.1: expected ≤ 1")
        XCTAssertEqual(
            message(0.15, 0.9, 0.2, wholeWord: true),
            "mask_replace_prob + random_replace_prob = 1.1: expected ≤ 1",
            "checked before whole-word masking resets them")
        XCTAssertEqual(
            message(0.15, -0.5, 0.6), "mask_replace_prob = -0.5: expected a probability in [0, 1]")
        XCTAssertEqual(message(0.15, 0.8, 0.2), "no error", "0.8 + 0.2 is 1 within rounding")
        let whole = try masking(tokenizer, mask: 0.8, random: 0.1, wholeWord: true)
        XCTAssertEqual(whole.maskReplaceProbability, 1)
        XCTAssertEqual(whole.randomReplaceProbability, 0)
        XCTAssertTrue(
            MaskedLanguageModeling.resetsReplacement(
                wholeWordMask: true, maskReplaceProbability: 0.8))
        XCTAssertThrowsError(
            try MaskedLanguageModeling(maskTokenID: 900, vocabularySize: 800, seed: 1)
        ) { XCTAssertEqual("\($0)", "mask token id = 900: expected an id in 0..<800") }
    }

    func testTheTokenizerGivesTheMaskIdAndVocabulary() throws {
        let tokenizer = try BertTokenizer.load(from: Self.tinyBert)
        let masking = try MaskedLanguageModeling(tokenizer: tokenizer, seed: 7)
        XCTAssertEqual(masking.maskTokenID, 4)
        XCTAssertEqual(masking.vocabularySize, 800)
        XCTAssertEqual(masking.probability, 0.15)
        XCTAssertEqual(masking.maskReplaceProbability, 0.8)
        XCTAssertEqual(masking.randomReplaceProbability, 0.1)
        var specials = tokenizer.specialTokens
        specials.mask = nil
        let unmasked = BertTokenizer(
            vocabulary: tokenizer.vocabulary, normalizer: tokenizer.normalizer,
            specialTokens: specials, addedTokens: [])
        XCTAssertThrowsError(try MaskedLanguageModeling(tokenizer: unmasked, seed: 7)) {
            XCTAssertEqual(
                "\($0)",
                "mask_token = none: expected a tokenizer with a mask token, which masked language modeling needs"
            )
        }
    }

    func testWholeWordsAreMaskedTogetherAtTheWordRate() throws {
        let set = try examples { try self.masking($0, wholeWord: true) }
        var words = 0
        var selectedWords = 0
        for epoch in 1...1500 {
            for index in 0..<set.count {
                let range = set.encoded.offsets[index]..<set.encoded.offsets[index + 1]
                let (inputs, labels) = set.masked(index, epoch: epoch)
                var wordStart: Int?
                for (offset, position) in range.enumerated() {
                    let special = set.specialTokensMask[position] == 1
                    if special {
                        XCTAssertEqual(labels[offset], -100)
                        wordStart = nil
                        continue
                    }
                    if set.wordStarts[position] {
                        wordStart = offset
                        words += 1
                        if labels[offset] != -100 { selectedWords += 1 }
                    }
                    let start = try XCTUnwrap(wordStart, "a text token belongs to a word")
                    // Every piece of a word shares its first piece's fate; selected → [MASK].
                    XCTAssertEqual(labels[offset] == -100, labels[start] == -100, "epoch \(epoch)")
                    if labels[offset] != -100 {
                        XCTAssertEqual(inputs[offset], set.masking.maskTokenID)
                    }
                }
            }
        }
        XCTAssertGreaterThan(words, 60_000)
        assertRate(selectedWords, of: words, is: 0.15, "words selected")
    }

    func testFillingAllocatesNothingOnceCapacityIsReserved() throws {
        try XCTSkipUnless(swiftbert_allocations_supported() != 0, "needs glibc")
        for wholeWord in [false, true] {
            let set = try examples { try self.masking($0, wholeWord: wholeWord) }
            let orders: [[Int]] = [[0, 5, 9, 2], [11, 10, 1], [3, 4, 6, 7, 8, 12, 13, 14]]
            var batch = PackedBatch()
            batch.reserveCapacity(
                tokens: set.encoded.tokenCount, batch: set.count, labels: set.encoded.tokenCount)
            var counts: [Int] = []
            for (epoch, order) in orders.enumerated() {
                let indices = order[...]
                swiftbert_allocations_start()
                set.fill(&batch, indices: indices, epoch: epoch + 1)
                counts.append(swiftbert_allocations_stop())
                XCTAssertEqual(batch.batch, order.count)
            }
            XCTAssertEqual(counts, [0, 0, 0], "wholeWord \(wholeWord)")
        }
    }

    func testTrainingExamplesFillMasksPerEpochAndRefusesOtherModels() throws {
        let set = try examples { try self.masking($0) }
        var first = PackedBatch()
        var second = PackedBatch()
        let indices = Array(0..<set.count)[...]
        set.fill(&first, indices: indices, epoch: 1)
        set.fill(&second, indices: indices, epoch: 2)
        XCTAssertNotEqual(first.labels, second.labels)
        set.fill(&second, indices: indices)
        XCTAssertEqual(
            second.labels,
            set.masked(0, epoch: MaskedLanguageModeling.evaluationEpoch).labels
                + (1..<set.count).flatMap { set.masked($0, epoch: 0).labels })
        XCTAssertEqual(
            (0..<set.count).map(set.length(of:)), (0..<set.count).map(set.encoded.length(of:)))
        // Sequence examples ignore the epoch.
        let sequences = EncodedExamples(inputIDs: [[2, 5, 3]], labels: [1])
        var a = PackedBatch()
        var b = PackedBatch()
        sequences.fill(&a, indices: [0][...], epoch: 3)
        sequences.fill(&b, indices: [0][...])
        XCTAssertEqual(a, b)
        // A sequence classifier is no masked language model.
        var generator = SeededGenerator(seed: 1)
        let (classifier, _) = try ModelFolder.load(
            from: Self.tinyBert, labels: CoLA.labelNames, generator: &generator)
        XCTAssertThrowsError(try set.checkLabels(for: classifier)) {
            XCTAssertEqual(
                "\($0)",
                "problem type masked-language-model texts for BertForSequenceClassification is not supported (single_label_classification only)"
            )
        }
    }

    func testEvaluationAveragesBatchLossesPerExampleAsTheTrainer() throws {
        let set = try examples { try self.masking($0) }
        XCTAssertEqual(set.count, 15)
        // Batches of 4: 4, 4, 4, 3 examples; the second batch's loss is NaN (no masked token).
        let losses: [Float] = [1, .nan, 2, 4]
        var batches = 0
        var maskedSeen = 0
        let result = set.evaluate(batchSize: 4) { batch in
            defer { batches += 1 }
            let expected = (batches * 4..<min(batches * 4 + 4, 15)).flatMap {
                set.masked($0, epoch: MaskedLanguageModeling.evaluationEpoch).labels
            }
            XCTAssertEqual(batch.labels, expected, "evaluation masks are epoch 0's")
            let masked = batch.labels.filter { $0 != -100 }.count
            maskedSeen += masked
            return (losses[batches], masked / 2)
        }
        XCTAssertEqual(batches, 4)
        let expectedLoss: Double = (1 * 4 + 2 * 4 + 4 * 3) / 11
        XCTAssertEqual(result.loss, expectedLoss, accuracy: 1e-12)
        XCTAssertEqual(result.perplexity, exp(result.loss), accuracy: 1e-9)
        XCTAssertEqual(result.maskedTokens, maskedSeen)
        XCTAssertEqual(result.count, 15)
        XCTAssertGreaterThan(result.accuracy, 0.3)
        XCTAssertLessThanOrEqual(result.accuracy, 0.5)
        let allNaN = set.evaluate(batchSize: 8) { _ in (.nan, 0) }
        XCTAssertTrue(allNaN.loss.isNaN && allNaN.perplexity.isNaN)
        XCTAssertEqual(allNaN.accuracy, 0)
    }

    func testPerplexityIsExpOfTheLossAndInfinityPastOverflow() {
        XCTAssertEqual(
            MaskedLanguageModelingEvaluation.perplexity(loss: log(4)), 4, accuracy: 1e-12)
        XCTAssertEqual(MaskedLanguageModelingEvaluation.perplexity(loss: 0), 1)
        XCTAssertEqual(MaskedLanguageModelingEvaluation.perplexity(loss: 710), .infinity)
        XCTAssertTrue(MaskedLanguageModelingEvaluation.perplexity(loss: .nan).isNaN)
    }
}
