import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Debian's chromedriver on a loopback port, driving headless Chromium through the W3C WebDriver protocol (JSON over
/// HTTP): what the console's browser tests click and read with. Started and stopped by the test; a browser and driver
/// that are missing are installed by `.ci/setup` first.
struct ChromeDriver {
    let process: Process
    let port: Int
    let http: HTTPClient

    static let driverPath = "/usr/bin/chromedriver"
    static let browserPath = "/usr/bin/chromium"

    /// The driver, installing Debian's `chromium` and `chromium-driver` with `.ci/setup` when either is missing.
    static func start() async throws -> ChromeDriver {
        if !FileManager.default.isExecutableFile(atPath: driverPath) || !FileManager.default.isExecutableFile(atPath: browserPath) {
            let setup = Process()
            setup.executableURL = URL(fileURLWithPath: "/bin/bash")
            setup.arguments = [ServerProcess.root.appendingPathComponent(".ci/setup").path, "chromium", "chromium-driver", "fonts-dejavu-core"]
            try setup.run()
            setup.waitUntilExit()
        }
        try #require(
            FileManager.default.isExecutableFile(atPath: driverPath),
            "chromedriver is not installed and .ci/setup could not install it (Debian's chromium-driver; it needs root or sudo)")
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: driverPath)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1", "--log-level=SEVERE"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let driver = ChromeDriver(process: process, port: port, http: HTTPClient(eventLoopGroupProvider: .singleton))
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let status = try? await driver.request("GET", "/status"), (status["value"] as? [String: Any])?["ready"] as? Bool == true {
                return driver
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        driver.stop()
        throw ServerError(message: "chromedriver did not become ready within 20 s")
    }

    /// A driver and `count` browser windows for `body`; every window is closed and the driver stopped afterwards,
    /// whatever `body` does.
    static func withPages(_ count: Int, _ body: ([BrowserPage]) async throws -> Void) async throws {
        let driver = try await start()
        var pages: [BrowserPage] = []
        do {
            for _ in 0..<count { pages.append(try await BrowserPage.open(driver)) }
            try await body(pages)
        } catch {
            for page in pages { await page.close() }
            driver.stop()
            throw error
        }
        for page in pages { await page.close() }
        driver.stop()
    }

    /// SIGTERM, then SIGKILL after 5 s. Not `waitUntilExit()`: Foundation's does not return while a process the
    /// driver started is still alive.
    func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? http.syncShutdown()
    }

    /// One WebDriver command: its answer as a JSON object; a WebDriver error (`value.error`) throws.
    @discardableResult
    func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))) }
        let response = try await http.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        if let value = json["value"] as? [String: Any], let error = value["error"] as? String {
            throw ServerError(message: "WebDriver \(method) \(path): \(error): \(value["message"] ?? "")")
        }
        return json
    }

    /// A free TCP port on 127.0.0.1, from the kernel.
    static func freeLoopbackPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw ServerError(message: "no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// One headless Chromium page, a person's browser window: open a URL, click, read the page.
struct BrowserPage {
    let driver: ChromeDriver
    let session: String

    /// A new browser (its own profile and process) with a window of `width`×`height`.
    static func open(_ driver: ChromeDriver, width: Int = 1280, height: Int = 800) async throws -> BrowserPage {
        let options: [String: Any] = [
            "binary": ChromeDriver.browserPath,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--hide-scrollbars", "--window-size=\(width),\(height)",
            ],
        ]
        let answer = try await driver.request(
            "POST", "/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
        let value = try #require(answer["value"] as? [String: Any], "no session in \(answer)")
        return BrowserPage(driver: driver, session: try #require(value["sessionId"] as? String))
    }

    func close() async {
        _ = try? await driver.request("DELETE", "/session/\(session)")
    }

    func navigate(_ url: String) async throws {
        try await driver.request("POST", "/session/\(session)/url", ["url": url])
    }

    /// Runs `script` (a function body) in the page with `arguments`, and returns what it returns.
    @discardableResult
    func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        let answer = try await driver.request("POST", "/session/\(session)/execute/sync", ["script": script, "args": arguments])
        return answer["value"]
    }

    /// Clicks the element `selector` names, as a person would (the driver moves the pointer and clicks).
    func click(_ selector: String) async throws {
        let found = try await driver.request("POST", "/session/\(session)/element", ["using": "css selector", "value": selector])
        let element = try #require((found["value"] as? [String: Any])?.values.first as? String, "no element \(selector)")
        try await driver.request("POST", "/session/\(session)/element/\(element)/click", [:])
    }

    /// Types `text` into the element `selector` names, key by key.
    func type(_ text: String, into selector: String) async throws {
        let found = try await driver.request("POST", "/session/\(session)/element", ["using": "css selector", "value": selector])
        let element = try #require((found["value"] as? [String: Any])?.values.first as? String, "no element \(selector)")
        try await driver.request("POST", "/session/\(session)/element/\(element)/value", ["text": text])
    }

    /// Presses Enter in the element `selector` names, as a keyboard would.
    func pressEnter(in selector: String) async throws {
        try await type("\u{E007}", into: selector)
    }

    func resize(width: Int, height: Int) async throws {
        try await driver.request("POST", "/session/\(session)/window/rect", ["width": width, "height": height])
    }

    /// The page as a PNG.
    func screenshot() async throws -> Data {
        let answer = try await driver.request("GET", "/session/\(session)/screenshot")
        return try #require(Data(base64Encoded: answer["value"] as? String ?? ""), "no screenshot")
    }

    /// What `script` returns, once `accept` takes it, polled every 50 ms; throws with the last value after `timeout`.
    /// Returns the value and how long it took.
    @discardableResult
    func wait<T>(
        _ what: String, timeout: Duration = .seconds(10), _ script: String, until accept: (T) -> Bool
    ) async throws -> (value: T, elapsed: Duration) {
        let start = ContinuousClock.now
        var last: Any?
        while ContinuousClock.now - start < timeout {
            last = try await run(script)
            if let value = last as? T, accept(value) { return (value, ContinuousClock.now - start) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerError(message: "waited \(timeout) for \(what); the page last said \(String(describing: last))")
    }
}
