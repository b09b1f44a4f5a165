// libyaml's event parser, which Yams composes its nodes from. Yams declares it an internal module; this file reads
// its events directly, before Yams composes, because composing a file of nested aliases can itself take for ever:
// Yams checks each mapping for duplicate keys by hashing the keys, and a key that is an alias to nested aliases
// (`? *b9 : x`, where *b9 names ten *b8s, each ten *b7s…) is hashed node by node once expanded.
import CYaml

extension ScenarioLoader {
    /// Where the file passes `limit` values once each alias (`*name`) is replaced by what it names, counted as
    /// `overflow` counts a composed node (one per scalar, list and mapping, keys included); nil for a file that
    /// stays within it, and for one libyaml cannot parse (Yams then reports the mistake at its position). The
    /// count runs over libyaml's events in one pass, remembering the expanded size of each anchored node, so a
    /// file is measured in time proportional to its length however far its aliases would expand.
    static func aliasExpansionPasses(_ limit: Int, in text: String) -> (line: Int, column: Int)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> (line: Int, column: Int)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            /// The expanded size of each anchored node read so far; a later anchor of the same name replaces it.
            var anchored: [String: Int] = [:]
            /// The open lists and mappings, innermost last: the anchor each carries and its size so far.
            var open: [(anchor: String?, size: Int)] = []
            var count = 0
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let mark = event.start_mark
                var closed: (anchor: String?, size: Int)?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_DOCUMENT_START_EVENT:
                    count = 0
                case YAML_SCALAR_EVENT:
                    closed = (name(event.data.scalar.anchor), 1)
                    count += 1
                case YAML_ALIAS_EVENT:
                    let size = name(event.data.alias.anchor).flatMap { anchored[$0] } ?? 1
                    closed = (nil, size)
                    count += size
                case YAML_SEQUENCE_START_EVENT:
                    open.append((name(event.data.sequence_start.anchor), 1))
                    count += 1
                case YAML_MAPPING_START_EVENT:
                    open.append((name(event.data.mapping_start.anchor), 1))
                    count += 1
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    closed = open.popLast()
                default:
                    break
                }
                if let closed {
                    if let anchor = closed.anchor { anchored[anchor] = closed.size }
                    if !open.isEmpty { open[open.count - 1].size += closed.size }
                }
                if count > limit { return (Int(mark.line) + 1, Int(mark.column) + 1) }
            }
            return nil
        }
    }

    private static func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        anchor.map { String(cString: $0) }
    }
}
