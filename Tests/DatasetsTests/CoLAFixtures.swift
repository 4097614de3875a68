// swift-bert — Datasets tests: small CoLA-shaped files and archives made on the fly.

import Datasets
import Foundation
import XCTest
import ZIPFoundation
import _TestSupport

/// Builders for CoLA-shaped folders and archives with chosen (often broken) contents.
enum CoLAFixtures {
    /// Three well-formed rows: one acceptable, one unacceptable, one with quotes.
    static let goodRows = """
        gj04\t1\t\tOur friends won't buy this analysis, let alone the next one we propose.
        gj04\t0\t*\tThey drank the pub.
        l-93\t1\t\t"Shut up," Susan whispered.

        """

    /// The three files of a dataset whose `in_domain_train.tsv` is `train`.
    static func files(train: String) -> [(path: String, contents: Data)] {
        [
            ("raw/in_domain_train.tsv", Data(train.utf8)),
            ("raw/in_domain_dev.tsv", Data(goodRows.utf8)),
            ("raw/out_of_domain_dev.tsv", Data(goodRows.utf8)),
        ]
    }

    /// Writes `files` under `folder/cola_public/` and returns the `cola_public` folder.
    @discardableResult
    static func writeFolder(_ files: [(path: String, contents: Data)], in folder: URL) throws
        -> URL
    {
        let root = folder.appendingPathComponent("cola_public")
        for file in files {
            let url = root.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.contents.write(to: url)
        }
        return root
    }

    /// Writes a zip archive at `url` whose entries are `files` under `root`.
    static func writeArchive(
        _ files: [(path: String, contents: Data)], to url: URL, root: String = "cola_public/"
    ) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for file in files {
            let data = file.contents
            try archive.addEntry(
                with: root + file.path, type: .file, uncompressedSize: Int64(data.count),
                compressionMethod: .deflate,
                provider: { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                })
        }
    }

    /// Runs `body`, which must throw a ``DatasetError``, and returns that error.
    static func datasetError(
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) -> DatasetError? {
        do {
            try body()
            XCTFail("expected a DatasetError, nothing was thrown", file: file, line: line)
        } catch let error as DatasetError {
            return error
        } catch {
            XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
        }
        return nil
    }
}
