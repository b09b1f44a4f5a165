import Foundation

/// A PNG file decoded to pixels: enough of the format to look at a browser's screenshot (8-bit greyscale, RGB or
/// RGBA, not interlaced), with zlib's inflate written out here since Foundation offers none on Linux.
struct PNGImage {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var width: Int
    var height: Int
    /// Bytes per pixel: 1 (grey), 3 (RGB) or 4 (RGBA).
    var channels: Int
    /// Rows of `width * channels` bytes, unfiltered.
    var pixels: [UInt8]

    /// The red, green and blue of the pixel at (x, y).
    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let offset = (y * width + x) * channels
        if channels < 3 { return (pixels[offset], pixels[offset], pixels[offset]) }
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }

    init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Failure(description: "not a PNG file")
        }
        var offset = 8
        var compressed: [UInt8] = []
        var header: (width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8)?
        func integer(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        while offset + 8 <= bytes.count {
            let length = integer(offset)
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let body = offset + 8
            guard body + length + 4 <= bytes.count else { throw Failure(description: "chunk \(type) runs past the end") }
            switch type {
            case "IHDR":
                header = (integer(body), integer(body + 4), bytes[body + 8], bytes[body + 9], bytes[body + 12])
            case "IDAT":
                compressed += bytes[body..<body + length]
            default:
                break
            }
            offset = body + length + 4
            if type == "IEND" { break }
        }
        guard let header else { throw Failure(description: "no IHDR chunk") }
        guard header.depth == 8, header.interlace == 0 else { throw Failure(description: "only 8-bit, non-interlaced images are read") }
        switch header.colour {
        case 0: channels = 1
        case 2: channels = 3
        case 6: channels = 4
        default: throw Failure(description: "colour type \(header.colour) is not read")
        }
        width = header.width
        height = header.height
        guard compressed.count > 2 else { throw Failure(description: "no image data") }
        let raw = try Inflate.decompress(Array(compressed.dropFirst(2)))
        let stride = width * channels
        guard raw.count >= height * (stride + 1) else { throw Failure(description: "image data is short: \(raw.count) bytes") }
        pixels = [UInt8](repeating: 0, count: height * stride)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            let source = row * (stride + 1) + 1
            let target = row * stride
            for column in 0..<stride {
                let value = raw[source + column]
                let left = column >= channels ? Int(pixels[target + column - channels]) : 0
                let up = row > 0 ? Int(pixels[target - stride + column]) : 0
                let upLeft = row > 0 && column >= channels ? Int(pixels[target - stride + column - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = left
                case 2: predicted = up
                case 3: predicted = (left + up) / 2
                case 4:
                    let estimate = left + up - upLeft
                    let (a, b, c) = (abs(estimate - left), abs(estimate - up), abs(estimate - upLeft))
                    predicted = a <= b && a <= c ? left : b <= c ? up : upLeft
                default: throw Failure(description: "unknown filter \(filter) on row \(row)")
                }
                pixels[target + column] = UInt8(truncatingIfNeeded: Int(value) + predicted)
            }
        }
    }
}

/// DEFLATE (RFC 1951) decompression, after Mark Adler's puff.
enum Inflate {
    struct Failure: Error {}

    private struct Bits {
        let bytes: [UInt8]
        var position = 0
        var buffer = 0
        var count = 0

        mutating func take(_ needed: Int) throws -> Int {
            while count < needed {
                guard position < bytes.count else { throw Failure() }
                buffer |= Int(bytes[position]) << count
                position += 1
                count += 8
            }
            let value = buffer & ((1 << needed) - 1)
            buffer >>= needed
            count -= needed
            return value
        }

        mutating func alignToByte() {
            buffer = 0
            count = 0
        }
    }

    /// Canonical Huffman code: how many codes of each length, and the symbols in code order.
    private struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        init(lengths: [Int]) {
            symbols = [Int](repeating: 0, count: lengths.count)
            for length in lengths { counts[length] += 1 }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }

        func decode(_ bits: inout Bits) throws -> Int {
            var code = 0
            var first = 0
            var index = 0
            for length in 1..<16 {
                code |= try bits.take(1)
                let count = counts[length]
                if code - count < first { return symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw Failure()
        }
    }

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var bits = Bits(bytes: input)
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var last = 0
        repeat {
            last = try bits.take(1)
            switch try bits.take(2) {
            case 0:
                bits.alignToByte()
                guard bits.position + 4 <= input.count else { throw Failure() }
                let length = Int(input[bits.position]) | Int(input[bits.position + 1]) << 8
                bits.position += 4
                guard bits.position + length <= input.count else { throw Failure() }
                output += input[bits.position..<bits.position + length]
                bits.position += length
            case 1:
                let lengths =
                    [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8)
                try codes(&bits, &output, Huffman(lengths: lengths), Huffman(lengths: [Int](repeating: 5, count: 30)))
            case 2:
                let literalCount = try bits.take(5) + 257
                let distanceCount = try bits.take(5) + 1
                let codeCount = try bits.take(4) + 4
                let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                var codeLengths = [Int](repeating: 0, count: 19)
                for index in 0..<codeCount { codeLengths[order[index]] = try bits.take(3) }
                let lengthCode = Huffman(lengths: codeLengths)
                var lengths: [Int] = []
                while lengths.count < literalCount + distanceCount {
                    let symbol = try lengthCode.decode(&bits)
                    switch symbol {
                    case 0..<16: lengths.append(symbol)
                    case 16:
                        guard let previous = lengths.last else { throw Failure() }
                        lengths += [Int](repeating: previous, count: 3 + (try bits.take(2)))
                    case 17: lengths += [Int](repeating: 0, count: 3 + (try bits.take(3)))
                    default: lengths += [Int](repeating: 0, count: 11 + (try bits.take(7)))
                    }
                }
                try codes(
                    &bits, &output, Huffman(lengths: Array(lengths[0..<literalCount])),
                    Huffman(lengths: Array(lengths[literalCount..<literalCount + distanceCount])))
            default:
                throw Failure()
            }
        } while last == 0
        return output
    }

    private static func codes(_ bits: inout Bits, _ output: inout [UInt8], _ literals: Huffman, _ distances: Huffman) throws {
        while true {
            let symbol = try literals.decode(&bits)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < lengthBase.count else { throw Failure() }
                let length = lengthBase[index] + (try bits.take(lengthExtra[index]))
                let distanceSymbol = try distances.decode(&bits)
                guard distanceSymbol < distanceBase.count else { throw Failure() }
                let distance = distanceBase[distanceSymbol] + (try bits.take(distanceExtra[distanceSymbol]))
                guard distance <= output.count else { throw Failure() }
                let start = output.count - distance
                for step in 0..<length { output.append(output[start + step]) }
            }
        }
    }
}
