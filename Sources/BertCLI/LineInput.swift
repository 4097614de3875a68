// swift-bert — the `bert` command.

import Foundation
import Tokenization

/// Lines of text from a file or standard input, each checked to be valid UTF-8.
struct LineInput {
    /// Where the lines came from, for error messages ("stdin" or the path).
    let source: String
    let data: Data

    /// Reads all of `path`, or standard input for nil or "-".
    static func read(_ path: String?) throws -> LineInput {
        guard let path, path != "-" else {
            return LineInput(
                source: "stdin", data: FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the file")
        }
        return LineInput(source: path, data: data)
    }

    /// Calls `body` with each line (without its `\n` or `\r\n`) and its 1-based number; a
    /// final newline does not start another line.
    /// - Throws: `TokenizerError.invalidUTF8` naming the line; whatever `body` throws.
    func forEachLine(_ body: (String, Int) throws -> Void) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var number = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                number += 1
                var lineEnd = end
                if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                guard
                    let line = String(
                        validating: UnsafeBufferPointer(rebasing: bytes[start..<lineEnd]),
                        as: UTF8.self)
                else {
                    throw TokenizerError.invalidUTF8(source: source, line: number)
                }
                try body(line, number)
                start = end + 1
            }
        }
    }
}

/// A failure the CLI reports in one line, with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
