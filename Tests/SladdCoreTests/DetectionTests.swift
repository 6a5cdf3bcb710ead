import Testing
@testable import SladdCore

/// What the default rules do to single lines: the behaviour a user sees, case by case.
@Suite("Detection in context")
struct DetectionTests {
    @Test("Masked wherever it sits", arguments: [
        ("01019012480", "[fnr]"),
        ("fnr=01019012480;", "fnr=[fnr];"),
        ("(01019012480)", "([fnr])"),
        ("\"01019012480\"", "\"[fnr]\""),
        ("010190-12480 and 010190 12480", "[fnr] and [fnr]"),
        ("fnr:01019012480,01019012480", "fnr:[fnr],[fnr]"),
        ("user_01019012480", "user_[fnr]"),
        ("æ01019012480ø", "æ[fnr]ø"),
        ("\u{1B}[32m01019012480\u{1B}[0m", "\u{1B}[32m[fnr]\u{1B}[0m"),
        ("ola@example.no", "[email]"),
        ("OLA.Nordmann@EXAMPLE.NO", "[email]"),
        ("<ola@example.no>", "<[email]>"),
        ("mailto:ola@example.no", "mailto:[email]"),
        ("\u{1B}[1mola@example.no", "\u{1B}[1m[email]"),
        ("?email=ola@example.no&x=1", "?email=[email]&x=1"),
        ("card 4111-1111-1111-1111.", "card [card]."),
        ("iban NO9386011117947", "iban [iban]"),
        ("NO93 8601 1117 947 Oslo", "[iban] Oslo"),
        ("tlf: +47 912 34 567", "tlf: [phone]"),
        ("8601.11.17947", "[kontonummer]"),
        ("email 01019012480@example.no", "email [email]"),
    ])
    func masked(_ input: String, _ expected: String) throws {
        #expect(try Fixture.mask(input) == expected)
    }

    @Test("Left alone", arguments: [
        "order 01019012481 shipped",            // fails mod-11
        "101019012480",                         // 12 digits
        "0101901248",                           // 10 digits
        "a01019012480", "01019012480z",         // inside a word or hex id
        "3.01019012480", "01019012480.5",       // decimals
        "123e4567-e89b-12d3-a456-426614174000", // UUID
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "ts=1700000000000 ns=1700000000000000000",
        "snowflake=1234567890123456789",
        "v1.2.3 10.0.0.1 1.10.100.1000",
        "java.lang.Object@1b6d3586", "user@host", "a@b.c",
        "pan 4111111111111112",
        "NO9386011117948",
        "+47 9123456",
        "081111 034726 19054 INFO dfs.DataNode",
        "blk_-6952295868487656571",
        "",
        "\r",
        "binary \u{00}\u{01}\u{02}\u{FF}",
    ])
    func leftAlone(_ input: String) throws {
        #expect(try Fixture.mask(input) == input)
    }

    @Test func grouppedIBANDoesNotSwallowTheNextWord() throws {
        #expect(try Fixture.mask("NO93 8601 1117 947 1234 next") == "[iban] 1234 next")
    }

    @Test func disabledRulesDoNothingAndEnabledOnesWork() throws {
        #expect(try Fixture.mask("from 10.1.2.3") == "from 10.1.2.3")
        #expect(try Fixture.mask("from 10.1.2.3") { try $0.select(enable: ["ip"], disable: []) } == "from [ip]")
        #expect(try Fixture.mask("ola@example.no 01019012480") { try $0.select(enable: [], disable: ["email"]) }
                == "ola@example.no [fnr]")
        #expect(try Fixture.mask("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.x password=y") {
            try $0.select(enable: ["secret.jwt"], disable: ["secret.*"])
        } == "jwt [jwt] password=y")
    }

    @Test func actionsReplaceAsConfigured() throws {
        #expect(try Fixture.mask("x 01019012480 y") { try $0.overrideActions(["no.fnr=mask"]) } == "x *********** y")
        #expect(try Fixture.mask("4111 1111 1111 1111") { try $0.overrideActions(["card=partial:4"]) } == "**** **** **** 1111")
        #expect(try Fixture.mask("x 01019012480") { try $0.overrideActions(["no.fnr=token:<fnr>"]) } == "x <fnr>")
        let hashed = try Fixture.mask("01019012480 010190-12480 01019012480") { try $0.overrideActions(["no.fnr=hash"]) }
        let parts = hashed.split(separator: " ")
        #expect(parts.count == 3)
        #expect(parts[0].hasPrefix("[fnr:") && parts[0].count == "[fnr:".count + 17)
        #expect(parts[0] == parts[1] && parts[1] == parts[2], "same value, same pseudonym, whatever its separators")
        let other = try Fixture.mask("15038545660") { try $0.overrideActions(["no.fnr=hash"]) }
        #expect(other != String(parts[0]))
        let emails = try Fixture.mask("Ola@Example.no ola@example.NO") { try $0.overrideActions(["email=hash"]) }.split(separator: " ")
        #expect(emails[0] == emails[1])
    }

    @Test func hashNeedsAKey() throws {
        var ruleSet = try RuleSet(packs: RuleSet.builtinPacks())
        try ruleSet.overrideActions(["no.fnr=hash"])
        #expect(throws: ConfigurationError.self) { try ruleSet.validate() }
    }

    @Test func rejectedCandidatesAreCounted() throws {
        let filter = try Fixture.filter()
        _ = filter.mask(Array("01019012481 4111111111111112 01019012480\n".utf8))
        let rules = filter.counters
        let ids = try RuleSet(packs: RuleSet.builtinPacks()).rules.map(\.id)
        #expect(rules.rejected[ids.firstIndex(of: "no.fnr")!] == 1)
        #expect(rules.rejected[ids.firstIndex(of: "card")!] == 1)
        #expect(rules.matches[ids.firstIndex(of: "no.fnr")!] == 1)
        #expect(rules.linesMasked == 1)
        #expect(rules.lines == 1)
    }
}
