import Testing
@testable import Pond

/// What `--at` accepts, parsed without a pond (the CLI's AtTests read real ones).
@Suite struct VersionSpecTests {
    @Test(arguments: [
        ("2026-12-01T09:43:05.123Z", "2026-12-01T09:43:05.123Z"),
        ("2026-12-01T09:43:05.999Z", "2026-12-01T09:43:05.999Z"),
        ("2026-12-01T09:43:05.1239Z", "2026-12-01T09:43:05.123Z"),
        ("2026-12-01T09:43:05Z", "2026-12-01T09:43:05.000Z"),
        ("2026-12-01T11:43:05+02:00", "2026-12-01T09:43:05.000Z"),
        ("2026-12-01T04:43-0500", "2026-12-01T09:43:00.000Z"),
        ("2026-12-01 09:43:05,5Z", "2026-12-01T09:43:05.500Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"),
    ])
    func timesAreTheInstantTheyName(text: String, recorded: String) throws {
        guard case .time(_, let seconds) = try #require(VersionSpec(text)) else {
            Issue.record("\(text) is not read as a time")
            return
        }
        #expect(VersionSpec.recordedTime(seconds) == recorded)
    }

    @Test(arguments: ["", "yesterday", "2026-13-01", "2026-02-29", "2026-12-01T24:00", "2026-12-01T09", "12:00",
                      "2026-12-01T09:43:05+2", "head~", "head~-1", "head-1", "3.5"])
    func otherTextIsNoVersion(text: String) {
        #expect(VersionSpec(text) == nil, "\(text)")
    }

    @Test func numbersAndHeadAreThemselves() {
        #expect(VersionSpec("7") == .number(7))
        #expect(VersionSpec("head") == .head(back: 0))
        #expect(VersionSpec("head~12") == .head(back: 12))
    }
}
