import Testing
@testable import Collect
import Pond

@Suite struct ResourceDocumentsTests {
    @Test func everyKindIsRead() throws {
        let resources = try ResourceDocuments.parse("""
            kind: directory
            path: /stations/north
            ---
            kind: derived
            path: stations/daily.csv
            query: SELECT 1 AS a
            ---
            kind: visit
            path: /by-station
            glob: /stations/*/temp.csv
            ---
            kind: remote
            name: origin
            url: file:///tmp/remote
            secret_access_key: ${env:SECRET}
            auto_push: true
            ---
            kind: collector
            name: app
            type: logfile
            file: /var/log/app.log
            path: /logs/app.log
            ---
            kind: site
            config:
              title: Stations
            """, file: "pond.yaml")
        #expect(resources.map(\.kindName) == ["directory", "derived", "visit", "remote", "collector", "site"])
        #expect(resources[1].kind == .derived(path: "/stations/daily.csv", query: "SELECT 1 AS a"))
        #expect(resources[3].kind == .remote(RemoteRecord(name: "origin", url: "file:///tmp/remote", autoPush: true,
                                                            secretAccessKey: "${env:SECRET}")))
        #expect(resources[4].kind == .collector(CollectorSpec(name: "app", source: .logfile(file: "/var/log/app.log"), path: "/logs/app.log", append: true)))
        #expect(resources[5].kind == .site(path: "/site.yaml", config: "title: Stations\n"))
        #expect(resources[4].origin == ResourceOrigin(file: "pond.yaml", document: 5, line: 18))
    }

    @Test(arguments: [
        ("kind: tree\npath: /a\n", "document 1, line 1: unknown kind 'tree'"),
        ("kind: directory\npath: /a\ncolour: red\n", "document 1, line 3: unknown field 'colour' for directory"),
        ("---\nkind: directory\n", "document 1, line 2: missing field 'path'"),
        ("kind: directory\npath: [a, b]\n", "line 2: path must be text"),
        ("kind: remote\nname: o\nurl: file:///r\nauto_push: yes please\n", "line 4: auto_push must be true or false"),
        ("kind: remote\nname: o\nurl: s3://b/p\nsecret_access_key: abcdEFGH1234\n", "line 4: secret_access_key must be a reference"),
        ("kind: collector\nname: c\ntype: ftp\npath: /x\n", "line 3: unknown collector type 'ftp'"),
        ("kind: collector\nname: c\ntype: command\npath: /x\nurl: http://x\ncommand: date\n", "line 5: unknown field 'url' for collector"),
        ("kind: directory\npath: /a\n---\nkind: directory\npath: ../..\n", "document 2, line 5: path"),
        ("kind: [directory\npath: /a\n", "not YAML"),
        ("- kind: directory\n", "document 1, line 1: a document is a mapping"),
    ])
    func badDocumentsNameTheirLine(text: String, expected: String) {
        #expect {
            try ResourceDocuments.parse(text, file: "f.yaml")
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("f.yaml") && message.contains(expected)
        }
    }

    @Test func secretsExpandOnlyWhenUsed() throws {
        #expect(Secrets.reference("${env:AWS_SECRET}") == "AWS_SECRET")
        #expect(Secrets.reference("x${env:A}") == nil)
        #expect(Secrets.reference("${env:1A}") == nil)
        #expect(try Secrets.expand("https://h/?t=${env:TOKEN}&u=${env:U}", environment: ["TOKEN": "t0k", "U": "me"]) == "https://h/?t=t0k&u=me")
        #expect(try Secrets.expand("no ${env:} here $HOME", environment: [:]) == "no ${env:} here $HOME")
        #expect(throws: ResourceError.self) { try Secrets.expand("${env:MISSING_ONE}", environment: [:]) }
    }
}
