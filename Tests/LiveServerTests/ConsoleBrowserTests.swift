import AsyncHTTPClient
import Foundation
import Testing

/// The supervisor's console in a real headless Chromium (Debian's, through chromedriver): two supervisors' pages and
/// an agent's, on one node and on two nodes sharing PostgreSQL. Everything is checked on what the pages show.
@Suite("The console in a browser", .serialized)
struct ConsoleBrowserTests {
    /// How soon another supervisor's button must follow a start or a stop (the issue's bound).
    static let followBound = Duration.seconds(2)

    /// A clicks Monitor: B's button greys with A's name within 2 s; A stops from details and B's is enabled again.
    @Test("M3 M9 M13 M14 M15 M16 M17 M21 two supervisors on one node, and the agent's page never shows a monitor")
    func twoSupervisorsOnOneNode() async throws {
        let node = try await ConsoleNode.start()
        defer { node.stop() }
        let conversation = try await node.conversationInProgress(agent: "agents 1", customerMessage: "Where is my parcel?")
        let alice = try node.token("floor 1")
        let bob = try node.token("floor 2")
        try await ChromeDriver.withPages(3) { pages in
            try await Self.oneNode(node, conversation, alice, bob, pages[0], pages[1], pages[2])
        }
    }

    private static func oneNode(
        _ node: ConsoleNode, _ conversation: (id: Int, agent: TokenEntry, agentParticipant: Int), _ alice: TokenEntry,
        _ bob: TokenEntry, _ a: BrowserPage, _ b: BrowserPage, _ agent: BrowserPage
    ) async throws {
        try await a.navigate(node.consoleURL(0, token: alice.token, view: "interactions"))
        try await b.navigate(node.consoleURL(0, token: bob.token, view: "interactions"))
        try await agent.navigate(
            node.consoleURL(0, token: conversation.agent.token, view: "agent/\(conversation.id)/\(conversation.agentParticipant)"))
        for page in [a, b] { try await page.wait("the Monitor button", Console.button(conversation.id)) { Console.state($0) == "monitor" } }
        try await agent.wait("the agent's transcript", Console.bodyText) { (text: String) in text.contains("Where is my parcel?") }
        try await Console.expectNoMonitor(on: agent, names: [alice.name, bob.name])

        // A clicks Monitor: B's button greys with A's name, and A sees the agent's view, read only (M9, M13, M15, M16).
        try await a.click(Console.monitorSelector(conversation.id))
        let (greyed, elapsed) = try await b.wait("B's button greyed with A's name", timeout: .seconds(10), Console.button(conversation.id)) {
            Console.state($0) == "monitoredBy"
        }
        #expect(elapsed < followBound, "B's button greyed \(elapsed) after A's click")
        print("console, one node: B's button greyed \(elapsed) after A's click")
        #expect(Console.field(greyed, "disabled") == "true", "\(greyed)")
        #expect((greyed as? [String: Any])?["focusable"] as? Bool == true, "a greyed button keeps the focus, to be read out: \(greyed)")
        #expect(Console.field(greyed, "text").contains("Monitored by \(alice.name)"), "\(greyed)")
        #expect(Console.field(greyed, "label").contains("monitored by \(alice.name)"), "the greyed state is announced: \(greyed)")
        try await a.wait("A's monitored conversation", Console.bodyText) { (text: String) in
            text.contains("Where is my parcel?") && text.contains("Read only")
        }
        let monitored = try #require(try await a.run(Console.monitoredView) as? [String: Any])
        #expect(monitored["panelMark"] as? Bool == true, "the binoculars mark in A's panel (M13): \(monitored)")
        #expect(monitored["composer"] as? Bool == false, "A has no way to type (M16): \(monitored)")
        #expect(monitored["stopControl"] as? Bool == true, "the binoculars control to stop (M17): \(monitored)")

        // The agent answers while monitored: A's view follows (M15), the agent's page still shows no monitor (M14).
        try await agent.type("Let me check.", into: "#message-input")
        try await agent.click(".composer button[type=submit]")
        try await a.wait("A sees the agent's reply", Console.bodyText) { (text: String) in text.contains("Let me check.") }
        try await Console.expectNoMonitor(on: agent, names: [alice.name, bob.name])

        // A stops from the interaction's details: B's button is enabled again (M17, M19).
        try await a.navigate(node.consoleURL(0, token: alice.token, view: "conversations/\(conversation.id)"))
        try await a.wait("A's Stop Monitoring", Console.exists("#agent-actions button[data-action=stop]")) { (found: Bool) in found }
        try await a.click("#agent-actions button[data-action=stop]")
        let (_, released) = try await b.wait("B's button enabled again", timeout: .seconds(10), Console.button(conversation.id)) {
            Console.state($0) == "monitor"
        }
        #expect(released < followBound, "B's button enabled \(released) after A's stop")
        print("console, one node: B's button enabled \(released) after A's stop")
        try await a.navigate(node.consoleURL(0, token: alice.token, view: "conversations/\(conversation.id)/timeline"))
        try await a.wait("the timeline's monitoring span (M21)", Console.bodyText) { (text: String) in
            text.contains("Monitoring started by \(alice.name)") && text.contains("stopped from interaction details")
                && text.contains("Session 1: \(alice.name)")
        }
        try await Console.expectNoMonitor(on: agent, names: [alice.name, bob.name])

        // The third state: B, no longer Available, sees Monitor unavailable with the reason in the words of M3.
        try await b.click("#presence option[value=busy]")
        let (unavailable, _) = try await b.wait("B's button unavailable", Console.button(conversation.id)) {
            Console.state($0) == "unavailable"
        }
        #expect(Console.field(unavailable, "label").contains("Your presence is Busy"), "\(unavailable)")
        #expect(Console.field(unavailable, "label").contains("(M3)"), "\(unavailable)")
        try await b.click("#presence option[value=available]")

        // Readable on a narrow window: nothing runs off the side, and B's Monitor button is still there.
        try await b.resize(width: 420, height: 800)
        try await b.wait("B's page at 420 px", Console.overflow) { (overflow: Int) in overflow <= 0 }
        try await b.wait("the Monitor button at 420 px", Console.button(conversation.id)) { Console.state($0) == "monitor" }

        // With the keyboard alone: B's Monitor button takes the focus and Enter starts monitoring.
        try await b.run("document.querySelector('\(Console.monitorSelector(conversation.id))').focus();")
        try await b.pressEnter(in: Console.monitorSelector(conversation.id))
        try await b.wait("B monitors, from the keyboard", Console.exists("#monitor-bar")) { (found: Bool) in found }
    }

