import Foundation
import Testing

/// `--at` in every form DESIGN.md names, read in several time zones.
@Suite struct AtTests {
    /// A pond whose /f is "one" at version 2 and "two" at version 3, with
    /// version 3 committed at least 1.1 s after version 2; and the UTC
    /// commit time of version 2 (milliseconds) and of version 3.
    static func twoVersions() throws -> (CLIFixture, Date, Date) {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("one".utf8)).status == 0)
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("two".utf8)).status == 0)
        let times = try fixture.commitTimes()
        return (fixture, times[2]!, times[3]!)
    }

    /// `date` written with `format` in zone `zone`.
    static func text(_ date: Date, _ format: String, zone: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = format
        return formatter.string(from: date)
    }

    @Test(arguments: ["UTC", "Asia/Tokyo", "America/New_York", "Asia/Kolkata"])
    func everyTimeFormNamesTheNewestVersionAtOrBeforeIt(zone: String) throws {
        let (fixture, v2, v3) = try AtTests.twoVersions()
        // Just after version 2's commit: rounded up to the next whole second, which is before version 3.
        let afterV2 = Date(timeIntervalSince1970: (v2.timeIntervalSince1970 + 0.001).rounded(.up))
        #expect(afterV2 < v3)
        let environment = ["TZ": zone]
        var forms: [(String, String)] = [
            (AtTests.text(afterV2, "yyyy-MM-dd'T'HH:mm:ss", zone: zone), "one"),           // local, seconds
            (AtTests.text(afterV2, "yyyy-MM-dd HH:mm:ss", zone: zone), "one"),             // a space for T
            (AtTests.text(afterV2, "yyyy-MM-dd'T'HH:mm:ss.SSS", zone: zone), "one"),       // fraction
            (AtTests.text(afterV2, "yyyy-MM-dd'T'HH:mm:ssXXX", zone: zone), "one"),        // offset +02:00 / Z
            (AtTests.text(afterV2, "yyyy-MM-dd'T'HH:mm:ssxx", zone: zone), "one"),         // offset +0200
            (AtTests.text(afterV2, "yyyy-MM-dd'T'HH:mm:ss'Z'", zone: "UTC"), "one"),       // Z
            (AtTests.text(v3.addingTimeInterval(120), "yyyy-MM-dd'T'HH:mm", zone: zone), "two"),  // minutes, after head
            (AtTests.text(v3.addingTimeInterval(86_400 * 2), "yyyy-MM-dd", zone: zone), "two"),   // a date
            ("head", "two"), ("head~1", "one"), ("2", "one"), ("3", "two"),
        ]
        forms.append((AtTests.text(v3.addingTimeInterval(3600), "yyyy-MM-dd'T'HH:mm:ss", zone: zone), "two"))
        for (at, expected) in forms {
            let result = try fixture.run("cat", "/f", "--at", at, environment: environment)
            #expect(result.status == 0 && result.stdout == expected, "TZ=\(zone) --at \(at): \(result.stderr)")
        }
        // A date alone is its first instant: the day before the commits has no version.
        let dayBefore = AtTests.text(v2.addingTimeInterval(-86_400 * 2), "yyyy-MM-dd", zone: zone)
        let early = try fixture.run("cat", "/f", "--at", dayBefore, environment: environment)
        #expect(early.status == 1 && early.stderr == "Error: \(dayBefore): no version was committed at or before that time\n")
    }

    @Test(arguments: [("head~3", "Error: head~3: the pond has 3 versions, so that is before version 1\n", Int32(1)),
                      ("2026-02-30T25:00", "Error: The value '2026-02-30T25:00' is invalid for '--at <version|time>'", Int32(64)),
                      ("12:00", "Error: The value '12:00' is invalid for '--at <version|time>'", Int32(64))])
    func namesThatAreNoVersionAreErrors(at: String, message: String, status: Int32) throws {
        let (fixture, _, _) = try AtTests.twoVersions()
        let result = try fixture.run("cat", "/f", "--at", at)
        #expect(result.status == status)
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
    }

    @Test func diffTakesTheSameForms() throws {
        let (fixture, _, _) = try AtTests.twoVersions()
        #expect(try fixture.run("diff", "head~1", "head").stdout == "~ /f\n")
        #expect(try fixture.run("diff", "2").stdout == "~ /f\n")
    }
}
