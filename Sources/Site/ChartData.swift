import Foundation
import Tabular

/// The data of one chart of a site config, read as a few points per pixel
/// column: the minimum and maximum of each column in each, computed by one
/// GROUP BY over the coarsest rollup of the source that still has a point
/// for every pixel column, or over the source itself.
struct ChartData {
    let chart: SiteConfig.Chart
    let source: any SiteSource

    /// The SQL name of a pond path or glob, or of a column.
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The columns drawn: those the config names, or every numeric one but the time.
    func columns() throws -> [String] {
        let columns = try source.columns(chart.source)
        let names = columns.map(\.name)
        if !chart.columns.isEmpty {
            for name in chart.columns where !names.contains(name) {
                throw SiteError.chart(source: chart.source, "it has no column '\(name)' (it has \(names.joined(separator: ", ")))")
            }
            return chart.columns
        }
        let time = TimeColumn.index(in: names)
        return columns.indices.filter { index in
            index != time && !names[index].hasPrefix("_") && (columns[index].type == .integer || columns[index].type == .real)
        }.map { names[$0] }
    }

    /// The stretch of time drawn: the source's range, cut to the config's span.
    func range() throws -> (start: Int64, end: Int64) {
        var known = try source.timeRange(chart.source)
        if known == nil {
            let found = try source.query("SELECT min(_time), max(_time) FROM \(ChartData.quoted(chart.source))", rowLimit: 1, timeLimit: nil)
            if case .text(let low)? = found.rows.first?[0], case .text(let high)? = found.rows.first?[1],
               let lowMicros = TimeColumn.micros(iso: low), let highMicros = TimeColumn.micros(iso: high) {
                known = (lowMicros, highMicros)
            }
        }
        guard let (low, high) = known else { throw SiteError.chart(source: chart.source, "it has no rows with a time") }
        let start = chart.span.map { max(low, high - $0) } ?? low
        return (start, max(high, start + 1))
    }

    /// The chart, ready to draw. A glob of several tables draws each as
    /// series of its own (named by the file: `north`, or `north temp` with
    /// several columns), overlaid; one table draws a series per column.
    func make(title: String) throws -> Chart {
        let names = try columns()
        guard !names.isEmpty else { throw SiteError.chart(source: chart.source, "it has no numeric column to draw") }
        let (start, end) = try range()
        let pixels = Int64(Chart.columns)
        let pixelStep = (end - start + pixels - 1) / pixels
        let matches = try source.glob(chart.source)
        var series: [Chart.Series] = []
        var step = pixelStep
        if matches.count > 1 {
            for match in matches {
                let file = String(match.split(separator: "/").last ?? "")
                let stem = String(file.prefix { $0 != "." })
                // A table without the columns has nothing to draw here.
                guard let drawn = try? draw(match, names, start: start, end: end, step: pixelStep) else { continue }
                series += drawn.series.map { Chart.Series(name: names.count > 1 ? "\(stem) \($0.name)" : stem, points: $0.points) }
                step = max(step, drawn.step)
            }
        } else {
            (series, step) = try draw(chart.source, names, start: start, end: end, step: pixelStep)
        }
        return Chart(title: title, units: chart.units, series: series, start: start, end: end, step: step)
    }

    /// The series of `names` in `table`: one GROUP BY of the pixel column,
    /// over the coarsest rollup of it with a bucket for every pixel column and the aggregates needed.
    private func draw(_ table: String, _ names: [String], start: Int64, end: Int64, step pixelStep: Int64) throws -> (series: [Chart.Series], step: Int64) {
        var read = table
        var step = pixelStep
        var low: (String) -> String = { "min(\(ChartData.quoted($0)))" }
        var high: (String) -> String = { "max(\(ChartData.quoted($0)))" }
        let usable = try source.rollups(of: table)
            .filter { $0.micros <= step && $0.aggregates.contains("min") && $0.aggregates.contains("max") }
            .max { $0.micros < $1.micros }
        if let rollup = usable {
            read = rollup.path
            low = { "min(\(ChartData.quoted($0 + "_min")))" }
            high = { "max(\(ChartData.quoted($0 + "_max")))" }
            step = max(step, rollup.micros)
        }
        let micros = "CAST((julianday(_time) - 2440587.5) * 86400000000.0 AS INTEGER)"
        let sql = "SELECT (\(micros) - \(start)) / \(step) AS px, "
            + names.map { "\(low($0)), \(high($0))" }.joined(separator: ", ")
            + " FROM \(ChartData.quoted(read)) WHERE _time >= \(ChartData.literal(TimeColumn.iso(micros: start)))"
            + " AND _time <= \(ChartData.literal(TimeColumn.iso(micros: end))) GROUP BY 1 ORDER BY 1"
        let result = try source.query(sql, rowLimit: Chart.columns * 2 + 8, timeLimit: nil)
        var series = names.map { Chart.Series(name: $0, points: []) }
        for row in result.rows {
            guard row.count == 1 + 2 * names.count, case .integer(let px) = row[0] else { continue }
            let time = start + px * step + step / 2
            for index in names.indices {
                guard let lowValue = row[1 + 2 * index].number, let highValue = row[2 + 2 * index].number else { continue }
                series[index].points.append(Chart.Point(time: time, low: lowValue, high: highValue))
            }
        }
        return (series, step)
    }

    /// The rows a chart draws, for its download: its time and columns, in the span.
    func exportSQL() throws -> String {
        let names = try columns()
        let (start, _) = try range()
        return "SELECT _time AS time" + names.map { ", " + ChartData.quoted($0) }.joined()
            + " FROM \(ChartData.quoted(chart.source)) WHERE _time >= \(ChartData.literal(TimeColumn.iso(micros: start)))"
    }
}
