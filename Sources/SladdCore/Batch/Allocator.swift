import CSladdSIMD

/// Process-wide allocator settings for runs on several threads (`--jobs`); set by `WorkerPool`.
enum Allocator {
    /// Blocks of a few hundred KiB pass between threads. glibc raises its mmap threshold to the size
    /// of every such block freed, after which they come from the threads' heaps, which fragment:
    /// the peak RSS of `sladd --jobs 2` grew with the stream, 30 MB after 64 MiB and 37 MB after
    /// 3 GiB, and `scrub --jobs 2` used 50 MB. With the threshold fixed they stay mapped on their
    /// own: 29.6 MB flat and 40 MB, at the same speed (the buffers are reused, so mapping is rare).
    static func keepLargeBlocksMapped() {
        sladd_keep_large_blocks_mapped()
    }
}
