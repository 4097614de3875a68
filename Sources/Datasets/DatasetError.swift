// swift-bert — Datasets: the module's one error type.

import Foundation
import _RegularFile

/// An error found while reading, checking or splitting a dataset.
///
/// Every case names the file it concerns; cases about a row also carry its 1-based line
/// number, and cases about a value carry the field name with the expected and actual
/// values. `description` is one line in the compiler's `file:line: message` form, fit to be
/// shown to a user as it is.
///
/// Files inside an archive are named `archive.zip:path/inside/archive`, so
/// `cola_public_1.1.zip:cola_public/raw/in_domain_train.tsv:12: …` points at the row exactly.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file or folder that should exist does not.
    case fileNotFound(file: String)
    /// A file exists but could not be read.
    case unreadableFile(file: String, reason: String)
    /// A folder holds none of the layouts the loader knows; `expected` lists them.
    case unrecognizedLayout(file: String, expected: String)
    /// A zip archive could not be opened or one of its entries could not be extracted.
    case corruptArchive(file: String, reason: String)
    /// An archive lacks an entry that the dataset needs.
    case missingEntry(archive: String, entry: String)
    /// An archive matches more than one entry name (a repacked archive with two copies).
    case ambiguousEntry(archive: String, entry: String, candidates: [String])
    /// A file's SHA-256 digest is not the one published for it (lower-case hex digests).
    case checksumMismatch(file: String, expected: String, actual: String)
    /// A line is not valid UTF-8.
    case invalidUTF8(file: String, line: Int)
    /// A row has the wrong number of tab-separated columns.
    case wrongColumnCount(file: String, line: Int, expected: Int, actual: Int)
    /// A field holds a value outside its allowed set (`expected` describes the set).
    case invalidValue(file: String, line: Int, field: String, value: String, expected: String)
    /// A train/validation split was asked for that cannot be made.
    case invalidSplit(count: Int, validationFraction: Double, reason: String)
    /// A file that must hold examples holds none.
    case noExamples(file: String)
    /// A table has no column of that name (or index); `available` lists the header's
    /// names, or is empty for a file without a header.
    case missingColumn(file: String, line: Int, column: String, available: [String])
    /// A row of a CSV or TSV file has more or fewer fields than the file's first row.
    case raggedRow(file: String, line: Int, expected: Int, actual: Int)
    /// A CSV record breaks RFC 4180 (an unterminated quoted field, text after a closing quote).
    case invalidCSV(file: String, line: Int, reason: String)
    /// A line of a JSON Lines file is not a JSON object.
    case invalidJSON(file: String, line: Int, reason: String)
    /// A value of a JSON document, named by its path from the root
    /// (`data[3].paragraphs[0].qas[2].answers[0].answer_start`), is missing or wrong.
    case invalidField(file: String, path: String, value: String, expected: String)
    /// An example cannot become model inputs (named by its id).
    case invalidExample(id: String, reason: String)

    /// The file the error concerns (`archive:entry` for a missing entry), or `nil` for a split.
    public var file: String? {
        switch self {
        case .fileNotFound(let file), .unreadableFile(let file, _),
            .unrecognizedLayout(let file, _), .corruptArchive(let file, _),
            .checksumMismatch(let file, _, _), .invalidUTF8(let file, _),
            .wrongColumnCount(let file, _, _, _), .invalidValue(let file, _, _, _, _),
            .noExamples(let file), .missingColumn(let file, _, _, _),
            .raggedRow(let file, _, _, _), .invalidCSV(let file, _, _),
            .invalidJSON(let file, _, _), .invalidField(let file, _, _, _):
            return file
        case .missingEntry(let archive, let entry), .ambiguousEntry(let archive, let entry, _):
            return "\(archive):\(entry)"
        case .invalidSplit, .invalidExample:
            return nil
        }
    }

    /// The 1-based line the error concerns, when it concerns one row.
    public var line: Int? {
        switch self {
        case .invalidUTF8(_, let line), .wrongColumnCount(_, let line, _, _),
            .invalidValue(_, let line, _, _, _), .missingColumn(_, let line, _, _),
            .raggedRow(_, let line, _, _), .invalidCSV(_, let line, _),
            .invalidJSON(_, let line, _):
            return line
        default:
            return nil
        }
    }

    /// A one-line message: `file[:line]: what is wrong`.
    public var description: String {
        switch self {
        case .fileNotFound(let file):
            return "\(file): no such file or folder"
        case .unreadableFile(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .unrecognizedLayout(let file, let expected):
            return "\(file): not a recognized dataset layout; expected \(expected)"
        case .corruptArchive(let file, let reason):
            return "\(file): corrupt or unreadable zip archive: \(reason)"
        case .missingEntry(let archive, let entry):
            return "\(archive): archive has no entry \(entry)"
        case .ambiguousEntry(let archive, let entry, let candidates):
            return "\(archive): archive has several entries matching \(entry): "
                + candidates.joined(separator: ", ")
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file): SHA-256 mismatch: expected \(expected), got \(actual)"
        case .invalidUTF8(let file, let line):
            return "\(file):\(line): invalid UTF-8"
        case .wrongColumnCount(let file, let line, let expected, let actual):
            return "\(file):\(line): expected \(expected) tab-separated columns, found \(actual)"
        case .invalidValue(let file, let line, let field, let value, let expected):
            let found = value.debugDescription
            return "\(file):\(line): field '\(field)': expected \(expected), found \(found)"
        case .invalidSplit(let count, let fraction, let reason):
            return "cannot split \(count) examples with validation fraction \(fraction): \(reason)"
        case .noExamples(let file):
            return "\(file): no examples: the training set is empty"
        case .missingColumn(let file, let line, let column, let available):
            let known =
                available.isEmpty
                ? "; no header row was found, so columns are 0-based indices"
                : "; columns: " + available.joined(separator: ", ")
            return "\(file):\(line): field '\(column)': no such column\(known)"
        case .raggedRow(let file, let line, let expected, let actual):
            return "\(file):\(line): expected \(expected) fields (as in the first row), found \(actual)"
        case .invalidCSV(let file, let line, let reason):
            return "\(file):\(line): invalid CSV: \(reason)"
        case .invalidJSON(let file, let line, let reason):
            return "\(file):\(line): invalid JSON: \(reason)"
        case .invalidField(let file, let path, let value, let expected):
            return "\(file): field '\(path)': expected \(expected), found \(value.debugDescription)"
        case .invalidExample(let id, let reason):
            return "example \(id.debugDescription): \(reason)"
        }
    }
}

extension DatasetError {
    /// Reads a whole file, mapping failures to ``fileNotFound(file:)`` or
    /// ``unreadableFile(file:reason:)``.
    ///
    /// Only a regular file is read: a FIFO, a device or a folder is refused by name.
    static func readFile(_ url: URL) throws -> Data {
        do {
            return try RegularFile.read(url, limit: 1 << 36)
        } catch {
            if error.isMissing { throw DatasetError.fileNotFound(file: url.path) }
            throw DatasetError.unreadableFile(file: url.path, reason: error.reason)
        }
    }
}
