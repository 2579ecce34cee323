import Foundation
import Hummingbird
import Limn
import LimnImage
import ServiceLifecycle
import Synchronization

/// At most `running` runs at once and `waiting` more in line; beyond that a request is
/// turned away (503) rather than queued without bound.
final class Slots: Sendable {
    private struct State {
        var running = 0, queued = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    let running: Int, waiting: Int

    init(running: Int, waiting: Int) {
        self.running = running
        self.waiting = waiting
    }

    /// Takes a place in line, or throws 503 when the line is full.
    func reserve() throws -> Ticket {
        try state.withLock { s in
            guard s.running + s.queued < running + waiting else {
                throw Failure(.serviceUnavailable, "busy: \(running) running and \(waiting) waiting; try again shortly")
            }
            s.queued += 1
        }
        return Ticket(slots: self)
    }

    fileprivate func start() async {
        await withCheckedContinuation { c in
            let go = state.withLock { s -> Bool in
                guard s.running < running else {
                    s.waiters.append(c)
                    return false
                }
                s.queued -= 1
                s.running += 1
                return true
            }
            if go { c.resume() }
        }
    }

    fileprivate func finish() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.running -= 1
            guard !s.waiters.isEmpty else { return nil }
            s.queued -= 1
            s.running += 1
            return s.waiters.removeFirst()
        }
        next?.resume()
    }

    fileprivate func release() { state.withLock { $0.queued -= 1 } }

    /// A place in line; `run` waits for a slot, runs, and gives the place back.
    struct Ticket: Sendable {
        let slots: Slots
        func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
            await slots.start()
            defer { slots.finish() }
            return try await body()
        }
        /// Gives the place back unused.
        func cancel() { slots.release() }
    }
}

/// Runs `operation` on a Dispatch thread (the CPU-bound work stays off the server's
/// event loops and Swift's cooperative pool), cancelled with the calling task.
func process(_ processor: Processor, _ input: String, _ output: String, _ operation: ImageOperation,
             control: RunControl, timeout: Double) async throws {
    let timer = DispatchWorkItem { control.cancel() }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
    defer { timer.cancel() }
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            DispatchQueue.global().async {
                c.resume(with: Result { try processor.process(file: input, to: output, operation, control: control) })
            }
        }
    } onCancel: {
        control.cancel()
    }
}

/// What a background job is doing: its progress, then its result or error. Listeners
/// get each change as it happens.
final class JobStatus: Sendable {
    enum State: Sendable {
        case queued, running(Double), done(TemporaryFile, OutputFormat), failed(Failure), cancelled

        var ended: Bool {
            switch self {
            case .queued, .running: false
            default: true
            }
        }
    }
    private let state = Mutex<(State, Date?, [AsyncStream<State>.Continuation])>((.queued, nil, []))

    var current: State { state.withLock { $0.0 } }
    /// When the job ended, if it has.
    var ended: Date? { state.withLock { $0.1 } }

    /// Moves to `new`, unless the job has ended (a late progress report after a cancel).
    func update(_ new: State) {
        let listeners = state.withLock { s -> [AsyncStream<State>.Continuation] in
            guard !s.0.ended else { return [] }
            s.0 = new
            if new.ended { s.1 = Date() }
            return s.2
        }
        for l in listeners {
            l.yield(new)
            if new.ended { l.finish() }
        }
    }

    /// The states from now on: the current one first, ending with the last.
    func events() -> AsyncStream<State> {
        AsyncStream { c in
            let now = state.withLock { s -> State in
                s.2.append(c)
                return s.0
            }
            c.yield(now)
            if now.ended { c.finish() }
        }
    }
}

/// One background job.
final class Job: Sendable {
    let id = UUID().uuidString.lowercased()
    let status: JobStatus
    let control: RunControl

    init() {
        let status = JobStatus()
        self.status = status
        control = RunControl { [weak status] fraction in status?.update(.running(fraction)) }
    }
}

/// The jobs by id. Ended jobs and their results are kept for `keep` seconds; on
/// shutdown (SIGTERM) the store waits for running jobs to end.
final class JobStore: Service {
    private let jobs = Mutex<[String: Job]>([:])
    let keep: Double

    init(keep: Double) { self.keep = keep }

    func add(_ job: Job) { jobs.withLock { $0[job.id] = job } }
    func job(_ id: String) -> Job? { jobs.withLock { $0[id] } }
    func remove(_ id: String) -> Job? { jobs.withLock { $0.removeValue(forKey: id) } }

    private func expire() {
        let now = Date()
        jobs.withLock { all in
            all = all.filter { _, job in job.status.ended.map { now.timeIntervalSince($0) < keep } ?? true }
        }
    }

    private var active: Int {
        jobs.withLock { $0.values.filter { job in job.status.ended == nil }.count }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                self.expire()
                try? await Task.sleep(for: .seconds(min(10, max(1, self.keep / 4))))
            }
        }
        // Drain: running jobs finish (new ones are no longer accepted: the server has stopped).
        while active > 0 { try? await Task.sleep(for: .milliseconds(200)) }
    }
}
