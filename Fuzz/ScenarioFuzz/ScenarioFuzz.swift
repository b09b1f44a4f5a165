import Foundation
import Scenario

/// libFuzzer's entry point: one input, read as a scenario file. The reader must either decode it or reject it
/// with a position in the file; anything else (a crash, a hang, unbounded memory, a rejection without a line
/// and column) is a finding, and libFuzzer stops with the input that caused it.
@_cdecl("LLVMFuzzerTestOneInput")
public func scenarioFuzzInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    do {
        let text = try ScenarioLoader.text(of: data, path: "fuzz.yaml")
        _ = try ScenarioLoader.parseVariants(text, path: "fuzz.yaml")
    } catch {
        for rejection in error.all where rejection.line < 1 || rejection.column < 1 {
            fatalError("a rejection without a position: \(rejection)")
        }
    }
    return 0
}

/// libFuzzer's driver, called from a `main` of our own: SwiftPM gives every executable target its own `main`,
/// so libFuzzer's cannot be the one linked.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
enum ScenarioFuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv, scenarioFuzzInput))
    }
}
