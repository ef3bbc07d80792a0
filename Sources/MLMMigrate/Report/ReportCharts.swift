/// The charts of `report.html`, as geometry the template draws as inline SVG: each bar's place
/// and size in whole SVG units, computed here with integer arithmetic so the template stays
/// logic-less and the same report always gives the same bytes.
struct ReportChart {
    /// One line of a horizontal bar chart: a label, then a bar with its figure after it; a
    /// heading row has a label only.
    struct Row {
        var label: String
        var value: String
        var labelY: Int
        var barY: Int
        var valueX: Int
        var valueY: Int
        var width: Int
        var tone: String
        var isHeading: Bool
        var hasBar: Bool
    }

    /// One column of a column chart, and an axis label under it when `axisLabel` is not empty.
    struct Column {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        var tone: String
        var tooltip: String
        var axisLabel: String
        var hasAxisLabel: Bool
        var labelX: Int
    }

    /// A legend entry: a swatch and its name.
    struct Key {
        var name: String
        var tone: String
    }

    var title: String
    var note: String
    /// The SVG's viewBox height (its width is always ``width``).
    var height: Int
    /// The SVG's viewBox width (stored, not computed: the template reads fields by reflection).
    var viewWidth = Self.width
    var rows: [Row] = []
    var columns: [Column] = []
    var isColumns = false
    var keys: [Key] = []
    var hasKeys = false
    /// The largest figure on a column chart's scale, shown at the top of its axis.
    var axisTop = ""
    /// A column chart's base line (y, and where it ends) and the y of the labels under it.
    var axisY = 0
    var axisEnd = 0
    var axisLabelY = 0

    /// About a chart card's width on a phone and in a desktop's three columns, so 12-unit text
    /// reads at about 12 px on both.
    static let width = 360
    /// Room after the longest bar for its figure.
    static let valueRoom = 140
    static let rowHeight = 34
    static let headingHeight = 22

    init(title: String, note: String, height: Int) {
        self.title = title
        self.note = note
        self.height = height
    }

    /// A horizontal bar chart. `items` are (label, figure shown, magnitude, tone); a nil
    /// magnitude makes a heading row. With `scalePerHeading`, bars are scaled to the largest
    /// magnitude among the rows that follow each heading (figures of different currencies are
    /// never on one scale); without, to the largest of all.
    static func bars(
        title: String, note: String, items: [(label: String, value: String, magnitude: Int128?, tone: String)],
        scalePerHeading: Bool = true
    ) -> ReportChart {
        var chart = ReportChart(title: title, note: note, height: 0)
        let longest = width - valueRoom
        let overall = items.compactMap(\.magnitude).map { $0 < 0 ? -$0 : $0 }.max() ?? 0
        var y = 0
        var index = 0
        while index < items.count {
            var end = index + 1
            if items[index].magnitude == nil {
                let heading = items[index]
                chart.rows.append(Row(
                    label: heading.label, value: "", labelY: y + 15, barY: 0, valueX: 0, valueY: 0, width: 0,
                    tone: heading.tone, isHeading: true, hasBar: false
                ))
                y += headingHeight
                index += 1
                end = index
            }
            while end < items.count, items[end].magnitude != nil { end += 1 }
            let group = items[index..<end].compactMap(\.magnitude).map { $0 < 0 ? -$0 : $0 }.max() ?? 0
            let scale = scalePerHeading ? group : overall
            for item in items[index..<end] {
                let magnitude = item.magnitude.map { $0 < 0 ? -$0 : $0 } ?? 0
                var length = scale > 0 ? Int(magnitude * Int128(longest) / scale) : 0
                if magnitude > 0 && length < 2 { length = 2 }
                chart.rows.append(Row(
                    label: item.label, value: item.value, labelY: y + 12, barY: y + 17, valueX: length + 6, valueY: y + 27,
                    width: length, tone: item.tone, isHeading: false, hasBar: true
                ))
                y += rowHeight
            }
            index = end
        }
        chart.height = max(y + 4, 30)
        return chart
    }

    /// A column chart of counts per position (levels), two series side by side: `first` and
    /// `second` (either may be shorter), named by `keys`.
    static func pairedColumns(title: String, note: String, first: [Int], second: [Int], keys: [Key]) -> ReportChart {
        var chart = ReportChart(title: title, note: note, height: 200)
        chart.keys = keys
        chart.hasKeys = !keys.isEmpty
        chart.isColumns = true
        let positions = max(first.count, second.count)
        guard positions > 0 else { return chart }
        let left = 8
        let plotWidth = width - left - 8
        let top = 14
        let plotHeight = 160
        let largest = max(first.max() ?? 0, second.max() ?? 0, 1)
        chart.axisTop = MoneyText.decimal(String(largest), exponent: 0) ?? String(largest)
        let slot = plotWidth / positions
        let bar = max((slot - 2) / 2, 1)
        let labelEvery = max((positions + 9) / 10, 1)
        for position in 0..<positions {
            let x = left + position * slot + max((slot - 2 * bar) / 2, 0)
            for (series, counts) in [first, second].enumerated() {
                let count = position < counts.count ? counts[position] : 0
                let height = count > 0 ? max(count * plotHeight / largest, 1) : 0
                let isLabelled = series == 0 && (position % labelEvery == 0 || position == positions - 1)
                chart.columns.append(Column(
                    x: x + series * bar, y: top + plotHeight - height, width: bar, height: height,
                    tone: keys[series].tone, tooltip: "level \(position + 1), \(keys[series].name): \(count)",
                    axisLabel: isLabelled ? String(position + 1) : "", hasAxisLabel: isLabelled, labelX: x + bar
                ))
            }
        }
        chart.axisY = top + plotHeight
        chart.axisEnd = left + plotWidth
        chart.axisLabelY = top + plotHeight + 14
        chart.height = top + plotHeight + 22
        return chart
    }
}

extension ReportChart {
    /// Balance variances by the size of their difference in major units of each wallet's own
    /// currency (recomputed minus legacy), and those with no legacy balance at all.
    static func varianceBuckets(_ variances: [LedgerFigures.Variance]) -> [(label: String, count: Int)] {
        let names = [
            "-100 or less", "-100 to -10", "-10 to -1", "-1 to 0", "0 to 1", "1 to 10", "10 to 100", "100 or more",
            "no legacy balance",
        ]
        var counts = [Int](repeating: 0, count: names.count)
        for variance in variances {
            guard let text = variance.differenceMinor, let difference = Int128(text) else {
                counts[names.count - 1] += 1
                continue
            }
            var unit: Int128 = 1
            for _ in 0..<(variance.exponent ?? CurrencyTable.exponent(of: variance.currency) ?? 0) { unit *= 10 }
            let magnitude = difference < 0 ? -difference : difference
            let decade = magnitude < unit ? 0 : magnitude < 10 * unit ? 1 : magnitude < 100 * unit ? 2 : 3
            counts[difference < 0 ? 3 - decade : 4 + decade] += 1
        }
        return zip(names, counts).map { ($0, $1) }
    }
}
