import Foundation

/// Lines for standard output that stop quietly when the reader has gone. `binoculars replay … --trace | head -1`
/// closes the pipe after one line: SIGPIPE is ignored (`Binoculars.main`), the next write fails with EPIPE (lines
/// are written unbuffered, so a failure is seen at once), and from then on nothing more is printed — the run goes
/// on, its files are written completely, and the exit status is what it would have been.
final class StandardOutput: @unchecked Sendable {
    static let shared = StandardOutput()

    private let lock = NSLock()
    private var gone = false

    /// Whether a write found the reader gone; callers may skip building lines nobody will read.
    var readerGone: Bool { lock.withLock { gone } }

    /// Writes `text` and a newline, unless the reader is gone.
    func line(_ text: String) {
        lock.withLock {
            guard !gone else { return }
            // EPIPE: the reader closed the pipe. Any other error: standard output is unusable too.
            if !writeAll(STDOUT_FILENO, text + "\n") { gone = true }
        }
    }
}

/// Standard error, written unbuffered; a closed stderr (`2>&1 | head`) is ignored, never a crash as
/// `FileHandle.standardError.write` is on EPIPE once SIGPIPE is ignored.
enum StandardError {
    static func line(_ text: String) { write(text + "\n") }

    static func write(_ text: String) { _ = writeAll(STDERR_FILENO, text) }
}

/// Writes all of `text` to the file descriptor; false when a write fails (other than being interrupted).
private func writeAll(_ descriptor: Int32, _ text: String) -> Bool {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written >= 0 {
            bytes = bytes.dropFirst(written)
        } else if errno != EINTR {
            return false
        }
    }
    return true
}
