import Foundation
import Testing

/// sladd in real shippers and the files that deploy it. Daemons run unprivileged on loopback ports
/// with configs in temporary folders; a missing daemon or linter is a skip with a reason, and
/// `make test` installs them (scripts/install-shippers.sh).
@Suite("Shippers and deployment", .serialized)
struct DeploymentTests {
    static let scripts = Binary.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts").path
    static let root = Binary.packageRoot.path

    @Test("A real shipper masks through sladd", arguments: ["rsyslog", "syslog-ng"])
    func shipper(_ name: String) throws {
        let result = try Binary.shell("timeout 180 python3 '\(Self.scripts)/shippers.py' \(name) \"$SLADD\" '\(Self.root)'")
        #expect(result.status == 0 && !result.output.contains("fail:"), "\(result.output)\(result.stderr)")
        if result.output.contains("skip:") { print(result.output) }
    }

    @Test("Manifests and Dockerfile keep their hardening and pass the linters")
    func deploymentFiles() throws {
        let result = try Binary.shell("python3 '\(Self.scripts)/check_deploy.py' '\(Self.root)' \"$SLADD\"")
        #expect(result.status == 0 && result.output.contains("ok:") && !result.output.contains("fail:"), "\(result.output)\(result.stderr)")
    }

    /// The image's build step, run here because no Docker engine runs on our machines. It takes a few
    /// minutes (a release build of its own); SLADD_SKIP_STATIC=1 leaves it out of quick local runs.
    @Test("The image's static build links everything in and runs without files",
          .enabled(if: ProcessInfo.processInfo.environment["SLADD_SKIP_STATIC"] == nil, "SLADD_SKIP_STATIC is set"),
          .timeLimit(.minutes(20)))
    func staticBuild() throws {
        let result = try Binary.shell("set -o pipefail; cd '\(Self.root)' && scripts/build-static.sh .build-static/sladd 2>&1 | tail -5")
        #expect(result.status == 0 && result.output.contains("static"), "\(result.output)\(result.stderr)")
    }
}
