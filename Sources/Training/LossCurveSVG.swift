// swift-bert — training.

import Foundation

/// The tutorial's "Training & Validation Loss" plot as a hand-written SVG: the mean training
/// loss and the validation loss per epoch (lines with dots, x = epoch), over every step's
/// batch loss (a thin line, x = fraction of the epochs done).
public enum LossCurveSVG {
    static let width = 820.0
    static let height = 440.0
    static let left = 70.0
    static let right = 210.0
    static let top = 40.0
    static let bottom = 55.0

    /// The SVG document for `summary`.
    public static func render(_ summary: TrainingSummary) -> String {
        let steps = summary.stepReports.filter { $0.loss.isFinite }
        let epochs = summary.epochs
        let epochCount = max(epochs.last?.epoch ?? 0, steps.last?.epoch ?? 0, 1)
        var values = steps.map { Double($0.loss) }
        values += epochs.map(\.trainingLoss)
        values += epochs.compactMap { $0.validation?.loss }
        values = values.filter(\.isFinite)
        let ticks = niceTicks(low: 0, high: max(values.max() ?? 1, 1e-6))
        let yMax = ticks.last ?? 1
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func x(_ epochs: Double) -> Double { left + epochs / Double(epochCount) * plotWidth }
        func y(_ loss: Double) -> Double { top + (1 - min(loss, yMax) / yMax) * plotHeight }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="13">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left + plotWidth / 2))" y="24" text-anchor="middle" font-size="16">\
            Training &amp; Validation Loss</text>

            """
        for tick in ticks {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotWidth))\" "
                + "y2=\"\(f(y(tick)))\" stroke=\"#e4e4e4\"/>\n"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">"
                + "\(label(tick))</text>\n"
        }
        for epoch in 0...epochCount {
            let position = x(Double(epoch))
            svg += "<line x1=\"\(f(position))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(position))\" "
                + "y2=\"\(f(top + plotHeight + 5))\" stroke=\"black\"/>\n"
            svg += "<text x=\"\(f(position))\" y=\"\(f(top + plotHeight + 20))\" "
                + "text-anchor=\"middle\">\(epoch)</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" "
            + "height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"black\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 12))\" "
            + "text-anchor=\"middle\">Epoch</text>\n"
        svg += "<text transform=\"translate(18 \(f(top + plotHeight / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">Loss</text>\n"

        let stepPoints = steps.map { step in
            (x(Double(step.epoch - 1) + Double(step.batch) / Double(max(step.batchesPerEpoch, 1))),
                y(Double(step.loss)))
        }
        svg += polyline(stepPoints, color: "#9ecae1", width: 1, dots: false)
        let trainPoints = epochs.filter { $0.trainingLoss.isFinite }.map {
            (x(Double($0.epoch)), y($0.trainingLoss))
        }
        svg += polyline(trainPoints, color: "#1f4fd8", width: 2.5, dots: true)
        let validationPoints = epochs.compactMap { epoch in
            epoch.validation.flatMap { $0.loss.isFinite ? (x(Double(epoch.epoch)), y($0.loss)) : nil }
        }
        svg += polyline(validationPoints, color: "#2ca02c", width: 2.5, dots: true)

        let legend = [
            ("#9ecae1", "Training (per step)"), ("#1f4fd8", "Training (epoch mean)"),
            ("#2ca02c", "Validation"),
        ]
        for (index, (color, name)) in legend.enumerated() {
            let ly = top + 14 + Double(index) * 22
            let lx = left + plotWidth + 14
            svg += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 24))\" y2=\"\(f(ly))\" "
                + "stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            svg += "<text x=\"\(f(lx + 30))\" y=\"\(f(ly + 4))\">\(name)</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func polyline(_ points: [(Double, Double)], color: String, width: Double, dots: Bool)
        -> String
    {
        guard !points.isEmpty else { return "" }
        let list = points.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
        var text =
            "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" "
            + "stroke-width=\"\(width)\" stroke-linejoin=\"round\"/>\n"
        if dots {
            for (px, py) in points {
                text += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" ", px, py)
                    + "fill=\"\(color)\"/>\n"
            }
        }
        return text
    }

    /// Round tick values from `low` up to at least `high` (steps of 1, 2 or 5 × 10ⁿ).
    static func niceTicks(low: Double, high: Double) -> [Double] {
        let raw = (high - low) / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var value = low
        while value < high + step * 1e-9 {
            ticks.append(value)
            value += step
        }
        if let last = ticks.last, last < high { ticks.append(last + step) }
        return ticks
    }

    static func label(_ value: Double) -> String {
        let text = String(format: "%.3g", value)
        return text
    }
}
