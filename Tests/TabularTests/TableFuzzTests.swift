import Foundation
import Testing
@testable import Tabular

/// SplitMix64: the same mutations for the same seed (`POND_SEED`, printed).
struct FuzzGenerator: RandomNumberGenerator {
    private var state: UInt64
    let seed: UInt64

    init() {
        seed = ProcessInfo.processInfo.environment["POND_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutated CSV, TSV and JSON Lines thrown at the readers: each input is read
/// to its end or to a `TableDataError`; nothing else may happen (a crash
/// ends the test process, a hang its time limit).
@Suite struct TableFuzzTests {
    static let seeds: [TableFormat: String] = [
        .csv: "station,time,temp\n\"a, b\",2026-12-01,12.5\r\nc,\"x\"\"y\",7\n\n\"multi\nline\",1e3,\n",
        .tsv: "a\tb\n1\t\"q\tq\"\n2\t3\n",
        .jsonLines: "{\"a\":1,\"b\":\"x\\u00e9\",\"c\":[1,{\"d\":null}]}\n{\"b\":2.5e-3,\"e\":true}\n",
    ]
    static let interesting: [UInt8] = Array(",\t\"\n\r{}[]:\\eE.-+0123456789".utf8) + [0x00, 0xC3, 0xFF, 0xEF, 0xBB, 0xBF, 0x80]

    @Test(.timeLimit(.minutes(2)))
    func mutatedInputIsReadOrRefusedNeverACrash() throws {
        var random = FuzzGenerator()
        var read = 0, refused = 0
        for round in 0..<3000 {
            let format = TableFormat.allCases[round % 3]
            var bytes = Array(TableFuzzTests.seeds[format]!.utf8)
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !bytes.isEmpty: bytes.remove(at: position)
                case 1: bytes.insert(TableFuzzTests.interesting.randomElement(using: &random)!, at: position)
                case 2 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &random)
                default: bytes.insert(contentsOf: bytes[position...].prefix(Int.random(in: 0...20, using: &random)), at: position)
                }
            }
            let pieceSize = Int.random(in: 1...64, using: &random)
            do {
                let schema = try TableReader(format: format, chunks: pieces(bytes, pieceSize)).inferSchema()
                let reader = try TableReader(format: format, chunks: pieces(bytes, pieceSize))
                reader.use(schema)
                while try reader.next() {
                    for column in schema.columns.indices { reader.withCell(column) { _ in } }
                }
                read += 1
            } catch is TableDataError {
                refused += 1
            }
        }
        print("table fuzz: seed \(random.seed), 3000 inputs, \(read) read, \(refused) refused, no crash")
        #expect(read + refused == 3000)
        #expect(read > 0 && refused > 0)
    }
}