    /// B's button follows A's start and stop within 2 s across nodes, staleness is shown, and a stale click is refused.
    @Test("M8 M9 M26 two pages on two nodes sharing PostgreSQL, and B's stale click refused with A's name")
    func twoNodesSharingPostgres() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        defer { cluster.stop() }
        let node = ConsoleNode(ports: cluster.ports, tokens: cluster.tokens, http: cluster.http, process: nil)
        let conversation = try await node.conversationInProgress(agent: "agents 1", customerMessage: "Hello")
        let alice = try node.token("floor 1")
        try await ChromeDriver.withPages(2) { pages in
            try await Self.twoNodes(node, conversation.id, alice, pages[0], pages[1])
        }
    }

    private static func twoNodes(_ node: ConsoleNode, _ conversation: Int, _ alice: TokenEntry, _ a: BrowserPage, _ b: BrowserPage)
        async throws
    {
        let bob = try node.token("floor 2")
        try await a.navigate(node.consoleURL(0, token: alice.token, view: "interactions"))
        try await b.navigate(node.consoleURL(1, token: bob.token, view: "interactions"))
        for page in [a, b] { try await page.wait("the Monitor button", Console.button(conversation)) { Console.state($0) == "monitor" } }

        try await a.click(Console.monitorSelector(conversation))
        let (greyed, elapsed) = try await b.wait("B's button on node 2 greyed", timeout: .seconds(10), Console.button(conversation)) {
            Console.state($0) == "monitoredBy"
        }
        #expect(elapsed < followBound, "B's button on the other node greyed \(elapsed) after A's click")
        print("console, two nodes: B's button greyed \(elapsed) after A's click")
        #expect(Console.field(greyed, "text").contains("Monitored by \(alice.name)"), "\(greyed)")
        let freshness = try await b.wait("B's staleness", Console.freshness) { (bar: [String: Any]) in
            (bar["lag"] as? String).map { !$0.isEmpty } ?? false
        }
        let bar = freshness.value
        #expect((bar["text"] as? String)?.contains("node node-2") == true, "\(bar)")
        #expect((bar["text"] as? String)?.contains("ms after it was committed") == true, "the view's staleness is shown (M26): \(bar)")

        try await a.wait("A's monitored conversation", Console.bodyText) { (text: String) in text.contains("Read only") }
        try await a.navigate(node.consoleURL(0, token: alice.token, view: "conversations/\(conversation)"))
        try await a.wait("A's Stop Monitoring", Console.exists("#agent-actions button[data-action=stop]")) { (found: Bool) in found }
        try await a.click("#agent-actions button[data-action=stop]")
        let (_, released) = try await b.wait("B's button enabled again", timeout: .seconds(10), Console.button(conversation)) {
            Console.state($0) == "monitor"
        }
        #expect(released < followBound, "B's button on the other node enabled \(released) after A's stop")
        print("console, two nodes: B's button enabled \(released) after A's stop")

        // B pauses live updates; A monitors again. B's view is now stale — it says so — and B's click is refused
        // by the engine with A's name (M8: a stale `monitor` that fails with alreadyMonitored is correct, M9, M26).
        try await b.click("#live-toggle")
        try await a.navigate(node.consoleURL(0, token: alice.token, view: "interactions"))
        try await a.wait("A's Monitor button", Console.button(conversation)) { Console.state($0) == "monitor" }
        try await a.click(Console.monitorSelector(conversation))
        try await a.wait("A monitors again", Console.bodyText) { (text: String) in text.contains("Read only") }
        try await b.wait("B's paused view says it may be stale", Console.freshness) { (bar: [String: Any]) in
            let text = bar["text"] as? String ?? ""
            return text.contains("Paused") && text.contains("not shown") && !text.contains(" 0 changes")
        }
        let stale = try #require(try await b.run(Console.button(conversation)))
        #expect(Console.state(stale) == "monitor", "B's paused view still offers Monitor: \(stale)")
        try await b.click(Console.monitorSelector(conversation))
        let (notice, _) = try await b.wait("B's refusal", Console.notice) { (text: String) in !text.isEmpty }
        #expect(notice.contains("\(alice.name) is already monitoring this interaction"), "\(notice)")
        #expect(notice.contains("(M8)"), "the refusal names its rule: \(notice)")
        let after = try await b.wait("B's button greyed after the refusal", Console.button(conversation)) { Console.state($0) == "monitoredBy" }
        #expect(Console.field(after.value, "text").contains(alice.name), "\(after.value)")
    }
}

