import Foundation

/// Timing and reporting helpers shared by the benchmarks.
enum Measure {
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Mean and standard deviation of `repeats` timed runs after `warmup` untimed ones, in seconds.
    static func time(repeats: Int, warmup: Int = 2, _ body: () throws -> Void) rethrows -> (mean: Double, sd: Double) {
        for _ in 0..<warmup { try body() }
        var samples: [Double] = []
        for _ in 0..<repeats {
            let t0 = now()
            try body()
            samples.append(now() - t0)
        }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let sd = (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, samples.count - 1))).squareRoot()
        return (mean, sd)
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func machine() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }

    static func f(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("limn-bench: \(message)\n".utf8))
    exit(1)
}

/// Parses "--name value" options; the rest are positional.
struct Options {
    var values: [String: String] = [:]
    var positional: [String] = []
    init(_ args: ArraySlice<String>) {
        var i = args.startIndex
        while i < args.endIndex {
            if args[i].hasPrefix("--"), i + 1 < args.endIndex {
                values[String(args[i].dropFirst(2))] = args[i + 1]
                i += 2
            } else {
                positional.append(args[i])
                i += 1
            }
        }
    }
    func int(_ key: String, _ fallback: Int) -> Int { values[key].flatMap(Int.init) ?? fallback }
}
