import Foundation
import HummingbirdTesting
import Testing

@testable import LiveServer

/// The committed OpenAPI document (`Sources/LiveServer/openapi.json`) against the router that serves it.
@Suite("The OpenAPI document")
struct OpenAPITests {
    /// The document as a JSON object.
    static func document() throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: OpenAPIDocument.json)
        return try #require(parsed as? [String: Any], "the document is not a JSON object")
    }

    /// Every operation of the document, as `METHOD /path`.
    static func documentedOperations(_ document: [String: Any]) throws -> Set<String> {
        let paths = try #require(document["paths"] as? [String: Any], "the document has no paths")
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var operations: Set<String> = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path) is not a path item")
            for method in item.keys where methods.contains(method) { operations.insert("\(method.uppercased()) \(path)") }
        }
        return operations
    }

    @Test("the document is JSON and says OpenAPI 3.1")
    func parses() throws {
        let document = try Self.document()
        let version = try #require(document["openapi"] as? String, "no openapi field")
        #expect(version.hasPrefix("3.1."), "openapi is \(version)")
        #expect((document["paths"] as? [String: Any])?.isEmpty == false)
    }

    @Test("the router and the document name the same routes")
    func routesAgree() async throws {
        let deployment = try await Deployment()
        let router = buildRouter(node: deployment.node)
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let documented = try Self.documentedOperations(try Self.document())
        let undocumented = registered.subtracting(documented).sorted()
        let unrouted = documented.subtracting(registered).sorted()
        #expect(undocumented.isEmpty, "registered by the router but missing from openapi.json: \(undocumented)")
        #expect(unrouted.isEmpty, "in openapi.json but not registered by the router: \(unrouted)")
        #expect(registered.count == documented.count)
    }

    @Test("a body past the limit is 413 tooLarge, as documented, not a 500")
    func tooLargeBody() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.router) { client in
            let api = API(client: client)
            let conversation = try await api.conversationInProgress(deployment)
            let body = "{\"body\": \"" + String(repeating: "x", count: 70 * 1024) + "\"}"
            let reply = try await api.call(
                .post, "/api/v2/conversations/messages/\(conversation.id)/participants/0/messages", body,
                token: conversation.customerToken)
            #expect(reply.status == 413, "\(reply.status): \(reply.text)")
            #expect(reply.code == "tooLarge")
        }
    }

    @Test("/openapi.json serves the committed file byte for byte")
    func servedAsCommitted() async throws {
        let committed = try Data(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Sources/LiveServer/openapi.json"))
        let deployment = try await Deployment()
        try await deployment.application.test(.router) { client in
            let reply = try await API(client: client).call(.get, "/openapi.json")
            #expect(reply.status == 200)
            #expect(reply.headers[.contentType] == "application/json")
            #expect(reply.body == committed, "the served document differs from Sources/LiveServer/openapi.json")
        }
    }
}
