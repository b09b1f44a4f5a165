import Foundation

/// The API's OpenAPI 3.1 document, committed beside the code (`Sources/LiveServer/openapi.json`) and served at
/// `/openapi.json`; a test checks that it and the router name the same routes.
public enum OpenAPIDocument {
    public static let json: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { preconditionFailure("the OpenAPI document is missing from the LiveServer bundle") }
        return data
    }()
}
