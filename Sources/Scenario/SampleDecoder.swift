/// A decoder that makes a value of any `Decodable` type with every number zero, every Boolean false, every
/// string empty, every optional present and every list empty, and dictionaries with the keys `sampleKeys` gives
/// for their dotted path.
///
/// Encoding such a sample lists every path the type's JSON can have, so the paths an `expect:` block may name
/// follow `RunSummary` as it changes, without a copy of its fields to keep in step.
struct SampleDecoder: Decoder {
    var codingPath: [any CodingKey]
    let sampleKeys: [String: [String]]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [any CodingKey] = [], sampleKeys: [String: [String]]) {
        self.codingPath = codingPath
        self.sampleKeys = sampleKeys
    }

    var dottedPath: String { codingPath.map(\.stringValue).joined(separator: ".") }

    func child(_ key: any CodingKey) -> SampleDecoder {
        SampleDecoder(codingPath: codingPath + [key], sampleKeys: sampleKeys)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { Unkeyed(codingPath: codingPath) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: SampleDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }
        var allKeys: [Key] { (decoder.sampleKeys[decoder.dottedPath] ?? []).compactMap(Key.init(stringValue:)) }

        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { false }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { "" }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { 0 }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { 0 }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { 0 }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { 0 }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { 0 }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { 0 }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { 0 }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { 0 }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { 0 }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { 0 }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { 0 }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { 0 }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try T(from: decoder.child(key)) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder.child(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder.child(key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder.child(key) }
    }

    /// An empty list.
    struct Unkeyed: UnkeyedDecodingContainer {
        var codingPath: [any CodingKey]
        var count: Int? { 0 }
        var isAtEnd: Bool { true }
        var currentIndex: Int { 0 }

        private func end<T>() throws -> T {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: codingPath, debugDescription: "a sample list is empty"))
        }

        mutating func decodeNil() throws -> Bool { try end() }
        mutating func decode(_ type: Bool.Type) throws -> Bool { try end() }
        mutating func decode(_ type: String.Type) throws -> String { try end() }
        mutating func decode(_ type: Double.Type) throws -> Double { try end() }
        mutating func decode(_ type: Float.Type) throws -> Float { try end() }
        mutating func decode(_ type: Int.Type) throws -> Int { try end() }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try end() }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try end() }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try end() }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try end() }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try end() }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try end() }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try end() }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try end() }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try end() }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try end() }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try end()
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try end() }
        mutating func superDecoder() throws -> any Decoder { try end() }
    }

    /// A single zero, false or empty value.
    struct Single: SingleValueDecodingContainer {
        let decoder: SampleDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { false }
        func decode(_ type: Bool.Type) throws -> Bool { false }
        func decode(_ type: String.Type) throws -> String { "" }
        func decode(_ type: Double.Type) throws -> Double { 0 }
        func decode(_ type: Float.Type) throws -> Float { 0 }
        func decode(_ type: Int.Type) throws -> Int { 0 }
        func decode(_ type: Int8.Type) throws -> Int8 { 0 }
        func decode(_ type: Int16.Type) throws -> Int16 { 0 }
        func decode(_ type: Int32.Type) throws -> Int32 { 0 }
        func decode(_ type: Int64.Type) throws -> Int64 { 0 }
        func decode(_ type: UInt.Type) throws -> UInt { 0 }
        func decode(_ type: UInt8.Type) throws -> UInt8 { 0 }
        func decode(_ type: UInt16.Type) throws -> UInt16 { 0 }
        func decode(_ type: UInt32.Type) throws -> UInt32 { 0 }
        func decode(_ type: UInt64.Type) throws -> UInt64 { 0 }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try T(from: decoder)
        }
    }
}
