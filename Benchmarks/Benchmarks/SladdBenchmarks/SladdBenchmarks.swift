import Benchmark
import SladdCore

/// One megabyte of lines of a kind, built in memory so the suites run without ../shared.
enum Input {
    static func lines(_ make: (Int) -> String, bytes: Int = 1 << 20) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 512)
        var index = 0
        while out.count < bytes {
            out += Array((make(index) + "\n").utf8)
            index += 1
        }
        return out
    }

    static let clean = lines { "2025-11-02T10:15:32Z INFO GET /api/v1/orders/\($0) 200 \($0 % 900)ms request_id=\($0 * 7919)" }
    static let fnr = lines { "user \($0) fnr 01019012480 logged in, order 1234567890\($0 % 10)" }
    static let email = lines { "mail from ola.nordmann\($0)@example.no to kari@example.com" }
    static let card = lines { "payment card 4111 1111 1111 1111 order \($0)" }
    static let iban = lines { "transfer to NO93 8601 1117 947 ref \($0)" }
    static let secret = lines { "GET /login?user=x&password=hunter\($0) Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln" }
    static let json = lines { #"{"@timestamp":"2025-11-02T10:15:32Z","level":"INFO","message":"user kari\u0040example.com id \#($0)","fnr":"01019012480"}"# }
    static let docker = lines { #"{"log":"2025-11-02T10:15:32Z INFO user ola@example.no order \#($0)\n","stream":"stdout","time":"2025-11-02T10:15:32.1Z"}"# }
    static let cri = lines { "2025-11-02T10:15:32.123456789Z stdout F user ola@example.no order \($0) fnr 01019012480" }
    static let logfmt = lines { #"time=2025-11-02T10:15:32Z level=info msg="payment \#($0)" user=ola@example.no fnr=01019012480"# }
}

func filter(_ format: LineFormat = .auto) -> StreamFilter {
    var configuration = StreamFilter.Configuration()
    configuration.format = format
    // swiftlint:disable:next force_try
    return try! StreamFilter(ruleSet: RuleSet(packs: RuleSet.builtinPacks()), configuration: configuration)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .instructions, .mallocCountTotal],
                                           scalingFactor: .one, maxDuration: .seconds(2), maxIterations: 50)

    // Per detector: a megabyte whose every line holds one kind of identifier (or none).
    for (name, input) in [("clean", Input.clean), ("fnr", Input.fnr), ("email", Input.email), ("card", Input.card),
                          ("iban", Input.iban), ("secret", Input.secret)] {
        Benchmark("detector.\(name) (1 MiB)") { benchmark in
            let masker = filter(.text)
            for _ in benchmark.scaledIterations { blackHole(masker.mask(input)) }
        }
    }

    // Per format: the same megabyte read as named and as auto.
    for (name, format, input) in [("json", LineFormat.json, Input.json), ("docker", .docker, Input.docker),
                                  ("cri", .cri, Input.cri), ("logfmt", .logfmt, Input.logfmt)] {
        for mode in [format, .auto] {
            Benchmark("format.\(name) as \(mode.rawValue) (1 MiB)") { benchmark in
                let masker = filter(mode)
                for _ in benchmark.scaledIterations { blackHole(masker.mask(input)) }
            }
        }
    }

    // End to end: a mix of every kind, through the stream filter with its framing and windows.
    let mixed = [Input.clean, Input.json, Input.docker, Input.cri, Input.logfmt].flatMap { Array($0.prefix(1 << 18)) }
    Benchmark("stream.mixed (1.25 MiB)") { benchmark in
        let masker = filter()
        for _ in benchmark.scaledIterations { blackHole(masker.mask(mixed)) }
    }
}
