import HTTPTypes
import Hummingbird
import MonitoringEngine
import Prometheus

/// The node's Prometheus metrics (swift-prometheus), served at `/metrics`: request latency per route as
/// histograms, grants, refusals by reason, ends by reason (lease expiries among them) and the sessions active now.
/// One registry per node, passed in, so that two nodes in one process (the tests) keep their own.
public final class NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let granted: Counter
    private let activeSessions: Gauge
    private let staleness: DurationHistogram
    private let outboxApplied: Gauge

    /// Request latency buckets, in seconds: from half a millisecond to five seconds.
    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public init() {
        granted = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "binoculars", metricName: "monitor_grants", unitName: "total",
                helpText: "Monitoring sessions granted (M8)."))
        activeSessions = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "binoculars", metricName: "monitor_sessions_active", unitName: "count",
                helpText: "Monitoring sessions active now."))
        staleness = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "binoculars", metricName: "view_staleness", unitName: "seconds",
                helpText: "From a command's commit instant (the database's clock) to this node's views showing it (M26)."),
            buckets: Self.latencyBuckets)
        outboxApplied = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "binoculars", metricName: "outbox_sequence_applied", unitName: "count",
                helpText: "The last outbox sequence number this node's views have applied."))
    }

    /// One outbox entry applied to this node's views, `lag` after it committed (M26).
    func viewApplied(sequence: Int64, lag: Duration) {
        staleness.record(max(lag, .zero))
        outboxApplied.set(sequence)
    }

    /// One finished request: its route as the router matched it (`unmatched` for none), method and status.
    func request(route: String, method: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "binoculars", metricName: "http_request_duration", unitName: "seconds",
                helpText: "Time from a request's head to its answer, per route."),
            labels: [("route", route), ("method", method), ("status", String(status))], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// The monitoring events of one command.
    func record(_ events: [EventRecord]) {
        for record in events {
            switch record.event {
            case .monitoringStarted:
                granted.increment()
            case .monitorDenied(_, _, let error):
                registry.makeCounter(
                    descriptor: MetricNameDescriptor(
                        namespace: "binoculars", metricName: "monitor_refusals", unitName: "total",
                        helpText: "Refused starts, by the refusal's code."),
                    labels: [("code", error.code)]
                ).increment()
            case .monitoringEnded(_, _, let reason):
                registry.makeCounter(
                    descriptor: MetricNameDescriptor(
                        namespace: "binoculars", metricName: "monitor_session_ends", unitName: "total",
                        helpText: "Ended sessions, by end reason; leaseExpired counts the lease expiries (M12)."),
                    labels: [("reason", reason.rawValue)]
                ).increment()
            default:
                break
            }
        }
    }

    /// The sessions active now, counted when `/metrics` is scraped.
    func setActiveSessions(_ count: Int) { activeSessions.set(Int64(count)) }
}

/// Times every request into the node's latency histograms, and tells the client the node's time in a
/// `Server-Timing: node;dur=MILLISECONDS` header.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let metrics: NodeMetrics
    static let serverTiming = HTTPField.Name("Server-Timing")!

    func handle(
        _ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let duration = ContinuousClock.now - start
        metrics.request(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(response.status.code),
            duration: duration)
        // The node's own time on the request (W3C Server Timing), so that a client can tell it from the network's:
        // `binoculars load` records it and `binoculars calibrate` fits it.
        let milliseconds = Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
        response.headers[Self.serverTiming] = "node;dur=" + String(format: "%.3f", milliseconds)
        return response
    }
}
