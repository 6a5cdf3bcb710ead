// swift-tools-version:6.1
// Micro and end-to-end benchmarks with package-benchmark (ordo-one): instructions, wall time and
// allocations per detector, per format and for the whole stream filter, on in-memory inputs.
//
//   cd Benchmarks && swift package benchmark            # all suites
//   cd Benchmarks && swift package benchmark --filter 'format.*'
//
// The whole-process numbers (MB/s, peak RSS, start-up) come from the scripts beside this file.
import PackageDescription

let package = Package(
    name: "sladd-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "sladd", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SladdBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SladdCore", package: "sladd"),
            ],
            path: "Benchmarks/SladdBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
