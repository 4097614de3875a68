// swift-bert — Datasets: the Corpus of Linguistic Acceptability (CoLA 1.1).

import Foundation

/// One row of a CoLA file: a sentence with its acceptability judgment.
public struct CoLASentence: Sendable, Hashable, Codable {
    /// The code of the publication the sentence comes from (`gj04`, `ks08`, …).
    public var source: String
    /// The acceptability judgment: 1 acceptable, 0 unacceptable.
    public var label: Int
    /// The original author's notation (`*` for unacceptable, sometimes `?`, `??`, `#`;
    /// often empty).
    public var notation: String
    /// The sentence.
    public var text: String
    /// The file and 1-based line it was read from.
    public var location: SourceLocation

    /// Creates a row.
    public init(
        source: String, label: Int, notation: String, text: String,
        location: SourceLocation
    ) {
        self.source = source
        self.label = label
        self.notation = notation
        self.text = text
        self.location = location
    }

    /// The sentence as a single-text classification example.
    public var example: LabeledExample {
        LabeledExample(text: text, textPair: nil, label: label, location: location)
    }
}

/// The CoLA 1.1 dataset as the tutorial uses it: the three files under `raw/`.
///
/// Loads from the published `cola_public_1.1.zip` (read in memory, its SHA-256 checked) or
/// from the folder it unzips to:
///
/// ```swift
/// let cola = try CoLA(contentsOf: URL(fileURLWithPath: "cola_public_1.1.zip"))
/// print(cola[.inDomainTrain].count)  // 8551
/// ```
///
/// The files are tab-separated with four columns (source, label, notation, sentence), no
/// header and no quoting: a `"` in a sentence is an ordinary character.
public struct CoLA: Sendable, Equatable {
    /// One of the dataset's files.
    public enum Split: String, CaseIterable, Sendable, Codable {
        /// `raw/in_domain_train.tsv`, 8,551 sentences: the tutorial's training data (it
        /// splits 10 % off for validation).
        case inDomainTrain = "in_domain_train"
        /// `raw/in_domain_dev.tsv`, 527 sentences.
        case inDomainDev = "in_domain_dev"
        /// `raw/out_of_domain_dev.tsv`, 516 sentences: the tutorial's test set.
        case outOfDomainDev = "out_of_domain_dev"

        /// The file's path relative to the `cola_public` folder.
        public var relativePath: String { "raw/\(rawValue).tsv" }

        /// The number of rows in the published file.
        public var publishedCount: Int {
            switch self {
            case .inDomainTrain: return 8551
            case .inDomainDev: return 527
            case .outOfDomainDev: return 516
            }
        }
    }

    /// The published archive's file name.
    public static let archiveName = "cola_public_1.1.zip"
    /// The published archive's SHA-256 digest, in lower-case hex.
    public static let archiveSHA256 =
        "2cf856f46df11c143d38e0cf2f9f34ff2fdb088c521cd859f5c4b9581683278b"
    /// Where the tutorial downloads the archive from.
    public static let downloadAddress = "https://nyu-mll.github.io/CoLA/cola_public_1.1.zip"
    /// The label names, indexed by label id.
    public static let labelNames = ["unacceptable", "acceptable"]
    /// The number of columns in every row.
    public static let columnCount = 4

    /// The archive or folder the dataset was read from.
    public let origin: String
    /// The rows of `raw/in_domain_train.tsv`, in file order.
    public var inDomainTrain: [CoLASentence]
    /// The rows of `raw/in_domain_dev.tsv`, in file order.
    public var inDomainDev: [CoLASentence]
    /// The rows of `raw/out_of_domain_dev.tsv`, in file order.
    public var outOfDomainDev: [CoLASentence]

    /// The rows of one file, in file order.
    public subscript(split: Split) -> [CoLASentence] {
        switch split {
        case .inDomainTrain: return inDomainTrain
        case .inDomainDev: return inDomainDev
        case .outOfDomainDev: return outOfDomainDev
        }
    }

    /// The rows of one file as classification examples, in file order.
    public func examples(_ split: Split) -> [LabeledExample] {
        self[split].map(\.example)
    }

