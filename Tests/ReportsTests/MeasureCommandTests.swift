import Foundation
import Testing

@Suite("binoculars measure")
struct MeasureCommandTests {
    @Test("--history gives each conversation its earlier sessions first, even past the engine's default limit of 1,000 sessions")
    func history() throws {
        let binary = try CommandLineTool.executable()
        let result = try CommandLineTool.run(
            binary, ["measure", "--conversations", "2", "--pairs", "40", "--history", "1200"], in: FileManager.default.temporaryDirectory)
        try #require(result.status == 0, "\(result.output)")
        #expect(result.output.contains("earlier sessions per conversation: 1200"))
        #expect(result.output.contains("pairs: 40"))
        let refused = try CommandLineTool.run(binary, ["measure", "--history", "-1"], in: FileManager.default.temporaryDirectory)
        #expect(refused.status != 0)
    }
}
