import Foundation
import HTTPTypes
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

/// What a client sends that the node must refuse cleanly: 400, 404 or 413 with a JSON body, never a 5xx.
@Suite("Input over the API")
struct InputTests {
    typealias Driver = RouteDriver
    static let base = RouteDriver.base

    @Test("Malformed JSON is 400 badRequest with a message")
    func malformedJSON() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.created(queued: false)
            for body in [#"{"queueId": "#, "not json", #"{"queueId" 1}"#, "{'queueId': 1}"] {
                let reply = try await driver.call(.post, "\(Self.base)/\(conversation.id)/queue", body, token: driver.admin)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.code == "badRequest")
                #expect(!reply.errorMessage.isEmpty)
                #expect(reply.json["rule"] is NSNull)
            }
            let created = try await driver.call(.post, Self.base, "{")
            #expect(created.status == 400)
        }
    }

    @Test("A wrong type is 400 naming the field")
    func wrongType() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let cases: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "\(Self.base)/\(conversation.id)/queue", #"{"queueId": "one"}"#, "queueId"),
                (.post, "\(Self.base)/\(conversation.id)/participants/0/messages", #"{"body": 42}"#, "body"),
                (.post, "\(Self.base)/\(conversation.id)/participants/0/read", #"{"upTo": "all"}"#, "upTo"),
                (.put, "/api/v2/users/11/presence", #"{"presence": "sleeping"}"#, "presence"),
                (.put, "/api/v2/users/11/licence", #"{"licence": 3}"#, "licence"),
                (.post, "/api/v2/authorization/roles", #"{"id": 5, "name": "R", "permissions": ["fly"]}"#, "permissions"),
                (.post, Self.base, #"{"channel": {"type": "pigeon"}, "customerName": "Ann"}"#, "channel"),
                (.post, "\(Self.base)/\(conversation.id)/monitor", #"{"entryPoint": "sideDoor"}"#, "entryPoint"),
                (.post, "\(Self.base)/\(conversation.id)/monitor/sessions/1/stop", #"{"from": "elsewhere"}"#, "from"),
            ]
            for (method, path, body, field) in cases {
                let token =
                    path.contains("/participants/0/") ? conversation.customerToken : path.contains("/monitor") ? driver.supervisor(0) : driver.admin
                let reply = try await driver.call(method, path, body, token: token)
                #expect(reply.status == 400, "\(path) \(body): \(reply.text)")
                #expect(reply.code == "badRequest")
                #expect(reply.errorMessage.contains(field), "\(reply.errorMessage)")
            }
        }
    }

    @Test("A missing field is 400 naming it")
    func missingField() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let cases: [(HTTPRequest.Method, String, String?, String, String)] = [
                (.post, "\(Self.base)/\(conversation.id)/alerts", nil, "userId", driver.admin),
                (.post, "\(Self.base)/\(conversation.id)/participants/0/messages", "{}", "body", conversation.customerToken),
                (.post, Self.base, #"{"channel": {"type": "sms"}}"#, "customerName", driver.admin),
                (.post, "/api/v2/users", #"{"id": 300, "licence": "cx3"}"#, "displayName", driver.admin),
                (.put, "/api/v2/routing/queues/1/members/1", "{}", "member", driver.admin),
            ]
            for (method, path, body, field, token) in cases {
                let reply = try await driver.call(method, path, body, token: token)
                #expect(reply.status == 400, "\(path): \(reply.text)")
                #expect(reply.errorMessage.contains(#""\#(field)" is required"#), "\(reply.errorMessage)")
            }
        }
    }

    @Test("A body over 64 KiB is 413 tooLarge")
    func bodyTooLarge() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let huge = #"{"body": ""# + String(repeating: "a", count: 64 * 1024) + #""}"#
            let message = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/0/messages", huge, token: conversation.customerToken)
            #expect(message.status == 413, "\(message.text)")
            #expect(message.code == "tooLarge")
            let created = try await driver.call(.post, Self.base, huge)
            #expect(created.status == 413)
            let view = try await driver.call(.get, "\(Self.base)/\(conversation.id)/customer", token: conversation.customerToken)
            #expect((view.json["transcript"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("A non-numeric, negative or zero id in the path is 400")
    func badIds() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.post, "\(Self.base)/abc/monitor", driver.supervisor(0)),
                (.post, "\(Self.base)/0/monitor", driver.supervisor(0)),
                (.post, "\(Self.base)/-1/queue", driver.admin),
                (.post, "\(Self.base)/\(conversation.id)/participants/x/monitor", driver.supervisor(0)),
                (.post, "\(Self.base)/\(conversation.id)/participants/-1/messages", driver.agent(0)),
                (.post, "\(Self.base)/\(conversation.id)/monitor/sessions/0/stop", driver.supervisor(0)),
                (.post, "\(Self.base)/\(conversation.id)/monitor/sessions/one/renew", driver.supervisor(0)),
                (.get, "\(Self.base)/\(conversation.id)/monitor/sessions/0", driver.supervisor(0)),
                (.get, "/api/v2/users/zero/conversations", driver.supervisor(0)),
                (.put, "/api/v2/users/0/presence", driver.admin),
                (.get, "/api/v2/conversations/1.5/details", driver.supervisor(0)),
                (.get, "/api/v2/routing/queues/0/activity", driver.supervisor(0)),
                (.put, "/api/v2/routing/queues/1/members/99999999999999999999999", driver.admin),
            ]
            for (method, path, token) in cases {
                let reply = try await driver.call(method, path, #"{"presence": "busy", "member": true}"#, token: token)
                #expect(reply.status == 400, "\(method) \(path): \(reply.text)")
                #expect(reply.code == "badRequest")
            }
        }
    }

    @Test("A new user, role or queue with id 0 is 400, since no path could name it, and nothing is added")
    func zeroIdsInBodies() async throws {
        try await Driver.run { driver in
            let cases: [(String, String)] = [
                ("/api/v2/users", #"{"id": 0, "displayName": "Zero", "licence": "cx3", "roles": [2], "presence": "available"}"#),
                ("/api/v2/authorization/roles", #"{"id": 0, "name": "Zero", "permissions": []}"#),
                ("/api/v2/routing/queues", #"{"id": 0, "name": "Zero"}"#),
            ]
            for (path, body) in cases {
                let reply = try await driver.call(.post, path, body, token: driver.admin)
                #expect(reply.status == 400, "\(path): \(reply.text)")
                #expect(reply.code == "badRequest")
                #expect(reply.errorMessage.contains("id must be a positive integer"))
                #expect(reply.json["token"] == nil)
            }
            let queue = try await driver.call(.post, "/api/v2/routing/queues", #"{"id": 3, "name": "Three"}"#, token: driver.admin)
            #expect(queue.status == 200)
        }
    }

    @Test("An unknown route is 404 JSON notFound; a wrong method is a 4xx JSON answer")
    func unknownRoute() async throws {
        try await Driver.run { driver in
            let reply = try await driver.call(.get, "/api/v2/nothing/here", token: driver.admin)
            #expect(reply.status == 404)
            #expect(reply.code == "notFound")
            #expect(reply.headers[.contentType] == "application/json")
            let wrongMethod = try await driver.call(.delete, "/api/v2/audit/monitoring", token: driver.admin)
            #expect((400..<500).contains(wrongMethod.status), "\(wrongMethod.status)")
            #expect(wrongMethod.code != nil)
        }
    }

    @Test("Strings past their limit are 400: a name over 200 characters, a message over 10,000")
    func longStrings() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let name = String(repeating: "n", count: 201)
            let cases: [(HTTPRequest.Method, String, String, String)] = [
                (.post, Self.base, #"{"channel": {"type": "sms"}, "customerName": "\#(name)"}"#, "customerName"),
                (.post, "/api/v2/routing/queues", #"{"id": 3, "name": "\#(name)"}"#, "name"),
                (.post, "/api/v2/authorization/roles", #"{"id": 5, "name": "\#(name)", "permissions": []}"#, "name"),
                (.post, "/api/v2/users", #"{"id": 300, "displayName": "\#(name)", "licence": "cx3"}"#, "displayName"),
                (.post, "/api/v2/routing/queues", #"{"id": 3, "name": "Q", "wrapUpCodes": ["\#(name)"]}"#, "wrap-up code"),
            ]
            for (method, path, body, field) in cases {
                let reply = try await driver.call(method, path, body, token: driver.admin)
                #expect(reply.status == 400, "\(path): \(reply.text)")
                #expect(reply.errorMessage.contains(field))
                #expect(reply.errorMessage.contains("200"))
            }
            let long = try await driver.message(
                conversation.id, participant: 0, String(repeating: "m", count: 10_001), token: conversation.customerToken)
            #expect(long.status == 400)
            #expect(long.errorMessage.contains("10000"))
            let limit = try await driver.message(
                conversation.id, participant: 0, String(repeating: "m", count: 10_000), token: conversation.customerToken)
            #expect(limit.status == 200)
            // Nothing past a limit was applied.
            let queue = try await driver.call(.post, "/api/v2/routing/queues", #"{"id": 3, "name": "Q"}"#, token: driver.admin)
            #expect(queue.status == 200)
        }
    }

    @Test("Lists past 100 items are 400: roles, permissions, wrap-up codes, journey, participant data")
    func longLists() async throws {
        try await Driver.run { driver in
            let roles = (1...101).map { _ in "1" }.joined(separator: ", ")
            let codes = (1...101).map { #""c\#($0)""# }.joined(separator: ", ")
            let data = (1...101).map { #""k\#($0)": "v""# }.joined(separator: ", ")
            let cases: [(HTTPRequest.Method, String, String, String)] = [
                (.put, "/api/v2/users/11/roles", #"{"roles": [\#(roles)]}"#, "roles"),
                (.post, "/api/v2/users", #"{"id": 300, "displayName": "X", "licence": "cx3", "roles": [\#(roles)]}"#, "roles"),
                (.post, "/api/v2/routing/queues", #"{"id": 3, "name": "Q", "wrapUpCodes": [\#(codes)]}"#, "wrapUpCodes"),
                (.post, Self.base, #"{"channel": {"type": "sms"}, "customerName": "A", "journey": [\#(codes)]}"#, "journey"),
                (.post, Self.base, #"{"channel": {"type": "sms"}, "customerName": "A", "participantData": {\#(data)}}"#, "participantData"),
            ]
            for (method, path, body, field) in cases {
                let reply = try await driver.call(method, path, body, token: driver.admin)
                #expect(reply.status == 400, "\(path) \(field): \(reply.text)")
                #expect(reply.errorMessage.contains(field))
                #expect(reply.errorMessage.contains("100"))
            }
        }
    }

    @Test("A bad Idempotency-Key is 400: empty, over 200 characters, with a space or a non-ASCII character")
    func badIdempotencyKeys() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            for key in ["", String(repeating: "k", count: 201), "two words", "clé"] {
                let reply = try await driver.start(conversation.id, token: driver.supervisor(0), key: key)
                #expect(reply.status == 400, "\(key.prefix(10))")
                #expect(reply.code == "badRequest")
                #expect(reply.errorMessage.contains("Idempotency-Key"))
            }
            #expect(try await driver.auditRecords().isEmpty, "a refused key applies nothing")
            let longest = try await driver.start(conversation.id, token: driver.supervisor(0), key: String(repeating: "k", count: 200))
            #expect(longest.status == 201)
        }
    }

    @Test("Audit paging parameters that are not positive integers are 400")
    func badQuery() async throws {
        try await Driver.run { driver in
            for query in ["limit=abc", "limit=0", "limit=-5", "after=x"] {
                let reply = try await driver.call(.get, "/api/v2/audit/monitoring?\(query)", token: driver.admin)
                #expect(reply.status == 400, "\(query)")
                #expect(reply.code == "badRequest")
            }
        }
    }

    @Test("Garbage bodies on every route are never a 5xx and always JSON")
    func neverAServerError() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let id = conversation.id
            let routes: [(HTTPRequest.Method, String)] = [
                (.post, "\(Self.base)/\(id)/participants/1/monitor"), (.post, "\(Self.base)/\(id)/monitor"),
                (.post, "\(Self.base)/\(id)/monitor/sessions/1/stop"), (.post, "\(Self.base)/\(id)/monitor/sessions/1/renew"),
                (.get, "\(Self.base)/\(id)/monitor/sessions/1"), (.post, Self.base), (.post, "\(Self.base)/\(id)/queue"),
                (.post, "\(Self.base)/\(id)/alerts"), (.post, "\(Self.base)/\(id)/participants/1/connect"),
                (.post, "\(Self.base)/\(id)/participants/1/disconnect"), (.post, "\(Self.base)/\(id)/participants/1/transfer"),
                (.post, "\(Self.base)/\(id)/participants/1/messages"), (.post, "\(Self.base)/\(id)/participants/1/typing"),
                (.post, "\(Self.base)/\(id)/participants/1/read"), (.post, "\(Self.base)/\(id)/participants/1/wrapup"),
                (.post, "\(Self.base)/\(id)/end"), (.post, "\(Self.base)/\(id)/abandon"), (.get, "\(Self.base)/\(id)/participants/1"),
                (.get, "\(Self.base)/\(id)/customer"), (.post, "/api/v2/authorization/roles"), (.post, "/api/v2/users"),
                (.put, "/api/v2/users/1/roles"), (.put, "/api/v2/users/1/licence"), (.put, "/api/v2/users/1/presence"),
                (.post, "/api/v2/routing/queues"), (.put, "/api/v2/routing/queues/1/members/1"),
                (.get, "/api/v2/users/1/conversations"), (.get, "/api/v2/conversations/\(id)/details"),
                (.get, "/api/v2/analytics/interactions"), (.get, "/api/v2/routing/queues/1/activity"),
                (.get, "/api/v2/audit/monitoring"),
            ]
            let bodies = ["", "null", "[]", "\"text\"", "{}", #"{"x": {"y": [1, 2, {"z": null}]}}"#, "{\u{0}}", "\u{FEFF}{}", "1e999"]
            for (method, path) in routes {
                for token in [driver.admin, driver.agent(0), conversation.customerToken] {
                    for body in bodies {
                        let reply = try await driver.call(method, path, body, token: token)
                        #expect(reply.status < 500, "\(method) \(path) \(body): \(reply.text)")
                        #expect(reply.code != nil || (200..<300).contains(reply.status), "\(method) \(path) \(body)")
                    }
                }
            }
        }
    }
}

/// Idempotency keys over the router: a retry gets the first answer's bytes, applied once.
@Suite("Idempotency over the API")
struct IdempotencyRouteTests {
    typealias Driver = RouteDriver

    @Test("M10 the same key and request get the same bytes with Idempotent-Replayed: true, applied once")
    func replay() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let first = try await driver.start(conversation.id, token: driver.supervisor(0), key: "start-1")
            #expect(first.status == 201)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let retry = try await driver.start(conversation.id, token: driver.supervisor(0), key: "start-1")
            #expect(retry.status == 201)
            #expect(retry.body == first.body)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await driver.auditActions(of: conversation.id) == ["attempted", "granted"])

            let message = try await driver.message(conversation.id, participant: 0, "once", token: conversation.customerToken, key: "m")
            let again = try await driver.message(conversation.id, participant: 0, "once", token: conversation.customerToken, key: "m")
            #expect(again.body == message.body)
            let view = try await driver.call(.get, "\(Driver.base)/\(conversation.id)/customer", token: conversation.customerToken)
            #expect((view.json["transcript"] as? [Any])?.count == 1)
        }
    }

    @Test("A refusal is replayed too: the same key after the lock is free still answers the first refusal")
    func refusalReplay() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let refused = try await driver.start(conversation.id, token: driver.supervisor(1), key: "try")
            #expect(refused.status == 409)
            #expect(try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0)).status == 200)
            let retry = try await driver.start(conversation.id, token: driver.supervisor(1), key: "try")
            #expect(retry.status == 409)
            #expect(retry.body == refused.body)
            let fresh = try await driver.start(conversation.id, token: driver.supervisor(1), key: "try-2")
            #expect(fresh.status == 201)
        }
    }

    @Test("The same key with another body or path is 422 idempotencyKeyReused and applies nothing")
    func reused() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let first = try await driver.message(conversation.id, participant: 0, "first", token: conversation.customerToken, key: "k")
            #expect(first.status == 200)
            let other = try await driver.message(conversation.id, participant: 0, "second", token: conversation.customerToken, key: "k")
            #expect(other.status == 422)
            #expect(other.code == "idempotencyKeyReused")
            #expect(other.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let otherPath = try await driver.call(
                .post, "\(Driver.base)/\(conversation.id)/participants/0/typing", token: conversation.customerToken, key: "k")
            #expect(otherPath.status == 422)
            let view = try await driver.call(.get, "\(Driver.base)/\(conversation.id)/customer", token: conversation.customerToken)
            #expect((view.json["transcript"] as? [[String: Any]])?.map { $0["body"] as? String } == ["first"])
        }
    }

    @Test("M8 the same key from another user is another key: the second supervisor is refused, not replayed")
    func keysArePerUser() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let first = try await driver.start(conversation.id, token: driver.supervisor(0), key: "shared")
            #expect(first.status == 201)
            let second = try await driver.start(conversation.id, token: driver.supervisor(1), key: "shared")
            #expect(second.status == 409)
            #expect(second.code == "alreadyMonitored")
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
        }
    }

    @Test("A directory command retried with its key is answered once: the new user's token is the same")
    func newUserReplay() async throws {
        try await Driver.run { driver in
            let body = #"{"id": 400, "displayName": "Pat", "licence": "cx3"}"#
            let first = try await driver.call(.post, "/api/v2/users", body, token: driver.admin, key: "user-400")
            #expect(first.status == 201)
            let retry = try await driver.call(.post, "/api/v2/users", body, token: driver.admin, key: "user-400")
            #expect(retry.status == 201)
            #expect(retry.json["token"] as? String == first.json["token"] as? String)
            let without = try await driver.call(.post, "/api/v2/users", body, token: driver.admin)
            #expect(without.status == 409)
            #expect(without.code == "userAlreadyExists")
        }
    }

    @Test("A guest's key must be long enough to be unguessable, and a retried creation gets its own customer token back")
    func guestKeys() async throws {
        try await Driver.run { driver in
            let body = #"{"channel": {"type": "sms"}, "customerName": "Ann"}"#
            let short = try await driver.call(.post, "/api/v2/conversations/messages", body, key: "guest-1")
            #expect(short.status == 400)
            #expect(short.code == "badRequest")
            let key = UUID().uuidString
            let first = try await driver.call(.post, "/api/v2/conversations/messages", body, key: key)
            #expect(first.status == 201)
            let retry = try await driver.call(.post, "/api/v2/conversations/messages", body, key: key)
            #expect(retry.status == 201)
            #expect(retry.body == first.body)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
        }
    }
}
