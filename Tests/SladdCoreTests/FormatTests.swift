import Foundation
import Testing
@testable import SladdCore

@Suite("Container log formats")
struct FormatTests {
    @Test("Lines of each format, masked inside their structure", arguments: [
        // Docker json-file: `log` decoded (trailing \n, daemon escapes); stream and time untouched.
        (#"{"log":"INFO user ola\u0040example.no fnr 01019012480\n","stream":"stdout","time":"2025-11-02T10:15:32.123456789Z"}"#,
         #"{"log":"INFO user [email] fnr [fnr]\n","stream":"stdout","time":"2025-11-02T10:15:32.123456789Z"}"#),
        (#"{"log":"\u003ckari@example.com\u003e \u0026 more\n","stream":"stderr","time":"2025-11-02T10:15:32Z"}"#,
         #"{"log":"\u003c[email]\u003e \u0026 more\n","stream":"stderr","time":"2025-11-02T10:15:32Z"}"#),
        // JSON inside Docker's `log`: inner keys kept, inner numbers quoted with escaped quotes.
        (#"{"log":"{\"user\":\"kari@example.com\",\"id\":31129998787}\n","stream":"stdout","time":"t"}"#,
         #"{"log":"{\"user\":\"[email]\",\"id\":\"[fnr]\"}\n","stream":"stdout","time":"t"}"#),
        // Application JSON: keys never masked, numbers become strings, escapes decoded.
        (#"{"ola@example.no":1,"n":31129998787,"a":[31129998787,"x"]}"#,
         #"{"ola@example.no":1,"n":"[fnr]","a":["[fnr]","x"]}"#),
        (#"{"msg":"he said \"01019012480\"","u":"\u00f8la\u0040example.no"}"#,
         #"{"msg":"he said \"[fnr]\"","u":"\u00f8[email]"}"#),  // ø is not ASCII: a boundary
        (#"{"msg":"tel \u002b47 912 34 567 ok"}"#, #"{"msg":"tel [phone] ok"}"#),
        // Key-aware: the value of an identity key, checksum or not; a number stays valid JSON.
        (#"{"user":{"fnr":1019012480},"personnummer":"12345"}"#, #"{"user":{"fnr":"[id]"},"personnummer":"[id]"}"#),
        // In a document inside `log`, a key rule's match (found after the scanner's) lies before the
        // scanner's: both still meet their tokens.
        (#"{"log":"{\"fnr\":1019012480,\"n\":31129998787}\n","stream":"stdout","time":"t"}"#,
         #"{"log":"{\"fnr\":\"[id]\",\"n\":\"[fnr]\"}\n","stream":"stdout","time":"t"}"#),
        // CRI: prefix untouched, message masked (text or JSON).
        ("2016-10-06T00:17:09.669794202Z stdout F user kari@example.com",
         "2016-10-06T00:17:09.669794202Z stdout F user [email]"),
        (#"2016-10-06T00:17:09.669794202Z stderr F {"n":31129998787}"#, #"2016-10-06T00:17:09.669794202Z stderr F {"n":"[fnr]"}"#),
        // logfmt and URLs.
        (#"level=info msg="he said \"01019012480\"" user=kari@example.com fnr=123"#,
         #"level=info msg="he said \"[fnr]\"" user=[email] fnr=[id]"#),
        ("GET /reset?email=ola%40example.no&next=%2F 200", "GET /reset?email=%5Bemail%5D&next=%2F 200"),
        // The same in a JSON string, also after a `%` that escapes nothing.
        (#"{"url":"/reset?email=ola%40example.no&x=1","n":1}"#, #"{"url":"/reset?email=%5Bemail%5D&x=1","n":1}"#),
        (#"{"a":"100%","u":"ola%40example.no"}"#, #"{"a":"100%","u":"%5Bemail%5D"}"#),
        // A key-value rule reads the key; a value written with escapes is still masked whole, as
        // written (decoded alone, the value no longer shows its key). Also inside Docker's `log`.
        (#"{"password":"hunter\u0032x"}"#, #"{"password":"[secret]"}"#),
        (#"{"token":"a\"bcdef","n":1}"#, #"{"token":"[secret]","n":1}"#),
        (#"{"ssn":"123-45-67\u0038\u0039"}"#, #"{"ssn":"[id]"}"#),
        (#"{"log":"{\"password\":\"hunter\\u0032\"}\n","stream":"stdout","time":"t"}"#,
         #"{"log":"{\"password\":\"[secret]\"}\n","stream":"stdout","time":"t"}"#),
        // Python's json.dumps escapes every non-ASCII character: a key word with `ø` still reads as one.
        (#"{"m":"f\u00f8dselsnummer=12345 ok"}"#, #"{"m":"f\u00f8dselsnummer=[id] ok"}"#),
        (#"{"m":"Troms\u00f8 p\u00e5 \u00c5lesund 12345"}"#, #"{"m":"Troms\u00f8 p\u00e5 \u00c5lesund 12345"}"#),
        (#"{"log":"f\u00f8dselsnummer: 12345\n","stream":"stdout","time":"t"}"#,
         #"{"log":"f\u00f8dselsnummer: [id]\n","stream":"stdout","time":"t"}"#),
        // ... and so does such a key: its value is masked whole, a number quoted.
        (#"{"f\u00f8dselsnummer": "12345", "n": 7}"#, #"{"f\u00f8dselsnummer": "[id]", "n": 7}"#),
        (#"{"f\u00f8dselsnummer" : 12345}"#, #"{"f\u00f8dselsnummer" : "[id]"}"#),
        (#"{"pass\u0077ord":"a\"b\u0063"}"#, #"{"pass\u0077ord":"[secret]"}"#),
        (#"{"f\u00f8dselsnummer": {"a": "12345"}}"#, #"{"f\u00f8dselsnummer": {"a": "12345"}}"#),  // not a scalar
        // All escaped keys of a document are read in one pass: each value keeps to its own key.
        (#"{"f\u00f8dselsnummer_x": "1", "f\u00f8dselsnummer": "12345", "n": 7, "pass\u0077ord": "x y", "f\u00f8dselsnummer": 99}"#,
         #"{"f\u00f8dselsnummer_x": "1", "f\u00f8dselsnummer": "[id]", "n": 7, "pass\u0077ord": "[secret]", "f\u00f8dselsnummer": "[id]"}"#),
        (#"{"f\u00f8dselsnummer": "a\"b", "x\u00f8": "ssn", "m": "01019012480", "s\u0073n": "1"}"#,
         #"{"f\u00f8dselsnummer": "[id]", "x\u00f8": "ssn", "m": "[fnr]", "s\u0073n": "[id]"}"#),
        // An escaped quote inside a quoted value belongs to the value.
        (#"level=info password="he said \"x\"" user=kari"#, #"level=info password="[secret]" user=kari"#),
        // A line that gains a match from decoded text, between lines with matches of their own:
        // every line keeps its matches (one window, whose matches are regrouped line by line).
        ("fnr 01019012480\n" + #"{"u":"ola\u0040example.no"}"# + "\nmail kari@example.com +47 41234567",
         "fnr [fnr]\n" + #"{"u":"[email]"}"# + "\nmail [email] [phone]"),
        // ... and a line with no match of its own that gains one, before a line holding all the rest.
        (#"{"u":"ola\u0040example.no"}"# + "\n" + #"{"m":"kari@example.com","n":31129998787}"#,
         #"{"u":"[email]"}"# + "\n" + #"{"m":"[email]","n":"[fnr]"}"#),
        // Broken JSON falls back to text: masked, never made worse.
        (#"{"broken": "ola@example.no", 01019012480"#, #"{"broken": "[email]", [fnr]"#),
    ])
    func formatTable(input: String, expected: String) throws {
        #expect(try Fixture.mask(input + "\n") == expected + "\n")
    }

    @Test("An identifier split across CRI partial records is masked in both")
    func criPartialRecords() throws {
        let input = """
            2016-10-06T00:17:09.669794202Z stdout P user fnr 010190
            2016-10-06T00:17:09.669794203Z stderr F unrelated
            2016-10-06T00:17:09.669794204Z stdout P 12480 mail kari@exa
            2016-10-06T00:17:09.669794205Z stdout F mple.com end

            """
        let output = try Fixture.mask(input)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(!output.contains("010190") && !output.contains("12480"), "\(output)")
        #expect(!output.contains("kari@exa") && !output.contains("mple.com"), "\(output)")
        // Wrappers byte-identical.
        for (line, original) in zip(lines, input.split(separator: "\n")) {
            #expect(line.prefix(40) == original.prefix(40))
        }
    }

    @Test("A partial record is held for its rest across reads, and written once the rest comes")
    func criPartialAcrossReads() throws {
        let input = Array("2016-10-06T00:17:09.669794202Z stdout P fnr 010190\n2016-10-06T00:17:09.669794204Z stdout F 12480 x\n".utf8)
        for chunk in [1, 7, 50] {
            let output = String(decoding: try Fixture.mask(bytes: input, chunkSize: chunk), as: UTF8.self)
            #expect(output == "2016-10-06T00:17:09.669794202Z stdout P fnr [fnr]\n2016-10-06T00:17:09.669794204Z stdout F [fnr] x\n",
                    "chunk \(chunk)")
        }
    }

    @Test("An identifier cut by Docker's 16 KiB split is masked in both parts, across reads too",
          arguments: [1, 7, 64, 1 << 20])
    func dockerSplitRecords(chunk: Int) throws {
        let input = Array(#"""
            {"log":"export for fnr 010190","stream":"stdout","time":"2025-11-02T10:15:30.1Z"}
            {"log":"other stream\n","stream":"stderr","time":"2025-11-02T10:15:30.2Z"}
            {"log":"12480 done \\n\n","stream":"stdout","time":"2025-11-02T10:15:30.3Z"}
            {"log":"ends in a backslash and n: \\n","stream":"stdout","time":"2025-11-02T10:15:30.4Z"}
            {"log":"0101","stream":"stdout","time":"2025-11-02T10:15:30.5Z"}

            """#.utf8)
        let expected = #"""
            {"log":"export for fnr [fnr]","stream":"stdout","time":"2025-11-02T10:15:30.1Z"}
            {"log":"other stream\n","stream":"stderr","time":"2025-11-02T10:15:30.2Z"}
            {"log":"[fnr] done \\n\n","stream":"stdout","time":"2025-11-02T10:15:30.3Z"}
            {"log":"ends in a backslash and n: \\n","stream":"stdout","time":"2025-11-02T10:15:30.4Z"}
            {"log":"0101","stream":"stdout","time":"2025-11-02T10:15:30.5Z"}

            """#
        for format in [LineFormat.auto, .docker] {
            var configuration = StreamFilter.Configuration()
            configuration.format = format
            let output = String(decoding: try Fixture.mask(bytes: input, chunkSize: chunk, configuration: configuration), as: UTF8.self)
            #expect(output == expected, "chunk \(chunk), \(format)")
        }
    }

    @Test("--format text scans bytes only (no decoding); other formats fall back to text for other lines")
    func explicitFormats() throws {
        var configuration = StreamFilter.Configuration()
        configuration.format = .text
        let line = Array(#"{"u":"ola\u0040example.no"}"# .utf8 + [0x0A])
        #expect(try Fixture.mask(bytes: line, configuration: configuration) == line)
        configuration.format = .json
        let plain = Array("user kari@example.com\n".utf8)
        #expect(String(decoding: try Fixture.mask(bytes: plain, configuration: configuration), as: UTF8.self) == "user [email]\n")
    }

    // MARK: - Generated documents

    /// A JSON value with identifiers in keys, values, nested objects and arrays, written with random
    /// escapes (`\uXXXX`, surrogate pairs, `\"`, `\/`) and non-ASCII text.
    static func document(_ random: inout SeededRandom, depth: Int = 0, planted: inout [String]) -> String {
        func piece() -> String {
            switch Int.random(in: 0..<6, using: &random) {
            case 0, 1:
                let identifier = Generate.identifier(&random)
                planted.append(identifier)
                return identifier
            case 2: return "æøå Ærlig 🙂"
            case 3: return "say \"hi\" / C:\\path"
            default: return Generate.cleanWord(&random)
            }
        }
        func string(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "/" where Bool.random(using: &random): out += "\\/"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                case _ where Int.random(in: 0..<5, using: &random) == 0:
                    for unit in String(scalar).utf16 { out += String(format: "\\u%04X", unit) }
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        if depth >= 3 || Int.random(in: 0..<3, using: &random) == 0 {
            if Int.random(in: 0..<4, using: &random) == 0 {
                let fnr = Generate.fodselsnummer(&random)
                if fnr.first != "0" {
                    planted.append(fnr)
                    return fnr  // a JSON number
                }
            }
            return string((0..<Int.random(in: 1...3, using: &random)).map { _ in piece() }.joined(separator: " "))
        }
        if Bool.random(using: &random) {
            let items = (0..<Int.random(in: 0...3, using: &random)).map { _ in document(&random, depth: depth + 1, planted: &planted) }
            return "[" + items.joined(separator: ",") + "]"
        }
        var keysUsed = Set<String>()
        var members: [String] = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            // Keys may hold PII too; they are kept as they are.
            var key = Bool.random(using: &random) ? Generate.email(&random) : Generate.cleanWord(&random)
            while keysUsed.contains(key) { key += "x" }
            keysUsed.insert(key)
            members.append(string(key) + ":" + document(&random, depth: depth + 1, planted: &planted))
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    static func keys(_ value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.keys.sorted() + object.keys.sorted().flatMap { keys(object[$0]!) }
        }
        if let array = value as? [Any] { return array.flatMap(keys) }
        return []
    }

    static func strings(_ value: Any) -> [String] {
        if let object = value as? [String: Any] { return object.values.flatMap(strings) }
        if let array = value as? [Any] { return array.flatMap(strings) }
        if let text = value as? String { return [text] }
        return ["\(value)"]
    }

    @Test("Valid JSON in, valid JSON out, same keys, no identifier left in a value (plain and in Docker)",
          arguments: [11, 12, 13] as [UInt64])
    func generatedDocuments(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let filter = try Fixture.filter()
        for _ in 0..<150 {
            var planted: [String] = []
            var document = Self.document(&random, planted: &planted)
            if !document.hasPrefix("{") { document = "{\"v\":" + document + "}" }
            let docker = "{\"log\":" + String(decoding: try JSONSerialization.data(withJSONObject: [document + "\n"]), as: UTF8.self).dropFirst().dropLast()
                + ",\"stream\":\"stdout\",\"time\":\"2025-11-02T10:15:32.123456789Z\"}"
            for line in [document, docker] {
                let output = filter.mask(Array((line + "\n").utf8))
                let masked = Data(output.dropLast())
                guard let value = try? JSONSerialization.jsonObject(with: masked) else {
                    Issue.record("not JSON any more:\n\(line)\n\(String(decoding: masked, as: UTF8.self))")
                    continue
                }
                var inner = value
                if line == docker, let object = value as? [String: Any] {
                    #expect(object["time"] as? String == "2025-11-02T10:15:32.123456789Z")
                    #expect(object["stream"] as? String == "stdout")
                    let log = object["log"] as? String ?? ""
                    guard let parsed = try? JSONSerialization.jsonObject(with: Data(log.utf8)) else {
                        Issue.record("the log value is not JSON any more: \(log)")
                        continue
                    }
                    inner = parsed
                }
                let original = try JSONSerialization.jsonObject(with: Data(document.utf8))
                #expect(Self.keys(inner) == Self.keys(original), "keys changed:\n\(line)\n\(String(decoding: masked, as: UTF8.self))")
                let values = Self.strings(inner).joined(separator: "\u{1}")
                for identifier in planted where values.contains(identifier) {
                    Issue.record("\(identifier) survived in\n\(line)\n\(String(decoding: masked, as: UTF8.self))")
                }
                // Masking twice equals masking once.
                #expect(filter.mask(output) == output)
            }
        }
    }

    @Test("A key's value spelled with any escapes never survives, in a document or inside Docker's log",
          arguments: [21, 22, 23] as [UInt64])
    func escapedKeyValues(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let filter = try Fixture.filter()
        let keys = ["password", "client_secret", "access_token", "api_key", "ssn", "fnr", "personnummer", "fødselsnummer"]
        let alphabet: [Unicode.Scalar] = ["a", "Z", "7", "\"", "\\", "/", "ø", "@", ".", "-", " "]
        for _ in 0..<200 {
            let secret = "q" + String(String.UnicodeScalarView((0..<Int.random(in: 6...16, using: &random)).map { _ in
                alphabet.randomElement(using: &random)!
            }))
            let key = keys.randomElement(using: &random)!
            // The key too may be written with escapes (Python's json.dumps writes `ø` as `\u00f8`).
            let spelledKey = Bool.random(using: &random) ? EscapeTests.spellAll(key, &random) : key
            let document = #"{"msg":"ok","\#(spelledKey)":"\#(EscapeTests.spellAll(secret, &random))","n":1}"#
            let log = String(decoding: try JSONSerialization.data(withJSONObject: [document + "\n"]), as: UTF8.self)
            let docker = #"{"log":""# + log.dropFirst(2).dropLast(2) + #"","stream":"stdout","time":"t"}"#
            for line in [document, docker] {
                let masked = Data(filter.mask(Array((line + "\n").utf8)).dropLast())
                var value = try JSONSerialization.jsonObject(with: masked) as? [String: Any]
                if line == docker {
                    value = try (value?["log"] as? String).flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                }
                let written = value?[key] as? String
                #expect(written != nil && written != secret && !(written ?? "").contains(secret.dropFirst()),
                        "\(key)=\(secret.debugDescription) survived in\n\(line)\n\(String(decoding: masked, as: UTF8.self))")
            }
        }
    }
}