/// What the tests ask of a console page, as scripts run in it.
enum Console {
    static func monitorSelector(_ conversation: Int) -> String {
        "tr[data-conversation=\"\(conversation)\"] button.monitor[data-state=monitor]"
    }

    /// The first Monitor button of the conversation's row: its state, whether it is disabled, its text and label.
    static func button(_ conversation: Int) -> String {
        """
        const button = document.querySelector('tr[data-conversation="\(conversation)"] button.monitor');
        if (!button) return null;
        return { state: button.dataset.state, disabled: button.getAttribute('aria-disabled') || 'false', focusable: !button.disabled,
                 text: button.textContent.trim(), label: button.getAttribute('aria-label') || '' };
        """
    }

    static func state(_ value: Any?) -> String? { (value as? [String: Any])?["state"] as? String }

    static func field(_ value: Any?, _ name: String) -> String { (value as? [String: Any])?[name] as? String ?? "" }

    static func exists(_ selector: String) -> String { "return document.querySelector('\(selector)') !== null;" }

    static let bodyText = "return document.body.innerText;"

    /// How far the page runs past the window's width, in pixels.
    static let overflow = "return document.documentElement.scrollWidth - window.innerWidth;"

    static let freshness = """
        const bar = document.getElementById('freshness');
        return { text: bar.innerText, lag: bar.dataset.lagMilliseconds || '', live: bar.dataset.live || '' };
        """

    static let notice = """
        const notice = document.getElementById('notice');
        return notice.hidden ? '' : notice.innerText;
        """

    /// The monitoring supervisor's page: the binoculars mark in the panel, a composer, the stop control.
    static let monitoredView = """
        return { panelMark: document.querySelector('#panel [data-monitoring="true"]') !== null,
                 composer: document.querySelector('#message-input, .composer') !== null,
                 stopControl: document.getElementById('stop-from-interaction') !== null };
        """

