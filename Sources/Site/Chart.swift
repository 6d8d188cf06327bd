import Foundation
import Tabular

/// A line chart of series over time, as SVG (DESIGN.md, "Pictures"): each
/// series drawn from the minimum and maximum of each pixel column it has
/// data in (so a one-sample spike is never lost), broken where data is
/// missing, over labelled axes with ticks in UTC, and a legend.
public struct Chart: Sendable {
    /// One pixel column's values of a series: the smallest and largest in it.
    public struct Point: Sendable, Equatable {
        /// The time, in microseconds since the epoch.
        public var time: Int64
        public var low: Double
        public var high: Double

        public init(time: Int64, low: Double, high: Double) {
            self.time = time
            self.low = low
            self.high = high
        }
    }

    public struct Series: Sendable, Equatable {
        public var name: String
        /// In time order.
        public var points: [Point]

        public init(name: String, points: [Point]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var units: String?
    public var series: [Series]
    /// The stretch of time drawn, in microseconds.
    public var start: Int64, end: Int64
    /// The width of time one point stands for (a pixel column, or a rollup's bucket if wider).
    public var step: Int64

    /// The drawing's size in SVG units; it scales to its box.
    public static let width = 800, height = 320
    static let left = 64.0, right = 16.0, top = 16.0, bottom = 64.0
    /// The pixel columns of the plot: how many points a series needs at most.
    public static var columns: Int { width - Int(left + right) }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public init(title: String, units: String?, series: [Series], start: Int64, end: Int64, step: Int64) {
        self.title = title
        self.units = units
        self.series = series
        self.start = start
        self.end = max(end, start + 1)
        self.step = max(step, 1)
    }

    /// The chart as an `<svg>` element.
    public var svg: String {
        let plotWidth = Double(Chart.width) - Chart.left - Chart.right
        let plotHeight = Double(Chart.height) - Chart.top - Chart.bottom
        let values = series.flatMap { $0.points.flatMap { [$0.low, $0.high] } }
        var (low, high) = (values.min() ?? 0, values.max() ?? 1)
        if low == high { (low, high) = (low - 1, high + 1) }
        let yTicks = Chart.niceTicks(low: low, high: high, count: 5)
        low = min(low, yTicks.first ?? low)
        high = max(high, yTicks.last ?? high)
        func x(_ time: Int64) -> Double { Chart.left + Double(time - start) / Double(end - start) * plotWidth }
        func y(_ value: Double) -> Double { Chart.top + (high - value) / (high - low) * plotHeight }
        func f(_ value: Double) -> String { String(Double((value * 10).rounded()) / 10) }

        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Chart.width) \(Chart.height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title>"
        out += "<g class=\"y-axis\">"
        for tick in yTicks {
            out += "<line class=\"grid\" x1=\"\(f(Chart.left))\" x2=\"\(f(Chart.left + plotWidth))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\"/>"
            out += "<text class=\"tick\" x=\"\(f(Chart.left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(HTML.escape(Chart.label(tick, ticks: yTicks)))</text>"
        }
        if let units, !units.isEmpty {
            out += "<text class=\"axis-label\" transform=\"translate(14 \(f(Chart.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(units))</text>"
        }
        out += "</g><g class=\"x-axis\">"
        out += "<line class=\"axis\" x1=\"\(f(Chart.left))\" x2=\"\(f(Chart.left + plotWidth))\" y1=\"\(f(Chart.top + plotHeight))\" y2=\"\(f(Chart.top + plotHeight))\"/>"
        let xTicks = TimeTicks(start: start, end: end)
        for tick in xTicks.ticks {
            out += "<line class=\"grid\" x1=\"\(f(x(tick)))\" x2=\"\(f(x(tick)))\" y1=\"\(f(Chart.top))\" y2=\"\(f(Chart.top + plotHeight))\"/>"
            out += "<text class=\"tick\" x=\"\(f(x(tick)))\" y=\"\(f(Chart.top + plotHeight + 16))\" text-anchor=\"middle\">\(HTML.escape(xTicks.label(tick)))</text>"
        }
        out += "<text class=\"axis-label\" x=\"\(f(Chart.left + plotWidth / 2))\" y=\"\(f(Chart.top + plotHeight + 34))\" text-anchor=\"middle\">time (UTC)</text>"
        out += "</g>"
        for (index, one) in series.enumerated() {
            let color = Chart.palette[index % Chart.palette.count]
            out += "<path class=\"series\" data-series=\"\(HTML.escape(one.name))\" stroke=\"\(color)\" stroke-linecap=\"round\" d=\"\(path(one, x: x, y: y, f: f))\"/>"
        }
        out += "<g class=\"legend\">"
        var legendX = Chart.left
        let legendY = Double(Chart.height) - 10
        for (index, one) in series.enumerated() {
            let color = Chart.palette[index % Chart.palette.count]
            out += "<rect x=\"\(f(legendX))\" y=\"\(f(legendY - 9))\" width=\"12\" height=\"10\" fill=\"\(color)\"/>"
            out += "<text x=\"\(f(legendX + 16))\" y=\"\(f(legendY))\">\(HTML.escape(one.name))</text>"
            legendX += 28 + Double(min(one.name.count, 40)) * 7
        }
        out += "</g></svg>"
        return out
    }

    /// A series' line: each point's low and high joined in time order, a
    /// new stroke where the time to the next point is much more than the series' usual step.
    private func path(_ one: Series, x: (Int64) -> Double, y: (Double) -> Double, f: (Double) -> String) -> String {
        guard !one.points.isEmpty else { return "" }
        let gaps = zip(one.points.dropFirst(), one.points).map { $0.time - $1.time }.sorted()
        let usual = gaps.isEmpty ? step : gaps[gaps.count / 2]
        let broken = max(3 * usual, 2 * step)
        var d = ""
        var previous: Int64?
        for point in one.points {
            let px = f(x(point.time))
            if let previous, point.time - previous <= broken {
                d += "L\(px) \(f(y(point.low)))"
            } else {
                d += "M\(px) \(f(y(point.low)))"
                if point.low == point.high { d += "h0.5" }
            }
            if point.high != point.low { d += "L\(px) \(f(y(point.high)))" }
            previous = point.time
        }
        return d
    }

    /// About `count` round values (1, 2 or 5 times a power of ten apart) spanning `low...high`.
    static func niceTicks(low: Double, high: Double, count: Int) -> [Double] {
        let rough = (high - low) / Double(max(count, 1))
        guard rough.isFinite, rough > 0 else { return [low] }
        let power = pow(10, floor(log10(rough)))
        let fraction = rough / power
        let step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
        var ticks: [Double] = []
        var tick = floor(low / step) * step
        while tick <= high + step * 0.5, ticks.count < 50 {
            ticks.append(tick)
            tick += step
        }
        if let last = ticks.last, last < high { ticks.append(last + step) }
        return ticks
    }

    /// A tick's number with as many decimals as the ticks' step needs.
    static func label(_ value: Double, ticks: [Double]) -> String {
        let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : 1
        // As many decimals as the step has (0.25: two), at most six.
        let decimals = (0...6).first { abs(step * pow(10, Double($0)) - (step * pow(10, Double($0))).rounded()) < 1e-6 } ?? 6
        let rounded = (value / step).rounded() * step
        // Whole numbers as integers while they are exact; past 2^53 (or not finite) as Swift writes a Double.
        if decimals == 0 { return abs(rounded) < 9e15 ? String(Int64(rounded)) : String(rounded) }
        var text = String(rounded)
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) - 1 > decimals {
            text = String(text[...text.index(dot, offsetBy: decimals)])
        }
        return text == "-0" ? "0" : text
    }
}

/// Ticks of a time axis, in UTC: the span decides the unit (minutes, hours,
/// days, weeks, months, years) and the labels.
struct TimeTicks {
    enum Unit { case minutes(Int64), days(Int64), months(Int), years(Int) }
    let ticks: [Int64]
    let unit: Unit

