import Foundation

/// A bar chart drawn on the server as SVG: no script, no library. Accessible as an image with a
/// title and a description that says what a sighted reader takes from it (the range and the
/// latest value); each bar has its own tooltip, and the caller puts the numbers in a table too.
struct SVGChart {
    struct Bar {
        var label: String
        /// Nil: nothing to measure that period (drawn as a gap, said as "no data").
        var value: Double?
        var note: String
    }

    var id: String
    var title: String
    var unit: String
    var bars: [Bar]

    static let width = 640.0
    static let height = 220.0
    static let left = 48.0, right = 8.0, top = 12.0, bottom = 28.0

    /// Whole numbers plain, small ones to two significant digits (0.0042 hours is not "0.0").
    func format(_ value: Double) -> String {
        if value == value.rounded() || value >= 100 { return String(format: "%.0f", value) }
        return value < 1 ? String(format: "%.2g", value) : String(format: "%.1f", value)
    }

    /// "From 2025-12 to 2026-11: lowest 2.1 hours (2026-03), highest 9.0 hours (2026-07), latest 3.4 hours (2026-11)."
    var summary: String {
        let measured = bars.compactMap { bar in bar.value.map { (bar.label, $0) } }
        guard let low = measured.min(by: { $0.1 < $1.1 }), let high = measured.max(by: { $0.1 < $1.1 }), let last = measured.last else {
            return "No data in this period."
        }
        let span = bars.count > 1 ? "From \(bars.first!.label) to \(bars.last!.label)" : "In \(bars.first?.label ?? "")"
        return "\(span): lowest \(format(low.1)) \(unit) (\(low.0)), highest \(format(high.1)) \(unit) (\(high.0)), latest \(format(last.1)) \(unit) (\(last.0))."
    }

    var svg: HTML {
        let maxValue = max(bars.compactMap(\.value).max() ?? 0, unit == "%" ? 100 : 0)
        let scaleTop = maxValue <= 0 ? 1 : Self.niceCeiling(maxValue)
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        let slot = plotWidth / Double(max(1, bars.count))
        let barWidth = max(2, slot * 0.7)
        func n(_ v: Double) -> String { String(format: "%.1f", v) }
        var shapes = ""
        for (i, bar) in bars.enumerated() {
            guard let value = bar.value else { continue }
            let x = Self.left + Double(i) * slot + (slot - barWidth) / 2
            let h = max(value > 0 ? 1 : 0, value / scaleTop * plotHeight)
            let tip = ("\(bar.label): \(format(value)) \(unit) (\(bar.note))" as HTML).description
            shapes += "<rect class=\"bar\" x=\"\(n(x))\" y=\"\(n(Self.top + plotHeight - h))\" width=\"\(n(barWidth))\" height=\"\(n(h))\"><title>\(tip)</title></rect>"
        }
        let baseline = Self.top + plotHeight
        var grid = ""
        for v in [0, scaleTop / 2, scaleTop] {
            let y = Self.top + plotHeight - v / scaleTop * plotHeight
            grid += "<line class=\"grid\" x1=\"\(n(Self.left))\" x2=\"\(n(Self.width - Self.right))\" y1=\"\(n(y))\" y2=\"\(n(y))\"/>"
            grid += "<text class=\"axis\" x=\"\(n(Self.left - 6))\" y=\"\(n(y + 4))\" text-anchor=\"end\">\(format(v))</text>"
        }
        var labels = ""
        if let first = bars.first {
            labels += "<text class=\"axis\" x=\"\(n(Self.left))\" y=\"\(n(baseline + 18))\">\(("\(first.label)" as HTML).description)</text>"
        }
        if bars.count > 1, let last = bars.last {
            labels +=
                "<text class=\"axis\" x=\"\(n(Self.width - Self.right))\" y=\"\(n(baseline + 18))\" text-anchor=\"end\">\(("\(last.label)" as HTML).description)</text>"
        }
        return """
            <svg class="chart" id="\(id)" role="img" aria-labelledby="\(id)-title \(id)-desc" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" \
            preserveAspectRatio="xMidYMid meet" focusable="false"><title id="\(id)-title">\(title), by month (\(unit))</title>\
            <desc id="\(id)-desc">\(summary)</desc>\(HTML(unsafe: grid + shapes + labels))</svg>
            """
    }

    /// 1, 2 or 5 times a power of ten, at or above `value`: round grid lines.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 5.0, 10.0] where step * power >= value { return step * power }
        return 10 * power
    }
}
