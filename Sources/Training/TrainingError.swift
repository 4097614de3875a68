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
        }
    }
}
