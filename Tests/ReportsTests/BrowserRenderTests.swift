import Foundation
import Testing

/// Renders the report in headless Chromium, as a reader's browser would, and looks at the picture.
@Suite("The HTML report in a browser")
struct BrowserRenderTests {
    /// The browser named by `CHROMIUM`, or Debian's `chromium`.
    static func installedBrowser() -> String? {
        if let named = ProcessInfo.processInfo.environment["CHROMIUM"] { return named }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The test's set-up: a browser, installing Debian's `chromium` with `.ci/setup` when there is none, so that
    /// `swift test` on a fresh machine needs nothing done by hand.
    static func browser() throws -> String? {
        if let browser = installedBrowser() { return browser }
        let setup = Process()
        setup.executableURL = URL(fileURLWithPath: "/bin/bash")
        setup.arguments = [ReportFixture.root.appendingPathComponent(".ci/setup").path]
        try setup.run()
        setup.waitUntilExit()
        return installedBrowser()
    }

    @Test("Headless Chromium renders report.html, charts included, to a non-blank PNG of the requested size")
    func rendersWithCharts() throws {
        let browser = try #require(
            try Self.browser(),
            "Chromium is not installed and .ci/setup could not install it (Debian's chromium package; it needs root or sudo), or set CHROMIUM")
        let report = try ReportFixture.directory().appendingPathComponent("report.html")
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-render-\(UUID().uuidString).png")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-chromium-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: png)
            try? FileManager.default.removeItem(at: profile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(profile.path)", "--window-size=1200,3000", "--screenshot=\(png.path)", report.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            process.terminate()
            Issue.record("Chromium did not finish within two minutes")
            return
        }
        let image = try PNGImage(data: Data(contentsOf: png))
        #expect(image.width == 1200 && image.height == 3000, "the screenshot is \(image.width)×\(image.height)")
        var inked = 0
        var chartBlue = 0
        for y in stride(from: 0, to: image.height, by: 2) {
            for x in stride(from: 0, to: image.width, by: 2) {
                let (red, green, blue) = image.rgb(x, y)
                if Int(red) + Int(green) + Int(blue) < 600 { inked += 1 }
                // The first series colour of every chart, #0072B2, as lines, markers and bars.
                if abs(Int(red) - 0x00) < 24, abs(Int(green) - 0x72) < 24, abs(Int(blue) - 0xB2) < 24 { chartBlue += 1 }
            }
        }
        let sampled = (image.width / 2) * (image.height / 2)
        #expect(Double(inked) / Double(sampled) > 0.02, "the page is nearly blank: \(inked) of \(sampled) sampled pixels have ink")
        #expect(chartBlue > 200, "no chart is drawn: only \(chartBlue) pixels of the charts' first colour")
    }

    @Test("The PNG reader decodes what it is given: a blank page has no ink")
    func blankPageHasNoInk() throws {
        // A 2×1 white RGB image, made with zlib (stored block) by hand.
        let rows: [UInt8] = [0, 255, 255, 255, 255, 255, 255]
        var zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(rows.count), 0, ~UInt8(rows.count), 0xFF] + rows
        zlib += [0, 0, 0, 0]  // Adler-32, not checked.
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let length = UInt32(body.count)
            return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + Array(type.utf8) + body + [
                0, 0, 0, 0,
            ]
        }
        let header: [UInt8] = [0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0]
        let file = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
        let image = try PNGImage(data: Data(file))
        #expect(image.width == 2 && image.height == 1)
        #expect(image.rgb(1, 0) == (255, 255, 255))
    }
}
