import EmbeddedStore
import Foundation
import MonitoringEngine
import StoredRows

/// A command the node's mirror applied, waiting for its batch to be committed to SQLite.
struct PendingCommand: Sendable {
    var sequence: UInt64
    var command: Command
    var instant: Instant
    /// What the mirror answered; the database must answer the same.
    var expected: Result<Outcome, MonitoringError>
    var events: [EventRecord]
    var deliveries: [Delivery]
    var answer: KeyedAnswer?
    var token: IssuedToken?
}

/// An idempotency answer to keep under its principal and key.
struct KeyedAnswer: Sendable {
    var principal: String
    var key: String
    var answer: StoredAnswer
}

/// A token issued by a command, kept by its hash.
struct IssuedToken: Sendable {
    var hash: String
    var principal: Principal
}

/// Which applied commands are durable, and who waits for which: commands are numbered as the mirror applies them,
/// committed in that order, and a request is answered once its number is committed.
struct CommitLog {
    private(set) var applied: UInt64 = 0
    private(set) var committed: UInt64 = 0
    var pending: [PendingCommand] = []
    var flushing = false
    /// In the order of their sequence numbers, since requests wait for what they applied or read.
    private var waiters: [(sequence: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []

    mutating func apply() -> UInt64 {
        applied += 1
        return applied
    }

    mutating func wait(for sequence: UInt64, _ continuation: CheckedContinuation<Void, any Error>) {
        waiters.append((sequence, continuation))
    }

    /// Everything up to `sequence` is durable: its waiters go on.
    mutating func commit(through sequence: UInt64) {
        committed = max(committed, sequence)
        var kept: [(sequence: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        for waiter in waiters {
            if waiter.sequence <= committed { waiter.continuation.resume() } else { kept.append(waiter) }
        }
        waiters = kept
    }

    /// Nothing pending will be committed: every waiter is answered with `failure`, and the applied count goes
    /// back to what is committed.
    mutating func failAll(_ failure: ServiceFailure) {
        for waiter in waiters { waiter.continuation.resume(throwing: failure) }
        waiters = []
        pending = []
        applied = committed
    }
}

/// Writes batches of applied commands to the SQLite store on a queue of its own, so the node's actor never waits
/// for the disk: each batch is one transaction (one `fsync`) in which the store applies every command again
/// through the store seam, must reach the mirror's result, and keeps the commands' answers and tokens.
final class SQLiteWriter: Sendable {
    /// The most commands one transaction holds.
    static let batchMaximum = 256

    let database: EmbeddedDatabase
    private let queue = DispatchQueue(label: "binoculars.sqlite-writer")

    init(database: EmbeddedDatabase) { self.database = database }

    func commit(_ batch: [PendingCommand], lastInstant: Instant) async throws {
        let database = self.database
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                do {
                    _ = try database.apply(batch: batch.map { ($0.command, $0.instant) }) { stored, index, applied in
                        let pending = batch[index]
                        precondition(
                            applied.result == pending.expected && applied.events == pending.events,
                            "the node's mirror and its database disagree on \(pending.command): \(pending.expected) against \(applied.result)")
                        if let answer = pending.answer { try stored.save(answer.answer, principal: answer.principal, key: answer.key) }
                        if let token = pending.token { try stored.saveToken(hash: token.hash, subject: token.principal.subject) }
                        if index == batch.count - 1 { try stored.setLastInstant(lastInstant) }
                    }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    func prune(before cutoff: Instant) async throws {
        let database = self.database
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                do {
                    try database.pruneAnswers(before: cutoff)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
