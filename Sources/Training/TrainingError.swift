// swift-bert — training.

import Foundation

/// A failure of fine-tuning, evaluation or saving.
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An option out of range (`name`, the value, what is allowed).
    case invalidOption(name: String, value: String, expected: String)
    /// A label id outside the model's `0..<numLabels`.
    case labelOutOfRange(label: Int, classes: Int)
    /// The model's problem type is not single-label classification.
    case unsupportedProblemType(String)
    /// A parameter is NaN or infinite; nothing was saved.
    case nonFiniteParameter(tensor: String)
    /// The output folder could not be written.
    case cannotWrite(path: String, reason: String)
    /// A step's loss or gradient norm is NaN or infinite; the run stopped before its update.
    case nonFiniteStep(step: Int, epoch: Int, batch: Int, loss: Float, gradientNorm: Float)
    /// The output folder would destroy an input or another folder's contents; nothing ran.
    case unsafeOutput(path: String, reason: String)
    /// A checkpoint folder is missing a file or holds a damaged one.
    case invalidCheckpoint(path: String, reason: String)
    /// A checkpoint was saved by a run with other data, model or options (the first
    /// difference: what, the checkpoint's value, this run's value).
    case checkpointMismatch(path: String, setting: String, saved: String, current: String)
    /// Data parallelism: `ranks` of the `size` ranks hold another `what` than rank 0 (other
    /// model files, data or seeds on some host, or a bug).
    case replicasDiffer(what: String, ranks: Int, size: Int)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let expected):
            return "\(name) = \(value): expected \(expected)"
        case .labelOutOfRange(let label, let classes):
            return "label \(label) is outside the model's \(classes) classes (0..<\(classes))"
        case .unsupportedProblemType(let type):
            return "problem type \(type) is not supported (single_label_classification only)"
        case .nonFiniteParameter(let tensor):
            return "\(tensor): not finite (NaN or infinity); the model was not saved"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .nonFiniteStep(let step, let epoch, let batch, let loss, let norm):
            return "step \(step) (epoch \(epoch), batch \(batch)): loss \(loss), gradient norm "
                + "\(norm): not finite; stopped before the update"
        case .unsafeOutput(let path, let reason):
            return "--output '\(path)': \(reason)"
        case .invalidCheckpoint(let path, let reason):
            return "\(path): not a usable checkpoint: \(reason)"
        case .checkpointMismatch(let path, let setting, let saved, let current):
            return "\(path): cannot resume: \(setting) differs (checkpoint: \(saved), "
                + "this run: \(current))"
        case .replicasDiffer(let what, let ranks, let size):
            return "\(ranks) of \(size) ranks differ from rank 0 in their \(what): every rank "
                + "must load the same model files and data with the same options"
        }
    }
}
