// swift-bert — the `bert` command.

import Training

/// The live progress line `bert train` draws on a terminal (never into a pipe or file).
enum ProgressBar {
    /// Carriage return and "erase line": the bar's line is reused.
    static let clearLine = "\r\u{1B}[2K"

    /// `  [#########...........]  120/241  loss 0.5512  0:00:50 elapsed, ETA 0:00:51`
    static func line(for step: StepReport, width: Int = 30) -> String {
        let total = max(step.batchesPerEpoch, 1)
        let done = min(step.batch, total)
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let remaining = step.elapsed / Double(max(done, 1)) * Double(total - done)
        let loss = (Double(step.loss) * 10_000).rounded() / 10_000
        return clearLine + "  [\(bar)] \(done)/\(total)  loss \(loss)  "
            + "\(formatTime(step.elapsed)) elapsed, ETA \(formatTime(remaining))"
    }
}
