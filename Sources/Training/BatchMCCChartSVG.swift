// swift-bert — training.

import Foundation

/// The tutorial's "MCC Score per Batch" bar chart of the test set, as an SVG document.
///
/// The tutorial evaluates its test set in batches of 32 and plots each batch's Matthews
/// correlation (seaborn's barplot, y from −1 to +1); this draws the same chart, plus a line at
/// the MCC of the whole set.
public enum BatchMCCChartSVG {
    /// Renders one bar per batch.
    /// - Parameters:
    ///   - values: Each batch's MCC, in batch order.
    ///   - overall: The MCC over the whole set, drawn as a dashed line.
    ///   - title: The chart's title.
    public static func render(_ values: [Double], overall: Double, title: String) -> String {
        let width = 820.0
        let height = 400.0
        let left = 70.0
        let right = 30.0
        let top = 40.0
        let bottom = 55.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func y(_ value: Double) -> Double { top + (1 - (max(-1, min(1, value)) + 1) / 2) * plotHeight }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="13">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left + plotWidth / 2))" y="24" text-anchor="middle" font-size="16">\
            \(escape(title))</text>

            """
        for tick in stride(from: -1.0, through: 1.0, by: 0.5) {
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y(tick)))\" "
                + "y2=\"\(f(y(tick)))\" stroke=\"\(tick == 0 ? "#888" : "#e5e5e5")\"/>\n"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">"
                + String(format: "%.1f", tick) + "</text>\n"
        }
        let slot = plotWidth / Double(max(values.count, 1))
        for (index, value) in values.enumerated() {
            let x = left + Double(index) * slot + slot * 0.15
            let barTop = min(y(value), y(0))
            let barHeight = abs(y(value) - y(0))
            svg += "<rect x=\"\(f(x))\" y=\"\(f(barTop))\" width=\"\(f(slot * 0.7))\" "
                + "height=\"\(f(max(barHeight, 0.5)))\" fill=\"#4c72b0\"/>\n"
            if values.count <= 40 || index % 5 == 0 {
                svg += "<text x=\"\(f(x + slot * 0.35))\" y=\"\(f(height - bottom + 18))\" "
                    + "text-anchor=\"middle\">\(index)</text>\n"
            }
        }
        svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y(overall)))\" "
            + "y2=\"\(f(y(overall)))\" stroke=\"#c44e52\" stroke-dasharray=\"6 4\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth - 4))\" y=\"\(f(y(overall) - 6))\" "
            + "text-anchor=\"end\" fill=\"#c44e52\">whole set: "
            + String(format: "%.3f", overall) + "</text>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 12))\" "
            + "text-anchor=\"middle\">Batch #</text>\n"
        svg += "<text transform=\"translate(18 \(f(top + plotHeight / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">MCC Score (-1 to +1)</text>\n"
        return svg + "</svg>\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
