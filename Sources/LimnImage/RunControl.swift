import CLimnVips
import Synchronization

/// Progress reports and cancellation for one run, shared by the caller and
/// libvips' worker threads.
///
/// `progress` receives the fraction of the output computed (0 to 1), at most
/// once per percent, on whichever thread computes; `cancel()` may be called
/// from any thread and stops the run at its next block, which then throws a
/// ``LimnError`` of kind `.cancelled` and writes nothing.
public final class RunControl: Sendable {
    private let progress: (@Sendable (Double) -> Void)?
    private let cancelled = Atomic<Bool>(false)
    private let lastPercent = Atomic<Int>(-1)
    /// Per mille of the run spent before the output streams (a kernel estimate).
    private let share = Atomic<Int>(0)

    /// A control that reports progress to `progress`, if given.
    public init(progress: (@Sendable (Double) -> Void)? = nil) {
        self.progress = progress
    }

    /// Asks the run to stop; safe from any thread, any number of times.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether `cancel()` has been called.
    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Throws a `.cancelled` error once `cancel()` has been called.
    public func check() throws {
        if isCancelled { throw LimnError("cancelled", kind: .cancelled) }
    }

    /// Reports `percent` of the output computed; returns whether the run should stop.
    func report(percent: Int) -> Bool {
        let before = Double(share.load(ordering: .relaxed)) / 1000
        return report(fraction: before + (1 - before) * Double(percent) / 100)
    }

    /// Reports that `fraction` of a stage before the output streams is done, a stage
    /// taking `share` (0 to 1) of the whole run; returns whether the run should stop.
    package func reportBeforeOutput(_ fraction: Double, share: Double) -> Bool {
        self.share.store(Int((min(max(share, 0), 1) * 1000).rounded()), ordering: .relaxed)
        return report(fraction: share * fraction)
    }

    private func report(fraction: Double) -> Bool {
        let percent = Int(min(max(fraction, 0), 1) * 100)
        if let progress, lastPercent.exchange(percent, ordering: .relaxed) != percent {
            progress(Double(percent) / 100)
        }
        return isCancelled
    }

    /// Runs `body`, which computes `image`, with progress reported and
    /// cancellation honoured.
    func observing<T>(_ image: Image, _ body: () throws -> T) throws -> T {
        try check()
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        limn_progress_attach(image.ptr, { ctx, percent in
            Unmanaged<RunControl>.fromOpaque(ctx!).takeUnretainedValue().report(percent: Int(percent)) ? 1 : 0
        }, ctx)
        defer { limn_progress_detach(image.ptr) }
        let result: T
        do {
            result = try withExtendedLifetime(self) { try body() }
        } catch {
            try check()
            throw error
        }
        _ = report(percent: 100)
        return result
    }
}
