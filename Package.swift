// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "sladd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sladd", targets: ["sladd"]),
        .library(name: "SladdCore", targets: ["SladdCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // The sidecar's counters: swift-metrics, exported by swift-prometheus, served over SwiftNIO.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        // PCRE2 (8-bit code units, with JIT) from the system: `apt-get install libpcre2-dev`.
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]
        ),
        // zlib from the system, for gzip archives: `apt-get install zlib1g-dev`.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // SIMD kernels Swift cannot express (a byte shuffle), with a portable fallback; and the glibc
        // calls the Swift Glibc module hides (memrchr, mallopt, sync_file_range).
        .target(name: "CSladdSIMD"),
        .target(
            name: "SladdCore",
            dependencies: [
                "CPCRE2",
                "CSladdSIMD",
                "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The masker's scratch arrays are class properties; the run-time exclusivity checks on
            // them cost 4% of the instructions on PII-heavy input (callgrind). Debug builds keep them.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Signals: blocked everywhere, let in only while waiting for input (ppoll), which Swift cannot call safely.
        .target(name: "CSladdSignals"),
        // What a long-running filter needs beside the stream: signals, drain, counters, /metrics.
        .target(
            name: "SladdSidecar",
            dependencies: [
                "SladdCore",
                "CSladdSignals",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "sladd",
            dependencies: [
                "SladdCore",
                "SladdSidecar",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // On Linux the Swift runtime and Foundation linked in (Apple platforms have no static
            // runtime): half the start-up (11.0 -> 6.2 ms, most of it the dynamic loader binding
            // symbols across a dozen Swift libraries), 13% more MB/s on PII-heavy input (runtime calls
            // without the PLT), and a binary that runs where no Swift toolchain is installed. The
            // image's build (scripts/build-static.sh) goes further.
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]
        ),
        .testTarget(
            name: "SladdCoreTests",
            dependencies: ["SladdCore"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["sladd"],
            exclude: ["Fixtures", "Scripts"]
        ),
    ]
)
