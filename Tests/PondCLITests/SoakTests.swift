import Foundation
import Testing

/// Many versions made by single commands, then the tree at every 100th
/// version compared with a model kept alongside. Quick mode: 300 versions;
/// `POND_LONG=1`: 10,000.
struct SoakTests {
    /// The model: path to "d" for a directory or the file's text.
    typealias Tree = [String: String]

    /// A random next command that is valid in `tree`, and the tree after it.
    static func step(_ tree: Tree, _ number: Int, using generator: inout some RandomNumberGenerator) -> ([String], Data?, Tree) {
        var next = tree
        let directories = tree.filter { $0.value == "d" }.keys.sorted()
        let files = tree.filter { $0.value != "d" }.keys.sorted()
        let choice = Int.random(in: 0..<10, using: &generator)
        if directories.count < 20 && (choice == 0 || directories.isEmpty) {
            let path = "/dir\(number)"
            next[path] = "d"
            return (["mkdir", path], nil, next)
        }
        if choice <= 5 || files.count < 5 {
            // A new file, or a new version of an existing one.
            let path = choice % 2 == 0 && !files.isEmpty ? files.randomElement(using: &generator)!
                : "\(directories.randomElement(using: &generator)!)/file\(number)"
            let text = "version \(number) of \(path)\n"
            next[path] = text
            return (["copy", "-", path], Data(text.utf8), next)
        }
        let file = files.randomElement(using: &generator)!
        if choice <= 7 {
            next[file] = nil
            return (["rm", file], nil, next)
        }
        let target = "\(directories.randomElement(using: &generator)!)/moved\(number)"
        next[target] = next.removeValue(forKey: file)
        return (["mv", file, target], nil, next)
    }

    @Test func everyHundredthVersionEqualsTheModel() throws {
        let fixture = try CLIFixture()
        let versions = LongMode.isOn ? 10_000 : 300
        var generator = SeededGenerator()
        var tree: Tree = [:]
        var checkpoints: [Int: Tree] = [:]
        let started = Date()
        for number in 2...versions {
            let (arguments, stdin, next) = SoakTests.step(tree, number, using: &generator)
            let result = try fixture.runArguments(arguments + ["--pond", fixture.pondPath], stdin: stdin)
            try #require(result.status == 0, "\(arguments): \(result.stderr) (seed \(generator.seed))")
            tree = next
            if number % 100 == 0 { checkpoints[number] = tree }
        }
        #expect(try fixture.headVersion() == versions)
        let made = Date().timeIntervalSince(started)
        var matched = 0
        for (version, expected) in checkpoints.sorted(by: { $0.key < $1.key }) {
            let result = try fixture.run("sql", """
                SELECT p.path, CASE p.type WHEN 'directory' THEN 'd' ELSE
                  (SELECT CAST(content AS TEXT) FROM file_contents f WHERE f.node_id = p.node_id ORDER BY version DESC LIMIT 1) END AS v
                FROM paths p ORDER BY p.path
                """, "--at", "\(version)", "--format", "json")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            var actual: Tree = [:]
            for row in rows { actual[row["path"] as? String ?? "?"] = row["v"] as? String ?? "?" }
            #expect(actual == expected, "version \(version) (seed \(generator.seed))")
            if actual == expected { matched += 1 }
        }
        print("soak: \(versions) versions by single commands in \(String(format: "%.0f", made)) s; "
              + "the tree equals the model at \(matched) of \(checkpoints.count) checked versions (every 100th); "
              + "seed \(generator.seed) (rerun with POND_SEED=\(generator.seed))")
    }
}
