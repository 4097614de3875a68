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

    /// `--bf16` reports the backend and precision it ran with, natively or emulated (said
    /// once on stderr).
    func testBFloat16BenchNamesBackendAndPrecision() throws {
        let config = TestPaths.fixture("tiny-bert/config.json").path
        for backend in ["openblas", "auto"] {
            let result = try BertBinary.run([
                "bench", "--config", config, "--steps", "1", "--warmup", "1", "--bf16", "--json",
                "--gemm", backend,
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
            let object = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(object["precision"] as? String, "bf16")
            let native = try XCTUnwrap(object["bf16_native"] as? Bool)
            if backend == "openblas" {
                XCTAssertEqual(object["gemm_backend"] as? String, "openblas")
                XCTAssertFalse(native)
            }
            XCTAssertEqual(
                result.stderr.contains("--bf16 is emulated"), !native, "\(backend): \(result.stderr)")
        }
    }

    func testUnknownGemmBackendIsAnError() throws {
        let result = try BertBinary.run(["bench", "--config", "minilm", "--gemm", "mkl"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(
            result.stderr.contains("--gemm: 'mkl' is not auto, onednn or openblas"), result.stderr)
        let environment = try BertBinary.run(
            ["bench", "--config", "minilm"], environment: ["SWIFT_BERT_GEMM": "fast"])
        XCTAssertNotEqual(environment.status, 0)
        XCTAssertTrue(environment.stderr.contains("SWIFT_BERT_GEMM: 'fast'"), environment.stderr)
    }

    func testUnknownLengthsIsAnError() throws {
        let result = try BertBinary.run(["bench", "--config", "minilm", "--lengths", "zipf"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--lengths must be fixed or cola"), result.stderr)
    }
}
