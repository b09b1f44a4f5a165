/// A set with O(1) insert, remove and uniform random pick, in a deterministic order: an array
/// plus each element's position. Removal swaps the last element in.
struct IndexedSet<Element: Hashable & Sendable>: Sendable {
    private(set) var elements: [Element] = []
    private var positions: [Element: Int] = [:]

    var count: Int { elements.count }
    var isEmpty: Bool { elements.isEmpty }

    mutating func insert(_ element: Element) {
        guard positions[element] == nil else { return }
        positions[element] = elements.count
        elements.append(element)
    }

    mutating func remove(_ element: Element) {
        guard let position = positions.removeValue(forKey: element) else { return }
        let last = elements.removeLast()
        if position < elements.count {
            elements[position] = last
            positions[last] = position
        }
    }

    subscript(position: Int) -> Element { elements[position] }
}
