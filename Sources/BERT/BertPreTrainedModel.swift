// swift-bert — the BERT model.

import Foundation
import Kernels
import Randomness
import Tokenization

/// What every BERT task model shares, as transformers' `BertPreTrainedModel`: the
/// configuration, one flat buffer holding every parameter (the encoder's first, then the
/// head's, laid out by a ``ParameterTable``), the precision of its GEMMs with the bf16 weight
/// copy, which encoder tensors train, and the ``BertEncoder`` that reads them. Task models
/// (``BertForSequenceClassification``, ``BertForTokenClassification``, …) add their head.
public class BertPreTrainedModel: @unchecked Sendable {
    public let configuration: BertConfiguration
    public let table: ParameterTable
    /// Every parameter, at the offsets of ``table``.
    public let parameters: FloatBuffer
    /// The embeddings and layers, reading their tensors from ``parameters``.
    public let encoder: BertEncoder
    /// The element type of the model's GEMMs (``setPrecision(_:)``).
    public private(set) var precision: Precision = .float32
    /// With ``precision`` `.bfloat16`: every parameter rounded to bf16, the weights the GEMMs
    /// read. The optimizer rewrites it in its update pass; after changing ``parameters`` any
    /// other way, call ``refreshBFloat16Parameters()``.
    public private(set) var bfloat16Parameters: BFloat16Buffer?
    /// Which encoder tensors train (`requires_grad`); the head always does. The backward pass
    /// skips the frozen part and the optimizer updates only ``trainableRange``.
    public var freezing: BertEncoder.Freezing = .none

    /// A model whose tensors `table` places, all zero.
    init(configuration: BertConfiguration, table: ParameterTable) {
        self.configuration = configuration
        self.table = table
        self.parameters = FloatBuffer(count: table.count)
        self.encoder = BertEncoder(configuration: configuration, table: table)
    }

    /// A bare encoder (transformers' `BertModel` without its pooler), all zero: what sentence
    /// embeddings read. Task models override it with their head.
    public required convenience init(configuration: BertConfiguration) {
        self.init(
            configuration: configuration,
            table: ParameterTable(tensors: BertEncoder.tensorShapes(configuration)))
    }

    /// The transformers class this model is (`architectures` in config.json).
    public class var architecture: String { "BertModel" }

    /// Name prefixes of tensors a checkpoint may lack, newly initialized when absent (the
    /// head's, as `from_pretrained` initializes the weights a base checkpoint lacks).
    public class var optionalTensorPrefixes: [String] { [] }
    /// Tensors transformers ties to another (`_tied_weights_keys`: tied name → the name this
    /// model stores): a checkpoint may hold either name, and the tied one, when both are
    /// there, is the same tensor and is not reported unused.
    public class var tiedTensorNames: [String: String] { [:] }
    /// Name prefixes of tensors a checkpoint may hold with another shape, then replaced
    /// whole (the classifier, when the label count changed).
    public class var resizableTensorPrefixes: [String] { [] }

    /// The part of the buffer that trains under ``freezing``: everything after the frozen
    /// encoder prefix.
    public var trainableRange: Range<Int> { encoder.frozenCount(freezing)..<table.count }

    /// The weights a pass reads now.
    public var weights: ModelWeights {
        ModelWeights(
            values: UnsafePointer(parameters.pointer),
            bfloat16: bfloat16Parameters.map { UnsafePointer($0.pointer) }, precision: precision)
    }

    /// Runs the model's GEMMs in `precision` from now on: `.bfloat16` makes (or refreshes)
    /// the bf16 copy of the parameters, `.float32` drops it.
    public func setPrecision(_ precision: Precision) {
        self.precision = precision
        if precision == .bfloat16 {
            if bfloat16Parameters == nil { bfloat16Parameters = BFloat16Buffer(count: table.count) }
            refreshBFloat16Parameters()
        } else {
            bfloat16Parameters = nil
        }
    }

    /// Rewrites the bf16 copy from ``parameters`` (nothing to do in fp32).
    public func refreshBFloat16Parameters() {
        guard let copy = bfloat16Parameters else { return }
        BFloat16.convert(copy.pointer, parameters.pointer, count: table.count)
    }

    /// The parameter tensor named `name` (an HF state-dict name), as a mutable view.
    public func parameter(_ name: String) -> UnsafeMutableBufferPointer<Float> {
        let entry = table[name]
        return UnsafeMutableBufferPointer(start: parameters.pointer + entry.offset, count: entry.count)
    }

    /// Initializes `names` as transformers' `BertPreTrainedModel._init_weights` does: linear
    /// and embedding weights N(0, initializer_range), biases 0, LayerNorm weight 1, bias 0.
    /// Draws from `generator` (not torch's RNG: same distribution, not the same numbers).
    public func initialize(_ names: [String], generator: inout SeededGenerator) {
        let std = configuration.initializerRange
        for name in names {
            let values = parameter(name)
            if name.hasSuffix("LayerNorm.weight") {
                values.update(repeating: 1)
            } else if name.hasSuffix(".bias") {
                values.update(repeating: 0)
            } else {
                for index in values.indices {
                    values[index] = Float(generator.nextNormal(mean: 0, standardDeviation: std))
                }
            }
        }
    }

    /// Checks that `tokenizer` can only produce ids that index the word embedding (a smaller
    /// vocabulary is accepted, as transformers accepts it).
    /// - Throws: ``ModelError/vocabularyMismatch(folder:tokenizer:embeddingRows:)``.
    public func checkVocabulary(of tokenizer: BertTokenizer, folder: String) throws {
        let rows = configuration.vocabSize
        if tokenizer.vocabulary.count > rows {
            throw ModelError.vocabularyMismatch(
                folder: folder, tokenizer: tokenizer.vocabulary.count, embeddingRows: rows)
        }
    }

    /// The preconditions of a head model's backward pass: `activations` were filled for
    /// `input` and `gradients` have this model's layout.
    func checkBackward(
        _ input: PackedBatch, activations: EncoderActivations, gradients: EncoderGradients
    ) {
        precondition(
            activations.tokenCapacity >= input.tokens && activations.batchCapacity >= input.batch,
            "backward: activations were not filled for this batch")
        precondition(gradients.table.count == table.count, "backward: gradients of another model")
        gradients.reserve(for: input)
    }

    /// Checks that every id of `input` indexes the embeddings.
    /// - Throws: ``ModelError/invalidInput(_:)`` naming the sequence and the limit.
    public func validate(_ input: PackedBatch) throws {
        let c = configuration
        for sequence in 0..<input.batch {
            let start = Int(input.sequenceOffsets[sequence])
            let end = Int(input.sequenceOffsets[sequence + 1])
            if end - start > c.maxPositionEmbeddings {
                throw ModelError.invalidInput(
                    "sequence \(sequence): \(end - start) tokens, more than max_position_embeddings \(c.maxPositionEmbeddings)"
                )
            }
            for t in start..<end {
                if input.inputIDs[t] < 0 || Int(input.inputIDs[t]) >= c.vocabSize {
                    throw ModelError.invalidInput(
                        "sequence \(sequence): token id \(input.inputIDs[t]) outside vocab_size \(c.vocabSize)")
                }
                if input.tokenTypeIDs[t] < 0 || Int(input.tokenTypeIDs[t]) >= c.typeVocabSize {
                    throw ModelError.invalidInput(
                        "sequence \(sequence): token type \(input.tokenTypeIDs[t]) outside type_vocab_size \(c.typeVocabSize)")
                }
            }
        }
    }
}