    static let minute: Int64 = 60_000_000
    static let day: Int64 = 86_400_000_000

    init(start: Int64, end: Int64, most: Int = 8) {
        let span = end - start
        let minuteSteps: [Int64] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720]
        var chosen: Unit = .years(1)
        if let minutes = minuteSteps.first(where: { span / ($0 * TimeTicks.minute) <= Int64(most) }) {
            chosen = .minutes(minutes)
        } else if let days = ([1, 2, 7, 14] as [Int64]).first(where: { span / ($0 * TimeTicks.day) <= Int64(most) }) {
            chosen = .days(days)
        } else if let months = [1, 2, 3, 6].first(where: { span / (Int64($0) * 30 * TimeTicks.day) <= Int64(most) }) {
            chosen = .months(months)
        } else {
            let years = [1, 2, 5, 10, 20, 50, 100].first { span / (Int64($0) * 365 * TimeTicks.day) <= Int64(most) } ?? 100
            chosen = .years(years)
        }
        unit = chosen
        let ticks: [Int64]
        switch chosen {
        case .minutes(let count):
            ticks = TimeTicks.even(start: start, end: end, width: count * TimeTicks.minute)
        case .days(let count):
            // Weeks start on a Monday (TimeColumn.bucket), days at midnight UTC.
            ticks = TimeTicks.even(start: start, end: end, width: count * TimeTicks.day)
        case .months(let count):
            ticks = TimeTicks.monthly(start: start, end: end, months: count)
        case .years(let count):
            ticks = TimeTicks.monthly(start: start, end: end, months: count * 12)
        }
        self.ticks = ticks
    }

    static func even(start: Int64, end: Int64, width: Int64) -> [Int64] {
        var ticks: [Int64] = []
        var tick = TimeColumn.bucket(start, width: width)
        if tick < start { tick += width }
        while tick <= end, ticks.count < 100 { ticks.append(tick); tick += width }
        return ticks
    }

    static func monthly(start: Int64, end: Int64, months: Int) -> [Int64] {
        var ticks: [Int64] = []
        var (year, month, _) = Civil.date(start)
        // The first month boundary at or after start, on a multiple of the step.
        month = ((month - 1) / months) * months + 1
        while ticks.count < 100 {
            let tick = Civil.micros(year: year, month: month, day: 1)
            if tick > end { break }
            if tick >= start { ticks.append(tick) }
            month += months
            while month > 12 { month -= 12; year += 1 }
        }
        return ticks
    }

    func label(_ tick: Int64) -> String {
        let (year, month, day) = Civil.date(tick)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        switch unit {
        case .minutes:
            let ofDay = ((tick % TimeTicks.day) + TimeTicks.day) % TimeTicks.day / TimeTicks.minute
            return "\(twoDigits(month))-\(twoDigits(day)) \(twoDigits(Int(ofDay / 60))):\(twoDigits(Int(ofDay % 60)))"
        case .days: return "\(year)-\(twoDigits(month))-\(twoDigits(day))"
        case .months: return "\(year)-\(twoDigits(month))"
        case .years: return "\(year)"
        }
    }
}

/// Dates of the proleptic Gregorian calendar from microseconds since the epoch, and back (UTC).
enum Civil {
    static func date(_ micros: Int64) -> (year: Int, month: Int, day: Int) {
        let days = Int(micros >= 0 ? micros / TimeTicks.day : -((-micros - 1) / TimeTicks.day) - 1)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func micros(year: Int, month: Int, day: Int) -> Int64 {
        // days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468) * TimeTicks.day
    }
}
