#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Prometheus

/// The metrics as a node_exporter textfile (`*.prom`): written to a temporary name in the same
/// folder and renamed, so the collector never reads half a file.
public struct StatsFile {
    public let path: String
    private let registry: PrometheusCollectorRegistry

    public init(path: String, registry: PrometheusCollectorRegistry) {
        self.path = path
        self.registry = registry
    }

    /// Writes the file; a message saying what went wrong, or nil.
    @discardableResult
    public func write() -> String? {
        let temporary = path + ".tmp-\(getpid())"
        let bytes = registry.emitToBuffer()
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return "cannot write the stats file '\(temporary)': \(String(cString: strerror(errno)))" }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let message = "cannot write the stats file '\(temporary)': \(String(cString: strerror(errno)))"
                close(descriptor)
                unlink(temporary)
                return message
            }
            offset += written
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let message = "cannot rename the stats file to '\(path)': \(String(cString: strerror(errno)))"
            unlink(temporary)
            return message
        }
        return nil
    }
}
