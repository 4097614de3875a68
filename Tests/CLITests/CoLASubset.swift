// swift-bert — CLI tests.

import Datasets
import Foundation
import _TestSupport

/// Small CoLA folders for end-to-end runs of `bert train`.
enum CoLASubset {
    /// A `cola_public` folder in `folder` holding the first `count` rows of each of the three
    /// CoLA files, read from the vendored zip and written back in CoLA's own 4-column layout.
    static func make(in folder: URL, count: Int = 48) throws -> URL {
        let cola = try CoLA(contentsOf: TestPaths.colaZip)
        let small = folder.appendingPathComponent("cola_public")
        let raw = small.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        for split in CoLA.Split.allCases {
            let lines = cola[split].prefix(count).map {
                "\($0.source)\t\($0.label)\t\($0.notation)\t\($0.text)"
            }
            try (lines.joined(separator: "\n") + "\n").write(
                to: small.appendingPathComponent(split.relativePath), atomically: true,
                encoding: .utf8)
        }
        return small
    }
}
