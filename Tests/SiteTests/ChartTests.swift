import Foundation
import Testing
@testable import Site

@Suite struct ChartTests {
    static let hour: Int64 = 3_600_000_000
    static let start: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z

    func chart(_ series: [Chart.Series], span: Int64 = 48 * hour, step: Int64 = hour) -> Chart {
        Chart(title: "T", units: "°C", series: series, start: ChartTests.start, end: ChartTests.start + span, step: step)
    }

    func points(_ values: [Double?]) -> [Chart.Point] {
        values.enumerated().compactMap { index, value in
            value.map { Chart.Point(time: ChartTests.start + Int64(index) * ChartTests.hour, low: $0, high: $0) }
        }
    }

    /// The `d` attribute of each series' path.
    func paths(_ svg: String) -> [String] {
        svg.components(separatedBy: "<path class=\"series\"").dropFirst().map { piece in
            let d = piece.components(separatedBy: " d=\"")[1]
            return String(d.prefix { $0 != "\"" })
        }
    }

    @Test func oneSeriesOnePathWithLegendAndAxisLabels() {
        let svg = chart([Chart.Series(name: "temp", points: points([1, 2, 3])), Chart.Series(name: "hum", points: points([50, 60, 55]))]).svg
        #expect(paths(svg).count == 2)
        #expect(svg.contains("data-series=\"temp\"") && svg.contains("data-series=\"hum\""))
        #expect(svg.contains("<g class=\"legend\">") && svg.contains(">temp</text>") && svg.contains(">hum</text>"))
        #expect(svg.contains("time (UTC)") && svg.contains(">°C</text>"))
    }

    @Test func missingDataIsAGapNotALine() {
        // Three hours of data, ten missing, three more: two strokes.
        let values: [Double?] = [1, 2, 3] + Array(repeating: nil, count: 10) + [4, 5, 6]
        let d = paths(chart([Chart.Series(name: "v", points: points(values))]).svg)[0]
        #expect(d.filter { $0 == "M" }.count == 2)
        let steady = paths(chart([Chart.Series(name: "v", points: points([1, 2, 3, 4, 5, 6]))]).svg)[0]
        #expect(steady.filter { $0 == "M" }.count == 1)
    }

    @Test func aSpikeInOneColumnIsDrawn() {
        var series = points(Array(repeating: 10, count: 48))
        series[20] = Chart.Point(time: series[20].time, low: 10, high: 1_000)
        let svg = chart([Chart.Series(name: "v", points: series)]).svg
        // The y axis reaches the spike, and the path goes up to its top.
        #expect(svg.contains(">1000</text>"))
        let ys = paths(svg)[0].split(whereSeparator: { "MLh".contains($0) }).compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        #expect(ys.min()! <= Chart.top + 1)
    }

    @Test func timeTicksFollowTheSpan() {
        let hours = TimeTicks(start: ChartTests.start, end: ChartTests.start + 12 * ChartTests.hour)
        #expect(hours.label(hours.ticks[0]) == "01-01 00:00")
        #expect(hours.ticks.count >= 3 && hours.ticks.count <= 8)
        let days = TimeTicks(start: ChartTests.start, end: ChartTests.start + 30 * 24 * ChartTests.hour)
        #expect(days.ticks.allSatisfy { days.label($0).count == 10 })
        let months = TimeTicks(start: ChartTests.start + 5 * 24 * ChartTests.hour, end: ChartTests.start + 400 * 24 * ChartTests.hour)
        #expect(months.label(months.ticks[0]).hasPrefix("2026-"))
        #expect(months.ticks.allSatisfy { Civil.date($0).day == 1 })
        let years = TimeTicks(start: ChartTests.start, end: ChartTests.start + 20 * 365 * 24 * ChartTests.hour)
        #expect(years.ticks.map { years.label($0) }.allSatisfy { $0.count == 4 })
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let micros = Int64(days) * TimeTicks.day
            let (y, m, d) = Civil.date(micros)
            #expect(Civil.micros(year: y, month: m, day: d) == micros)
        }
        #expect(Civil.date(ChartTests.start) == (2026, 1, 1))
    }

    @Test func niceTicksAreRoundAndCoverTheRange() {
        let ticks = Chart.niceTicks(low: 3.2, high: 97.1, count: 5)
        #expect(ticks.first! <= 3.2 && ticks.last! >= 97.1)
        #expect(ticks == [0, 20, 40, 60, 80, 100])
        #expect(Chart.label(0.25, ticks: [0, 0.25, 0.5]) == "0.25")
    }

    @Test func hugeAndTinyValuesDrawWithoutATrap() {
        for (low, high) in [(1e20, 3e20), (-1e300, 1e300), (1e-9, 3e-9), (5, 5), (-0.0, 0.0)] {
            let series = Chart.Series(name: "v", points: [Chart.Point(time: ChartTests.start, low: low, high: high),
                                                          Chart.Point(time: ChartTests.start + ChartTests.hour, low: high, high: high)])
            let svg = chart([series]).svg
            #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>") && paths(svg).count == 1)
        }
    }

    @Test func namesAreEscaped() {
        let svg = Chart(title: "<b>", units: "<i>", series: [Chart.Series(name: "<script>alert(1)</script>", points: points([1, 2]))],
                        start: ChartTests.start, end: ChartTests.start + 2 * ChartTests.hour, step: ChartTests.hour).svg
        #expect(!svg.contains("<script>") && !svg.contains("<b>") && !svg.contains("<i>"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }
}
