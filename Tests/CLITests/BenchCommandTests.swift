// swift-bert — CLI tests: `bert bench`.

import Foundation
import XCTest
import _TestSupport

final class BenchCommandTests: XCTestCase {
    /// A tiny config with CoLA's lengths: every field of the JSON object, a tutorial run
    /// projected from the measured steps, and the tokens of real CoLA batches (mean 11.3).
    func testCoLALengthsBenchPrintsTheProjection() throws {
        let config = TestPaths.fixture("tiny-bert/config.json").path
        let result = try BertBinary.run([
            "bench", "--config", config, "--lengths", "cola", "--steps", "3", "--warmup", "1",
            "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in [
            "median_step_seconds", "mean_step_seconds", "tokens_per_second", "gflops",
            "peak_fraction", "peak_memory_bytes", "projected_cola_seconds",
        ] {
            XCTAssertNotNil(object[key] as? NSNumber, key)
        }
        let tokensPerStep = try XCTUnwrap(object["tokens_per_step"] as? Double)
        XCTAssertEqual(tokensPerStep / 32, 11.3, accuracy: 2.5, "CoLA's mean length")
        let mean = try XCTUnwrap(object["mean_step_seconds"] as? Double)
        let projected = try XCTUnwrap(object["projected_cola_seconds"] as? Double)
        XCTAssertGreaterThan(projected, 4 * 241 * mean, "4 epochs of 241 steps, plus evaluation")
    }

    func testUnknownLengthsIsAnError() throws {
        let result = try BertBinary.run(["bench", "--config", "minilm", "--lengths", "zipf"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--lengths must be fixed or cola"), result.stderr)
    }
}
