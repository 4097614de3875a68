// swift-bert — training.

/// What a fine-tuning run reports as it goes; the library never prints, the caller decides.
public enum TrainingProgress: Sendable {
    /// An epoch begins (`epoch` is 1-based).
    case epochStarted(epoch: Int, epochs: Int, batches: Int)
    /// One optimizer step finished.
    case step(StepReport)
    /// Training of `epoch` is over and validation begins.
    case validationStarted(epoch: Int)
    /// An epoch, with its validation, is over.
    case epochFinished(EpochReport)
    /// A step's loss or gradient norm was not finite and `skipNonFinite` skipped its update.
    case stepSkipped(StepReport)
}

/// One optimizer step.
public struct StepReport: Sendable, Equatable, Codable {
    /// 1-based epoch.
    public var epoch: Int
    /// 1-based batch within the epoch (the tutorial's "Batch 40 of 241").
    public var batch: Int
    /// Batches in each epoch.
    public var batchesPerEpoch: Int
    /// 1-based optimizer step over the whole run.
    public var step: Int
    /// The batch's mean cross-entropy, before the update.
    public var loss: Float
    /// The learning rate this step used.
    public var learningRate: Double
    /// The global gradient norm before clipping (what `clip_grad_norm_` returns).
    public var gradientNorm: Float
    /// Seconds since the epoch started.
    public var elapsed: Double
}

/// One epoch's figures.
public struct EpochReport: Sendable, Equatable, Codable {
    /// 1-based epoch.
    public var epoch: Int
    /// The mean of the epoch's batch losses (the tutorial's "Average training loss").
    public var trainingLoss: Double
    /// Optimizer steps run in this epoch.
    public var steps: Int
    /// Validation figures; nil when there is no validation set.
    public var validation: EvaluationResult?
    /// Seconds spent training, then validating.
    public var trainingSeconds: Double
    public var validationSeconds: Double
}

/// A whole run's figures.
public struct TrainingSummary: Sendable, Equatable, Codable {
    /// Every step's batch loss, in order.
    public var stepLosses: [Float] = []
    /// Every step's figures, in order (skipped steps included).
    public var stepReports: [StepReport] = []
    /// The steps skipped for a non-finite loss or gradient norm (`skipNonFinite`).
    public var skippedSteps: [Int] = []
    /// Every epoch's figures.
    public var epochs: [EpochReport] = []
    /// Optimizer steps run.
    public var steps: Int { stepLosses.count }
}

/// Figures of a model on a labeled set.
public struct EvaluationResult: Sendable, Equatable, Codable {
    /// Mean cross-entropy over the examples.
    public var loss: Double
    /// Fraction of examples whose argmax logit is their label.
    public var accuracy: Double
    /// Matthews correlation coefficient (``Metrics/matthewsCorrelation(confusion:)``).
    public var matthewsCorrelation: Double
    /// `confusion[label][prediction]`.
    public var confusion: [[Int]]
    /// Number of examples.
    public var count: Int
    /// Macro-averaged F1 (``Metrics/macroF1(confusion:)``).
    public var macroF1: Double = 0
    /// Token classification: seqeval's entity scores (then ``accuracy`` is the words' and
    /// ``count`` the number of words).
    public var entities: EntitySummary? = nil
    /// Regression: MSE, Pearson, Spearman (then ``loss`` is the MSE too).
    public var regression: RegressionSummary? = nil
    /// Multi-label classification: micro/macro F1 and subset accuracy (also in
    /// ``accuracy`` and ``macroF1``).
    public var multiLabel: MultiLabelSummary? = nil
    /// Question answering: the SQuAD scores of the post-processed answers (then ``loss`` is
    /// the span loss of the validation features and ``count`` the number of questions).
    public var questionAnswering: QuestionAnsweringSummary? = nil
    /// Masked-LM: `exp(loss)`, the validation perplexity as `run_mlm.py` reports it (then
    /// ``loss`` is the mean masked-token cross-entropy and ``count`` the masked tokens).
    public var perplexity: Double? = nil
}

/// The official SQuAD evaluation's figures (percentages, as its scripts print them): overall,
/// and for SQuAD v2 also on the answerable and the unanswerable questions apart.
public struct QuestionAnsweringSummary: Sendable, Equatable, Codable {
    public var exactMatch: Double
    public var f1: Double
    public var total: Int
    public var hasAnswer: Split?
    public var noAnswer: Split?

    /// The scores of one part of the questions (`HasAns_*`, `NoAns_*`).
    public struct Split: Sendable, Equatable, Codable {
        public var exactMatch: Double
        public var f1: Double
        public var total: Int

        public init(exactMatch: Double, f1: Double, total: Int) {
            self.exactMatch = exactMatch
            self.f1 = f1
            self.total = total
        }
    }

    public init(exactMatch: Double, f1: Double, total: Int, hasAnswer: Split? = nil, noAnswer: Split? = nil) {
        self.exactMatch = exactMatch
        self.f1 = f1
        self.total = total
        self.hasAnswer = hasAnswer
        self.noAnswer = noAnswer
    }
}
