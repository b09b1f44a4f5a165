import Dispatch
import Foundation
import Simulation

/// Progress lines on stderr every few seconds of wall time, whether stderr is a terminal or a log file (as k6
/// and Gatling print them), so that a long run off a terminal is not silent. A run shorter than the interval
/// prints none. The runs only report how far they have got (`World.progress`, every 65,536 events); the wall
/// clock is read here, at the edge, never inside the simulation, so no result depends on it. For example:
///
///     progress (wall 00:00:15): 0 of 1 runs done; steady-day seed 1: simulated 02:13:00 of 08:00:00 (28%), 1,234,567 events, 82,304 events/s
final class ProgressLines: @unchecked Sendable {
    private struct Running {
        var label: String
        var started: UInt64
        var progress: World.RunProgress?
    }

    private let lock = NSLock()
    private let total: Int
    /// What is counted: `run`, or `seed` for `explore`.
    private let unit: String
    private let started = DispatchTime.now().uptimeNanoseconds
    private var done = 0
    private var running: [Int: Running] = [:]
    private let timer: DispatchSourceTimer

    /// Starts printing a line every `seconds` until `stop()`.
    init(runs total: Int, unit: String = "run", every seconds: Double = 5) {
        self.total = total
        self.unit = unit
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            StandardError.line(self.line())
        }
        timer.resume()
    }

    func started(_ run: Int, label: String) {
        lock.withLock { running[run] = Running(label: label, started: DispatchTime.now().uptimeNanoseconds) }
    }

    func update(_ run: Int, _ progress: World.RunProgress) {
        lock.withLock { running[run]?.progress = progress }
    }

    func finished(_ run: Int) {
        lock.withLock {
            running[run] = nil
            done += 1
        }
    }

    /// Sets how many are done, for work that only reports a count (explored seeds).
    func done(_ count: Int) {
        lock.withLock { done = count }
    }

    func stop() { timer.cancel() }

    /// The line for now: runs done of all, then each run under way.
    func line() -> String {
        lock.withLock {
            let now = DispatchTime.now().uptimeNanoseconds
            var parts = [
                "progress (wall \(Self.clock(seconds: Double(now - started) / 1e9))): \(done) of \(total) \(unit)\(total == 1 ? "" : "s") done"
            ]
            for key in running.keys.sorted() {
                let run = running[key]!
                guard let progress = run.progress else {
                    parts.append("\(run.label): setting up the centre (queues, agents, supervisors)")
                    continue
                }
                let wall = max(Double(now - run.started) / 1e9, 1e-9)
                let stage = progress.now >= progress.end ? " (simulated; checking and writing results)" : ""
                parts.append(
                    "\(run.label): simulated \(Self.clock(seconds: Double(progress.now.nanoseconds) / 1e9)) of "
                        + "\(Self.clock(seconds: Double(progress.end.nanoseconds) / 1e9)) (\(Int(progress.share * 100))%), "
                        + "\(Self.grouped(progress.events)) events, \(Self.grouped(Int(Double(progress.events) / wall))) events/s\(stage)")
            }
            return parts.joined(separator: "; ")
        }
    }

    /// `hh:mm:ss`.
    static func clock(seconds: Double) -> String {
        let whole = Int(max(0, seconds))
        return String(format: "%02d:%02d:%02d", whole / 3_600, whole / 60 % 60, whole % 60)
    }

    /// `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }
}
