/// The last `capacity` values appended (in no particular order once full:
/// the fit and the mean do not care), the oldest overwritten.
struct Recent<Element: Sendable>: Sendable {
    let capacity: Int
    private(set) var items: [Element] = []
    private var next = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// The items, oldest first.
    var inOrder: [Element] { items.count < capacity ? items : Array(items[next...] + items[..<next]) }

    mutating func append(_ element: Element) {
        if items.count < capacity {
            items.append(element)
        } else {
            items[next] = element
            next = (next + 1) % capacity
        }
    }
}
