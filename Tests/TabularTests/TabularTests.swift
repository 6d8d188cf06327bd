import Foundation
import Testing
@testable import Tabular

/// `text`'s bytes, handed out `pieceSize` at a time, so records cross pieces.
func pieces(_ text: String, _ pieceSize: Int = 3) -> ByteChunks {
    pieces(Array(text.utf8), pieceSize)
}

func pieces(_ bytes: [UInt8], _ pieceSize: Int = 3) -> ByteChunks {
    var offset = 0
    return {
        guard offset < bytes.count else { return nil }
        let end = min(offset + pieceSize, bytes.count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

/// Every record's fields, as strings.
func records(_ text: String, format: TableFormat = .csv, pieceSize: Int = 3) throws -> [[String]] {
    let reader = DelimitedReader(format: format, chunks: pieces(text, pieceSize))
    var result: [[String]] = []
    while try reader.next() { result.append(reader.strings) }
    return result
}

/// The schema and every row's cells as SQL would see them.
func table(_ text: String, format: TableFormat = .csv) throws -> (TableSchema, [[String]]) {
    let schema = try TableReader(format: format, chunks: pieces(text)).inferSchema()
    let reader = try TableReader(format: format, chunks: pieces(text, 5))
    reader.use(schema)
    var rows: [[String]] = []
    while try reader.next() {
        rows.append((0..<schema.columns.count).map { column in
            reader.withCell(column) { cell in
                switch cell {
                case .null: "NULL"
                case .integer(let value): "i\(value)"
                case .real(let value): "r\(value)"
                case .text(let bytes): "'\(String(decoding: bytes, as: UTF8.self))'"
                case .blob(let bytes): "x\(Array(bytes))"
                }
            }
        })
    }
    return (schema, rows)
}

@Suite struct DelimitedReaderTests {
    @Test(arguments: [1, 2, 3, 7, 1000])
    func quotedFieldsHoldDelimitersNewlinesAndQuotes(pieceSize: Int) throws {
        let text = "a,b\n\"x,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",\r\n"
        #expect(try records(text, pieceSize: pieceSize) == [["a", "b"], ["x,1", "say \"hi\""], ["two\nlines", ""]])
    }

    @Test func crlfBomAndBlankLines() throws {
        let text = "\u{FEFF}a,b\r\n\r\n1,2\r\n\n3,4"
        #expect(try records(text) == [["a", "b"], ["1", "2"], ["3", "4"]])
    }

    @Test func aLoneCarriageReturnIsData() throws {
        #expect(try records("a\rb,c\n") == [["a\rb", "c"]])
    }

    @Test func tabSeparated() throws {
        #expect(try records("a\tb\n1,5\t\"q\tq\"\n", format: .tsv) == [["a", "b"], ["1,5", "q\tq"]])
    }

    @Test func linesAreCountedAcrossQuotedNewlines() throws {
        let reader = DelimitedReader(format: .csv, chunks: pieces("h\n\"a\nb\"\nc\n"))
        var lines: [Int] = []
        while try reader.next() { lines.append(reader.line) }
        #expect(lines == [1, 2, 4])
    }

    @Test func endOffsetsLeaveLineBreaksOut() throws {
        let text = "h\nab\r\ncd"
        let reader = DelimitedReader(format: .csv, chunks: pieces(text, 2))
        var ends: [Int64] = []
        while try reader.next() { ends.append(reader.endOffset) }
        #expect(ends == [1, 4, 8])
    }

    @Test func badQuotingIsAnErrorNamingTheLine() throws {
        #expect(throws: TableDataError(line: 2, reason: "a quoted field is never closed")) { try records("a\n\"open\nmore\n") }
        #expect(throws: TableDataError.self) { try records("a\n\"x\"y\n") }
        do {
            _ = try records("a,b\n1,2\n\"x\"y,3\n")
            Issue.record("text after a closing quote was accepted")
        } catch let error as TableDataError {
            #expect(error.line == 3)
        }
    }

    @Test func invalidUTF8IsAnError() throws {
        var bytes = Array("a\nok\n".utf8)
        bytes += [0xC3, 0x28, 0x0A]
        let reader = DelimitedReader(format: .csv, chunks: pieces(bytes))
        #expect(try reader.next())
        #expect(try reader.next())
        #expect(throws: TableDataError(line: 3, reason: "the record is not valid UTF-8")) { try reader.next() }
    }

    @Test func aHugeRecordIsRefusedNotHeld() throws {
        let reader = DelimitedReader(format: .csv, maxRecordBytes: 1 << 20, chunks: pieces(Array(repeating: UInt8(ascii: "x"), count: 3 << 20), 65536))
        #expect(throws: TableDataError.self) { try reader.next() }
    }
}

@Suite struct TableReaderTests {
    @Test func typesAreInferredOverTheWholeFile() throws {
        let (schema, rows) = try table("n,x,t,e\n1,1,007,\n2,2.5,8,\n-3,1e3,abc,\n")
        #expect(schema.columns == ["n", "x", "t", "e"])
        #expect(schema.types == [.integer, .real, .text, .unknown])
        #expect(rows == [["i1", "r1.0", "'007'", "NULL"], ["i2", "r2.5", "'8'", "NULL"], ["i-3", "r1000.0", "'abc'", "NULL"]])
    }

    @Test func numbersThatAreNotPlainDecimalsStayText() throws {
        let (schema, _) = try table("a,b,c,d\ninf,0x10,1 ,99999999999999999999\n")
        #expect(schema.types == [.text, .text, .integer, .real])
    }

    @Test(arguments: Missing.markers)
    func missingValueMarkersAreNullInANumericColumnAndTextInAText(marker: String) throws {
        let (schema, rows) = try table("v,w,s\n1, 2.5 ,a\n\(marker),\(marker),\(marker)\n 3 ,-4,b\n")
        #expect(schema.types == [.integer, .real, .text])
        #expect(rows == [["i1", "r2.5", "'a'"], ["NULL", "NULL", "'\(marker)'"], ["i3", "r-4.0", "'b'"]])
        let (json, jsonRows) = try table("{\"v\":1,\"s\":\"a\"}\n{\"v\":\"\(marker)\",\"s\":\"\(marker)\"}\n{\"s\":\"b\",\"v\":2.5}\n", format: .jsonLines)
        #expect(json.types == [.real, .text])
        #expect(jsonRows == [["r1.0", "'a'"], ["NULL", "'\(marker)'"], ["r2.5", "'b'"]])
    }

    @Test func aColumnOfOnlyMarkersOrWordsLikeThemIsText() throws {
        let (schema, rows) = try table("a,b\nNA,None\n-,nan\n")
        #expect(schema.types == [.unknown, .unknown])
        #expect(rows == [["'NA'", "'None'"], ["'-'", "'nan'"]])
        #expect(try table("a\nNAN\nn/a\n1\n").0.types == [.text])
    }

    @Test func aMostlyNumericColumnTypedTextIsReportedWithItsFirstOddValue() throws {
        var text = "t,v,name\n"
        for row in 1...50 { text += "\(row),\(row == 30 ? "n/a?" : row == 31 ? "NaN" : String(row)),x\(row)\n" }
        let reader = try TableReader(format: .csv, chunks: pieces(text, 64))
        let schema = try reader.inferSchema()
        #expect(schema.types == [.integer, .text, .text])
        #expect(reader.mostlyNumericColumns == [MostlyNumericColumn(column: "v", texts: 1, values: 49, firstLine: 31, firstValue: "n/a?")])
        // Half words is a text column, not a mistake.
        let words = try TableReader(format: .csv, chunks: pieces("v\n1\nabc\n2\ndef\n"))
        _ = try words.inferSchema()
        #expect(words.mostlyNumericColumns.isEmpty)
    }

    @Test func headersAreMadeUnique() throws {
        #expect(uniqueColumnNames(["a", "a", "", "A", "_version"], reserved: TableReader.reservedColumns)
                == ["a", "a_2", "col3", "A_3", "_version_2"])
    }

    @Test func aWrongFieldCountNamesTheLine() throws {
        #expect(throws: TableDataError(line: 3, reason: "expected 2 fields as in the header, found 3")) {
            try table("a,b\n1,2\n1,2,3\n")
        }
    }

    @Test func anEmptyFileHasNoHeader() throws {
        #expect(throws: TableDataError.self) { try TableReader(format: .csv, chunks: pieces("")) }
    }

    @Test func jsonLinesColumnsAreTheUnionOfTheKeys() throws {
        let text = """
            {"station":"a","temp":1,"ok":true}
            {"temp":2.5,"station":"b","extra":{"k":[1,2]}}

            {"station":"c\\u00e9\\ud83d\\ude00","temp":null}
            """
        let (schema, rows) = try table(text, format: .jsonLines)
        #expect(schema.columns == ["station", "temp", "ok", "extra"])
        #expect(schema.types == [.text, .real, .integer, .text])
        #expect(rows == [["'a'", "r1.0", "i1", "NULL"], ["'b'", "r2.5", "NULL", "'{\"k\":[1,2]}'"], ["'cé😀'", "NULL", "NULL", "NULL"]])
    }

    @Test func jsonLinesThatAreNotObjectsNameTheLine() throws {
        for bad in ["[1,2]", "{\"a\":1", "{\"a\":01x}", "{\"a\" 1}", "{\"a\":\"\\q\"}", "{\"a\":1} 2", String(repeating: "[", count: 5000)] {
            do {
                _ = try table("{\"a\":1}\n\(bad)\n", format: .jsonLines)
                Issue.record("accepted \(bad)")
            } catch let error as TableDataError {
                #expect(error.line == 2)
            }
        }
    }
}

@Suite struct NumberTests {
    /// Decimals of up to 15 digits take a fast path; every one must be the
    /// Double that strtod (Swift's `Double(String)`) gives, bit for bit.
    @Test func plainDecimalsAreTheDoubleStrtodGives() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "-0.0", "0.1", "0.3", ".5", "5.", "+2.50", "123456789012345", "999999999999999.", "0.000000000000001",
                     "1.7976931348623157", "9007199254740993", "12345678901234567890.5", "0.1234567890123456"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...17, using: &generator)
            var text = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
            text.insert(".", at: text.index(text.startIndex, offsetBy: Int.random(in: 0...digits, using: &generator)))
            if Bool.random(using: &generator) { text = "-" + text }
            texts.append(text)
        }
        for text in texts {
            let parsed = Array(text.utf8).withUnsafeBufferPointer { Number.real($0) }
            let expected = Double(text)
            #expect(parsed?.bitPattern == expected?.bitPattern, "\(text): \(String(describing: parsed)) != \(String(describing: expected))")
        }
    }
}
