import Foundation
import MonitoringEngine

/// A rough size of a run, from its configuration alone, before it starts: how many conversations arrive, how many
/// events the world will handle, how long that takes and how much memory it needs. It is meant to warn before a run
/// far larger than usual (a typo such as `count: 1000000`), not to predict: expect it within a factor of two.
///
/// Calibration (release build, two cores, `binoculars run … --jobs 1`; debug figures from `timing.json`):
/// - Events: about 21 per conversation, 400 per supervisor-hour (monitoring, lease renewals every 10 s), 2 per
///   agent plus 1 per agent-hour (setup, breaks), and one lease-expiry tick per simulated second. This gives 195k
///   for steady-day (257,007 simulated) and 11.4M for large-centre (about 9M simulated: 1,101,583 in its first hour).
/// - Time: the events at a rate that makes large-centre's estimate its measured ~27 s (README "Performance against
///   the targets", Benchmarks/README.md), plus setting up the centre, which grows with the square of the users:
///   5.9 s for 10,000 agents and 24.4 s for 20,000 in a debug build, about 11 times the release time.
/// - Memory: 40 MB, about 3.9 KB per conversation (large-centre peaks at 1.55 GB with 384,000, steady-day at 57 MB
///   with 5,280) and 1 KB per user (40 MB to 47 MB from 10,000 to 20,000 agents).
public struct SizeEstimate: Sendable, Hashable {
    /// Expected arrivals over the run (Σ rate × time of every channel's profile).
    public var conversations: Double
    public var agents: Int
    public var supervisors: Int
    public var events: Double
    /// Wall seconds in a release build.
    public var seconds: Double
    public var bytes: Double

    static let eventsPerConversation = 21.0
    static let eventsPerSupervisorHour = 400.0
    static let eventsPerAgent = 2.0
    static let eventsPerAgentHour = 1.0
    /// Estimated events per second of a release build, so that large-centre's estimate takes ~27 s.
    static let eventsPerSecond = 432_000.0
    /// Release seconds to set up 10,000 users; it grows with the square of the users.
    static let setupSecondsPer10kUsers = 0.5
    static let baseBytes = 40e6
    static let bytesPerConversation = 3_900.0
    static let bytesPerUser = 1_000.0

    /// The size of the largest usual shipped scenario, steady-day (about 195k events, half a second): a run is far
    /// larger than usual at ten times that.
    public static let usualEvents = 200_000.0
    public static let usualSeconds = 0.5

    public init(_ configuration: WorldConfiguration) {
        let hours = configuration.duration.seconds / 3_600
        conversations = configuration.channels.reduce(0) {
            $0 + Self.expectedArrivals($1.ratesPerHour, interval: $1.profileInterval, over: configuration.duration)
        }
        agents = configuration.agentGroups.reduce(0) { $0 + max(0, $1.count) }
        supervisors = configuration.supervisorGroups.reduce(0) { $0 + max(0, $1.count) }
        events =
            conversations * Self.eventsPerConversation + Double(supervisors) * hours * Self.eventsPerSupervisorHour
            + Double(agents) * (Self.eventsPerAgent + hours * Self.eventsPerAgentHour) + configuration.duration.seconds
        let users = Double(agents + supervisors) / 10_000
        seconds = events / Self.eventsPerSecond + Self.setupSecondsPer10kUsers * users * users
        bytes = Self.baseBytes + conversations * Self.bytesPerConversation + Double(agents + supervisors) * Self.bytesPerUser
    }

    /// Σ rate × time over the run, the last rate holding after the profile ends (as the arrival process does).
    static func expectedArrivals(_ ratesPerHour: [Double], interval: TimeSpan, over duration: TimeSpan) -> Double {
        guard let last = ratesPerHour.last, interval.nanoseconds > 0 else { return 0 }
        var remaining = max(0, duration.seconds)
        var total = 0.0
        let length = interval.seconds
        for rate in ratesPerHour.dropLast() where remaining > 0 {
            total += max(0, rate) * min(length, remaining) / 3_600
            remaining -= length
        }
        return total + max(0, last) * max(0, remaining) / 3_600
    }

    /// Whether the run is far larger than the shipped scenarios (ten times steady-day), worth a warning.
    public var isFarLargerThanUsual: Bool {
        events > 10 * Self.usualEvents || seconds > 10 * Self.usualSeconds
    }

    /// `estimate: about 384,000 conversations, 10,000 agents, 1,000 supervisors, ~11 million events; this may take
    /// ~27 s and use ~1.5 GB`. `slowdown` scales the time for a slower build (a debug build is about 11 times slower).
    public func line(slowdown: Double = 1, build: String? = nil) -> String {
        "estimate: about \(Self.words(conversations)) conversations, \(Self.words(Double(agents))) agents, "
            + "\(Self.words(Double(supervisors))) supervisors, ~\(Self.words(events)) events; "
            + "this may take ~\(Self.duration(seconds * slowdown))\(build.map { " in a \($0) build" } ?? "") and use ~\(Self.memory(bytes))"
    }

    /// `950`, `5,300`, `384,000`, `11 million`: two significant figures, so it does not look exact.
    static func words(_ value: Double) -> String {
        let rounded = roundedToTwoFigures(max(0, value))
        if rounded >= 1e9 { return "\(trimmed(rounded / 1e9)) billion" }
        if rounded >= 1e6 { return "\(trimmed(rounded / 1e6)) million" }
        return grouped(Int(rounded))
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(max(1, seconds.rounded()))) s" }
        if seconds < 90 * 60 { return "\(Int((seconds / 60).rounded())) min" }
        return "\(trimmed((seconds / 3_600 * 10).rounded() / 10)) h"
    }

    static func memory(_ bytes: Double) -> String {
        bytes < 1e9 ? "\(Int((bytes / 1e6 / 10).rounded() * 10)) MB" : "\(trimmed((bytes / 1e9 * 10).rounded() / 10)) GB"
    }

    private static func roundedToTwoFigures(_ value: Double) -> Double {
        guard value >= 100 else { return value.rounded() }
        let scale = pow(10, floor(log10(value)) - 1)
        return (value / scale).rounded() * scale
    }

    private static func trimmed(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}
