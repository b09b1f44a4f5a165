import Hummingbird
import Logging

// One GET answering a fixed string on 127.0.0.1:$PORT, with the same HTTP/1.1 server the live node uses: the most
// requests per second Hummingbird serves on this machine, to read the node's figures against.
let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8090
let router = Router()
router.get("/plain") { _, _ in "plain" }
var logger = Logger(label: "plain-route")
logger.logLevel = .warning
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "plain"), logger: logger)
try await app.runService()
