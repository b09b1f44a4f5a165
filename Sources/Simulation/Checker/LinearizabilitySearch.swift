/// The Wing–Gong search with Lowe's memoisation, over one conversation's operations.
///
/// Invocations and completions form one list in time order (at one instant, invocations
/// first: operations that touch at an instant overlap). The search takes the first entry:
/// an invocation whose operation can take effect in the current state is linearized — its
/// entries are lifted out of the list — and the search starts again from the head; a
/// completion means the operation it completes had to be linearized already, so the search
/// backtracks. A (linearized set, state) pair seen before is not explored again. Operations
/// of unknown outcome have no completion entry and need never be linearized.
struct LinearizabilitySearch {
    /// Where the search got furthest: the linearization with the most determined operations
    /// (and, among those, the fewest of unknown outcome), and why nothing could follow it.
    struct Deepest: Sendable {
        /// Sources of the linearized operations, in order.
        var linearized: [Int]
        var state: LockModelState
        /// The source whose completion stopped the search: it had to take effect first.
        var blocking: Int?
        /// Sources of the determined operations that could not take effect in `state`.
        var refused: [Int]
    }

    enum Verdict: Sendable {
        case linearizable
        case notLinearizable(Deepest)
        case budgetExhausted
    }

    /// How far a partial linearization got: more determined operations is further; among
    /// equals, fewer operations of unknown outcome taking effect is the simpler explanation.
    private struct Progress {
        var determined: Int
        var optional: Int

        func isFurther(than other: Progress) -> Bool {
            determined != other.determined ? determined > other.determined : optional < other.optional
        }
    }

    private struct Visited: Hashable {
        var linearized: [UInt64]
        var state: LockModelState
    }

    private struct Frame {
        var node: Int
        var state: LockModelState
    }

    let steps: [LockStep]
    // The list: node 0 is the head, `tail` the tail; each operation has an invocation node
    // and, when determined, a completion node (`match`).
    private var next: [Int] = []
    private var previous: [Int] = []
    private var step: [Int] = []
    private var isCompletion: [Bool] = []
    private var match: [Int] = []
    private let tail: Int
    /// The process each token belongs to, by the determined operations that name it as its
    /// owner's (a start, stop or renewal answered ok); `Int.min` when several claim it.
    private var claimedOwners: [UInt64: Int] = [:]

    init(_ steps: [LockStep]) {
        self.steps = steps
        var entries: [(time: Int64, isCompletion: Bool, step: Int)] = []
        entries.reserveCapacity(steps.count * 2)
        for (position, operation) in steps.enumerated() {
            entries.append((operation.invokedAt, false, position))
            if let completedAt = operation.completedAt { entries.append((completedAt, true, position)) }
        }
        entries.sort { ($0.time, $0.isCompletion ? 1 : 0, $0.step) < ($1.time, $1.isCompletion ? 1 : 0, $1.step) }
        tail = entries.count + 1
        next = Array(1...tail) + [tail]
        previous = [0] + Array(0..<tail)
        step = [-1] + entries.map(\.step) + [-1]
        isCompletion = [true] + entries.map(\.isCompletion) + [true]
        match = Array(repeating: -1, count: tail + 1)
        for operation in steps where [.grant, .release, .renew].contains(operation.effect) {
            if let claimant = claimedOwners.updateValue(operation.process, forKey: operation.token), claimant != operation.process {
                claimedOwners[operation.token] = Int.min
            }
        }
        var invocationNode = Array(repeating: -1, count: steps.count)
        for node in 1..<tail {
            if isCompletion[node] { match[invocationNode[step[node]]] = node } else { invocationNode[step[node]] = node }
        }
    }

    /// Runs at most `budget` steps; `stepsTaken` tells how many it took.
    mutating func run(budget: Int, stepsTaken: inout Int) -> Verdict {
        var state = LockModelState()
        var linearized = [UInt64](repeating: 0, count: (steps.count + 63) / 64)
        var visited = Set<Visited>()
        var stack: [Frame] = []
        let determinedCount = steps.count(where: \.isDetermined)
        var remaining = determinedCount
        var deepest: Deepest?
        var deepestProgress = Progress(determined: 0, optional: 0)
        var node = next[0]
        stepsTaken = 0
        while remaining > 0 {
            guard stepsTaken < budget else { return .budgetExhausted }
            stepsTaken += 1
            if !isCompletion[node] {
                let operation = steps[step[node]]
                if let after = state.applying(operation), !isRuledOut(operation, in: state) {
                    let (word, bit) = (step[node] / 64, UInt64(1) << UInt64(step[node] % 64))
                    linearized[word] |= bit
                    if visited.insert(Visited(linearized: linearized, state: after)).inserted {
                        stack.append(Frame(node: node, state: state))
                        state = after
                        lift(node)
                        if operation.isDetermined { remaining -= 1 }
                        node = next[0]
                        continue
                    }
                    linearized[word] &= ~bit
                }
                node = next[node]
                continue
            }
            let progress = Progress(determined: determinedCount - remaining, optional: stack.count - (determinedCount - remaining))
            if deepest == nil || progress.isFurther(than: deepestProgress) {
                deepestProgress = progress
                deepest = Deepest(
                    linearized: stack.map { steps[step[$0.node]].source }, state: state,
                    blocking: node == tail ? nil : steps[step[node]].source, refused: refused(before: node, in: state))
            }
            guard let frame = stack.popLast() else { return .notLinearizable(deepest!) }
            let undone = steps[step[frame.node]]
            state = frame.state
            unlift(frame.node)
            linearized[step[frame.node] / 64] &= ~(UInt64(1) << UInt64(step[frame.node] % 64))
            if undone.isDetermined { remaining += 1 }
            node = next[frame.node]
        }
        return .linearizable
    }

    /// Whether a start of unknown outcome cannot have been a grant: the token it would take
    /// belongs to another process by what determined operations say. Pruning it loses no
    /// linearization, as each token is granted once; without it, every start that never
    /// happened would be tried at every instant the lock is free.
    private func isRuledOut(_ operation: LockStep, in state: LockModelState) -> Bool {
        guard operation.effect == .maybeGrant, let owner = claimedOwners[state.nextToken] else { return false }
        return owner != operation.process
    }

    /// Sources of the determined operations invoked before `node` that cannot take effect in `state`.
    private func refused(before node: Int, in state: LockModelState) -> [Int] {
        var refused: [Int] = []
        var scan = next[0]
        while scan != node {
            let operation = steps[step[scan]]
            if !isCompletion[scan], operation.isDetermined, state.applying(operation) == nil { refused.append(operation.source) }
            scan = next[scan]
        }
        return refused
    }

    private mutating func lift(_ node: Int) {
        next[previous[node]] = next[node]
        previous[next[node]] = previous[node]
        let completion = match[node]
        guard completion >= 0 else { return }
        next[previous[completion]] = next[completion]
        previous[next[completion]] = previous[completion]
    }

    private mutating func unlift(_ node: Int) {
        let completion = match[node]
        if completion >= 0 {
            next[previous[completion]] = completion
            previous[next[completion]] = completion
        }
        next[previous[node]] = node
        previous[next[node]] = node
    }
}
