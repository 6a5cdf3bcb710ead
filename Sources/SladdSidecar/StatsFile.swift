import Prometheus
import SladdCore

/// The metrics as a node_exporter textfile (`*.prom`), replaced atomically (`AtomicFileWriter`: a
/// temporary `.NAME.sladd-PID.tmp` in the same folder, renamed), so the collector never reads half a file.
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
        do {
            let writer = try AtomicFileWriter(target: path)
            do {
                try writer.write(registry.emitToBuffer())
            } catch {
                throw BatchError.stream(error)
            }
            try writer.commit(metadata: AtomicFileWriter.Metadata(mode: 0o644))
            return nil
        } catch {
            return "cannot write the stats file '\(path)': \(error)"
        }
    }
}