    /// M14: nothing on the agent's page tells of a monitor — no supervisor's name, no binoculars mark, no word of it.
    static func expectNoMonitor(on page: BrowserPage, names: [String]) async throws {
        let seen = try #require(
            try await page.run(
                """
                return { text: document.body.innerText,
                         marks: document.querySelectorAll('[data-monitoring], img.binoculars, #monitor-bar').length };
                """) as? [String: Any])
        let text = seen["text"] as? String ?? ""
        #expect(text.contains("Interaction"), "the agent's page shows the conversation: \(text)")
        #expect(seen["marks"] as? Int == 0, "a monitor mark on the agent's page: \(seen)")
        #expect(!text.localizedCaseInsensitiveContains("monitor"), "the agent's page mentions a monitor: \(text)")
        for name in names { #expect(!text.contains(name), "the agent's page names the supervisor \(name): \(text)") }
    }
}

/// One or more nodes serving the console, their tokens, and the requests that set a conversation up.
struct ConsoleNode {
    let ports: [Int]
    let tokens: [TokenEntry]
    let http: HTTPClient
    let process: ServerProcess?

    /// One node in memory, loaded with the cluster tests' directory (agents 1…10, floor 1…60, an administrator).
    static func start() async throws -> ConsoleNode {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let scenario = work.appendingPathComponent("console.yaml")
        try Data(TestCluster.scenario.utf8).write(to: scenario)
        let tokensFile = work.appendingPathComponent("tokens.json")
        let process = try await ServerProcess.start([
            "--port", "0", "--store", "memory", "--directory", scenario.path, "--tokens", tokensFile.path, "--log-level", "warning",
        ])
        let tokens = try JSONDecoder().decode([TokenEntry].self, from: Data(contentsOf: tokensFile))
        return ConsoleNode(ports: [process.port], tokens: tokens, http: HTTPClient(eventLoopGroupProvider: .singleton), process: process)
    }

    func stop() {
        process?.kill()
        if process != nil { try? http.syncShutdown() }
    }

    func token(_ name: String) throws -> TokenEntry { try #require(tokens.first { $0.name == name }, "no user \(name)") }

    func client(_ index: Int) -> Client { Client(http: http, port: ports[index]) }

    /// The console of node `index`, signed in with `token` (in the fragment, never sent to the server), at `view`.
    func consoleURL(_ index: Int, token: String, view: String) -> String {
        "http://127.0.0.1:\(ports[index])/console/#token=\(token)&view=\(view)"
    }

    /// A web-messaging conversation: created by its customer, who writes `customerMessage`, queued, alerted to
    /// `agent` and answered, each step through the nodes in turn.
    func conversationInProgress(agent name: String, customerMessage: String) async throws
        -> (id: Int, agent: TokenEntry, agentParticipant: Int)
    {
        let admin = try token("Administrator")
        let agent = try token(name)
        let created = try await client(0).call(
            "POST", "/api/v2/conversations/messages", #"{"channel": {"type": "webMessaging"}, "customerName": "Ann"}"#)
        let id = try #require(created.json["conversationId"] as? Int, "\(created.text)")
        let customer = try #require(created.json["customerToken"] as? String)
        let base = "/api/v2/conversations/messages/\(id)"
        let node = { (step: Int) in self.client(step % self.ports.count) }
        let queued = try await node(1).call("POST", base + "/queue", #"{"queueId": 1}"#, token: admin.token)
        try #require(queued.status == 200, "\(queued.text)")
        let alerted = try await node(0).call("POST", base + "/alerts", #"{"userId": \#(agent.user)}"#, token: admin.token)
        let participant = try #require(alerted.json["participant"] as? Int, "\(alerted.text)")
        let connected = try await node(1).call("POST", base + "/participants/\(participant)/connect", token: agent.token)
        try #require(connected.status == 200, "\(connected.text)")
        let body = try JSONSerialization.data(withJSONObject: ["body": customerMessage])
        let sent = try await node(0).call("POST", base + "/participants/0/messages", String(decoding: body, as: UTF8.self), token: customer)
        try #require(sent.status == 200, "\(sent.text)")
        return (id, agent, participant)
    }
}
