#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSladdSignals
import SladdCore

/// Standard input of a long-running filter (a sidecar, a shipper stage): reads like a plain
/// descriptor, and between reads acts on signals and on a periodic tick.
///
/// - SIGTERM, SIGINT: drain. Reading goes on until the input ends or the drain deadline passes;
///   a second signal ends reading at once. Either way the filter then writes all it read and exits 0.
///   (In a pod every container gets SIGTERM together: the app's last lines are still on their way.)
/// - SIGHUP: `onReload`; SIGUSR1: `onReport`.
/// - Every `tickMilliseconds`, also while the input is idle: `onTick` (publish counters, write the
///   stats file).
///
/// All callbacks run on the reading thread between two windows of the filter, never inside one.
public struct LiveInput: ByteSource {
    public struct Events {
        public var onTick: () -> Void = {}
        public var onReload: () -> Void = {}
        public var onReport: () -> Void = {}
        /// Draining started (`true`), or ended before the input did (`false`: deadline or second signal).
        public var onDrain: (_ started: Bool, _ reason: String) -> Void = { _, _ in }
        public init() {}
    }

    public let descriptor: Int32
    public let tickMilliseconds: Int
    public let drainMilliseconds: Int
    public var events: Events
    private var nextTick: UInt64
    private var drainDeadline: UInt64?
    private var stopped = false

    /// Installs the signal handlers: call before starting any thread (the metrics server).
    public static func installSignalHandlers() throws(StreamError) {
        guard sladd_signals_install() == 0 else { throw .read(errno: errno) }
    }

    public init(descriptor: Int32, tickMilliseconds: Int, drainMilliseconds: Int, events: Events) {
        self.descriptor = descriptor
        self.tickMilliseconds = max(10, tickMilliseconds)
        self.drainMilliseconds = max(0, drainMilliseconds)
        self.events = events
        nextTick = Self.now() + UInt64(self.tickMilliseconds)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        while true {
            handleSignals()
            if stopped { return 0 }
            let now = Self.now()
            if now >= nextTick {
                events.onTick()
                nextTick = now + UInt64(tickMilliseconds)
            }
            var timeout = Int(nextTick - min(now, nextTick))
            if let deadline = drainDeadline {
                if now >= deadline {
                    events.onDrain(false, "the drain timeout passed before the input ended")
                    stopped = true
                    return 0
                }
                timeout = min(timeout, Int(deadline - now))
            }
            switch sladd_signals_wait_readable(descriptor, Int32(timeout)) {
            case 1:
                let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                if count >= 0 { return count }
                if errno == EINTR || errno == EAGAIN { continue }
                throw .read(errno: errno)
            case 0, -1:
                continue  // a tick, the deadline or a signal: handled at the top
            default:
                throw .read(errno: errno)
            }
        }
    }

    public func hasDataReady() -> Bool { FileDescriptorSource(descriptor: descriptor).hasDataReady() }

    public func waitForData(milliseconds: Int32) -> Bool {
        FileDescriptorSource(descriptor: descriptor).waitForData(milliseconds: milliseconds)
    }

    private mutating func handleSignals() {
        let terminations = Int(sladd_signals_take(SLADD_SIGTERM)) + Int(sladd_signals_take(SLADD_SIGINT))
        if terminations > 0 {
            if drainDeadline == nil && terminations == 1 {
                drainDeadline = Self.now() + UInt64(drainMilliseconds)
                events.onDrain(true, "")
            } else {
                events.onDrain(false, "a second signal came")
                stopped = true
            }
        }
        if sladd_signals_take(SLADD_SIGHUP) > 0 { events.onReload() }
        if sladd_signals_take(SLADD_SIGUSR1) > 0 { events.onReport() }
    }

    /// Milliseconds on the monotonic clock.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
    }
}
