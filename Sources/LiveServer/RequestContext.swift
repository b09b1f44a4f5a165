import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import MonitoringEngine

/// The request context of the node's router: Hummingbird's core storage, and the WebSocket handler an upgrade
/// installs.
public struct NodeRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
    }

    /// Bodies are read by the routes with their own limit (`RequestLimits.bodyBytesMaximum`); this bounds anything
    /// Hummingbird decodes itself.
    public var maxUploadSize: Int { 64 * 1024 }
}

/// What every route needs of a request: who sends it, its path's ids, its body as a bounded JSON value.
struct RequestReader {
    /// The shortest `Idempotency-Key` a guest may send: a guessed key would replay another customer's token.
    static let guestKeyCharactersMinimum = 20

    let node: Node
    let limits: RequestLimits

    /// The principal of the request's bearer token: 401 without a token or with one the node did not issue.
    func principal(_ request: Request) async throws -> Principal {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ServiceFailure.unauthenticated
        }
        guard let principal = await node.principal(forToken: String(header.dropFirst("Bearer ".count))) else {
            throw ServiceFailure(status: 401, code: "unauthenticated", message: "the bearer token is not one this node issued")
        }
        return principal
    }

    /// The user of the request's token: 403 for a customer's token.
    func user(_ request: Request) async throws -> UserID {
        switch try await principal(request) {
        case .user(let user): return user
        case .customer: throw ServiceFailure.forbidden("a customer's token cannot do this; it needs a user's token")
        }
    }

    /// The `Idempotency-Key` header, if any: at most `nameCharactersMaximum` printable ASCII characters.
    func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard !key.isEmpty, key.count <= limits.nameCharactersMaximum,
            key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7e })
        else {
            throw ServiceFailure.badRequest(
                "Idempotency-Key must be 1 to \(limits.nameCharactersMaximum) printable ASCII characters")
        }
        return key
    }

    /// A numeric id of the path: 400 when it is not a positive integer.
    func id<Kind: IdentifierKind>(_ name: String, _ context: NodeRequestContext, as: Identifier<Kind>.Type) throws
        -> Identifier<Kind>
    {
        guard let text = context.parameters.get(name), let value = UInt64(text), value > 0 else {
            throw ServiceFailure.badRequest("\(name) must be a positive integer")
        }
        return Identifier<Kind>(value)
    }

    func participant(_ context: NodeRequestContext) throws -> ParticipantID {
        guard let text = context.parameters.get("participantId"), let value = UInt32(text) else {
            throw ServiceFailure.badRequest("participantId must be an integer from 0 to \(UInt32.max)")
        }
        return ParticipantID(value)
    }

    func session(_ context: NodeRequestContext) throws -> SessionID {
        let conversation = try id("conversationId", context, as: ConversationID.self)
        guard let text = context.parameters.get("sessionId"), let token = UInt64(text), token > 0 else {
            throw ServiceFailure.badRequest("sessionId must be a positive integer (the session's fencing token)")
        }
        return SessionID(conversation: conversation, token: token)
    }

    /// An integer query parameter, or `default` when absent: 400 when it is not an integer.
    func query(_ request: Request, _ name: String, default value: Int) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = Int(text) else { throw ServiceFailure.badRequest("\(name) must be an integer") }
        return number
    }

    /// The body, at most `bodyBytesMaximum` bytes: 413 past it.
    func body(_ request: Request) async throws -> Data {
        do {
            return Data(buffer: try await request.body.collect(upTo: limits.bodyBytesMaximum))
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            // What `collect(upTo:)` throws past the limit: NIO's `NIOTooManyBytesError`, not an `HTTPError`.
            throw ServiceFailure.tooLarge(limits.bodyBytesMaximum)
        }
    }

    /// The body decoded as `T`; an empty body reads as `{}`. Malformed JSON and a wrong field are 400 with the
    /// decoder's account of where and what.
    func decode<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body.isEmpty ? Data("{}".utf8) : body)
        } catch let error as DecodingError {
            throw ServiceFailure.badRequest(error.readable)
        } catch let failure as ServiceFailure {
            throw failure
        } catch {
            throw ServiceFailure.badRequest("the body is not valid JSON")
        }
    }

    /// The method, path and body of a request, hashed: what an idempotency key is bound to.
    func fingerprint(_ request: Request, body: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method) \(request.uri.path)\n".utf8))
        hasher.update(data: body)
        return hexadecimal(hasher.finalize())
    }

    /// A new entity's id from a body: positive, as the path ids that later name it must be (`id`); 400 for 0.
    func positive<Kind: IdentifierKind>(_ id: Identifier<Kind>, _ field: String) throws -> Identifier<Kind> {
        guard id.rawValue > 0 else { throw ServiceFailure.badRequest("\(field) must be a positive integer") }
        return id
    }

    /// Checks a client string against a limit: 400 past it.
    func bounded(_ text: String, _ field: String, maximum: Int? = nil) throws -> String {
        let limit = maximum ?? limits.nameCharactersMaximum
        guard text.count <= limit else { throw ServiceFailure.badRequest("\(field) is longer than \(limit) characters") }
        return text
    }

    func bounded<T>(_ list: [T], _ field: String) throws -> [T] {
        guard list.count <= limits.listCountMaximum else {
            throw ServiceFailure.badRequest("\(field) has more than \(limits.listCountMaximum) items")
        }
        return list
    }
}

extension DecodingError {
    /// Where in the body and what was wrong, in one line.
    var readable: String {
        func path(_ context: Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "the body" : "body" + path
        }
        switch self {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type); \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context)): the field \"\(key.stringValue)\" is required"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.localizedDescription
            return "\(path(context)): \(context.debugDescription)" + (underlying.map { " (\($0))" } ?? "")
        @unknown default: return "the body could not be read"
        }
    }
}

extension Answer {
    /// The HTTP response: the JSON body, and `Idempotent-Replayed: true` on a retry answered from the first answer.
    func response(replayed: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: body)))
    }
}