    /// Loads the three files from a zip archive or a folder.
    ///
    /// `url` may be:
    /// - the zip archive (`cola_public_1.1.zip`), read whole into memory; its entries are
    ///   looked up under `cola_public/`, or anywhere in the archive if a repacked copy has
    ///   another root;
    /// - the `cola_public` folder (holding `raw/`);
    /// - a folder holding `cola_public/` (where the tutorial unzips it);
    /// - a folder holding `cola_public_1.1.zip`.
    ///
    /// - Parameters:
    ///   - url: The archive or folder.
    ///   - verifyChecksum: Whether to check an archive's SHA-256 against ``archiveSHA256``;
    ///     pass `false` for a copy that was repacked or edited. Folders are never checked.
    /// - Throws: ``DatasetError``: a missing file, a checksum mismatch (naming the archive,
    ///   the expected and the actual digest), a corrupt archive, an unrecognized folder, or
    ///   a bad row (naming the file, the 1-based line and the field).
    public init(contentsOf url: URL, verifyChecksum: Bool = true) throws {
        let files = try Self.files(at: url, verifyChecksum: verifyChecksum)
        origin = files.origin
        func load(_ split: Split) throws -> [CoLASentence] {
            let (data, name) = try files.read(split.relativePath)
            return try Self.parse(data, file: name)
        }
        inDomainTrain = try load(.inDomainTrain)
        inDomainDev = try load(.inDomainDev)
        outOfDomainDev = try load(.outOfDomainDev)
    }

    /// Creates a dataset from rows already in memory.
    public init(
        origin: String, inDomainTrain: [CoLASentence], inDomainDev: [CoLASentence],
        outOfDomainDev: [CoLASentence]
    ) {
        self.origin = origin
        self.inDomainTrain = inDomainTrain
        self.inDomainDev = inDomainDev
        self.outOfDomainDev = outOfDomainDev
    }

    /// Parses one CoLA file (four tab-separated columns, no header, no quoting).
    ///
    /// Lines may end in LF or CR LF, the last one may lack its newline, and empty lines are
    /// skipped (still counted for line numbers).
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - file: The file's name for locations and errors.
    /// - Returns: The rows in file order.
    /// - Throws: ``DatasetError/invalidUTF8(file:line:)``,
    ///   ``DatasetError/wrongColumnCount(file:line:expected:actual:)``, or
    ///   ``DatasetError/invalidValue(file:line:field:value:expected:)`` for a label other
    ///   than `0` or `1` (field `label`).
    public static func parse(_ data: Data, file: String) throws -> [CoLASentence] {
        try TabSeparatedText.rows(in: data, file: file).map { row in
            guard row.fields.count == columnCount else {
                throw DatasetError.wrongColumnCount(
                    file: file, line: row.line, expected: columnCount, actual: row.fields.count)
            }
            let label: Int
            switch row.fields[1] {
            case "0": label = 0
            case "1": label = 1
            default:
                throw DatasetError.invalidValue(
                    file: file, line: row.line, field: "label", value: String(row.fields[1]),
                    expected: "0 or 1")
            }
            return CoLASentence(
                source: String(row.fields[0]), label: label, notation: String(row.fields[2]),
                text: String(row.fields[3]), location: SourceLocation(file: file, line: row.line))
        }
    }

    private static func files(at url: URL, verifyChecksum: Bool) throws -> DatasetFiles {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DatasetError.fileNotFound(file: url.path)
        }
        let checksum = verifyChecksum ? archiveSHA256 : nil
        guard isFolder.boolValue else {
            return try DatasetFiles(
                archive: url, expectedSHA256: checksum, preferredRoot: "cola_public/")
        }
        func isFolderAt(_ candidate: URL) -> Bool {
            var flag: ObjCBool = false
            return manager.fileExists(atPath: candidate.path, isDirectory: &flag) && flag.boolValue
        }
        if isFolderAt(url.appendingPathComponent("raw")) {
            return DatasetFiles(folder: url)
        }
        let inner = url.appendingPathComponent("cola_public")
        if isFolderAt(inner.appendingPathComponent("raw")) {
            return DatasetFiles(folder: inner)
        }
        let archive = url.appendingPathComponent(archiveName)
        if manager.fileExists(atPath: archive.path) {
            return try DatasetFiles(
                archive: archive, expectedSHA256: checksum, preferredRoot: "cola_public/")
        }
        throw DatasetError.unrecognizedLayout(
            file: url.path,
            expected: "a cola_public folder holding raw/, a folder holding cola_public/raw/, "
                + "or a folder holding \(archiveName)")
    }
}
