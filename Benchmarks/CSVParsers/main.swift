// Pond's streaming CSV reader (Sources/Tabular) against the CSV libraries on
// this machine's package mirror, SwiftCSV 0.10.0 and CSV.swift 2.5.2: the
// same file read to the end (rows and fields counted), then the cases a
// table must get right.
//
//   swift run -c release --package-path Benchmarks pond-csv-parsers [FILE.csv]
//
// Without FILE, a 1,000,000-row file is made in a temporary directory.
import CSV
import Foundation
import SwiftCSV
import Tabular

func seconds(_ body: () throws -> Int) rethrows -> (Double, Int) {
    let start = DispatchTime.now().uptimeNanoseconds
    let count = try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, count)
}

func makeFile() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pond-csv-parsers.csv")
    var text = "time,station,temp,hum,note\n"
    var state: UInt64 = 7
    for index in 0..<1_000_000 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        text += "2026-\(1 + index % 12)-\(1 + index % 28)T\(index % 24):00:00,st\(index % 50),\(Double(state >> 40) / 1e5),\(state % 90 + 10),\"r \(index), ok\"\n"
    }
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// Pond's reader over the file's bytes in 256 KiB pieces (as the pond hands them out).
func pondFields(_ bytes: [UInt8]) throws -> Int {
    var offset = 0
    let reader = DelimitedReader(format: .csv) {
        guard offset < bytes.count else { return nil }
        let end = min(offset + 262_144, bytes.count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
    var fields = 0
    while try reader.next() { fields += reader.fieldCount }
    return fields
}

func pondRecords(_ text: String) throws -> [[String]] {
    var bytes: [UInt8]? = Array(text.utf8)
    let reader = DelimitedReader(format: .csv) {
        defer { bytes = nil }
        return bytes
    }
    var records: [[String]] = []
    while try reader.next() { records.append(reader.strings) }
    return records
}

func swiftCSVRecords(_ text: String) throws -> [[String]] {
    let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false)
    return [csv.header] + csv.rows
}

func csvSwiftRecords(_ text: String) throws -> [[String]] {
    let reader = try CSVReader(string: text)
    var records: [[String]] = []
    while let row = reader.next() { records.append(row) }
    return records
}

let url = try CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) } ?? makeFile()
let data = try Data(contentsOf: url)
let bytes = [UInt8](data)
print("file: \(url.path), \(bytes.count) bytes")
let (pondTime, pondCount) = try seconds { try pondFields(bytes) }
print(String(format: "Pond DelimitedReader (streaming, 256 KiB pieces): %.3f s, %d fields", pondTime, pondCount))
let (csvSwiftTime, csvSwiftCount) = try seconds {
    let reader = try CSVReader(stream: InputStream(url: url)!)
    var fields = 0
    while let row = reader.next() { fields += row.count }
    return fields
}
print(String(format: "CSV.swift CSVReader (streaming from an InputStream): %.3f s, %d fields (%.1fx Pond's time)", csvSwiftTime, csvSwiftCount, csvSwiftTime / pondTime))
let (swiftCSVTime, swiftCSVCount) = try seconds {
    let csv = try CSV<Enumerated>(string: String(decoding: data, as: UTF8.self), delimiter: .comma, loadColumns: false)
    // Row 0 is the header, as in the other two counts.
    var fields = 0
    try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { fields += $0.count }
    return fields
}
print(String(format: "SwiftCSV CSV<Enumerated> (the whole file as one String): %.3f s, %d fields (%.1fx Pond's time)", swiftCSVTime, swiftCSVCount, swiftCSVTime / pondTime))

// The cases a table must read right: what each reader makes of them.
let cases: [(String, String, [[String]])] = [
    ("quoted fields with commas and quotes", "a,b\n\"x,1\",\"say \"\"hi\"\"\"\n", [["a", "b"], ["x,1", "say \"hi\""]]),
    ("a newline inside quotes", "a,b\n\"two\nlines\",2\n", [["a", "b"], ["two\nlines", "2"]]),
    ("CRLF line ends", "a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
    ("a byte-order mark", "\u{FEFF}a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
    ("an empty last field", "a,b\n1,\n", [["a", "b"], ["1", ""]]),
    ("an unterminated quote (an error)", "a\n\"open\n", []),
]
for (name, text, expected) in cases {
    func verdict(_ read: (String) throws -> [[String]]) -> String {
        do {
            let got = try read(text)
            return got == expected ? "right" : "WRONG \(got)"
        } catch {
            return expected.isEmpty ? "right (error)" : "ERROR \(error)"
        }
    }
    print("\(name): Pond \(verdict(pondRecords)); CSV.swift \(verdict(csvSwiftRecords)); SwiftCSV \(verdict(swiftCSVRecords))")
}
