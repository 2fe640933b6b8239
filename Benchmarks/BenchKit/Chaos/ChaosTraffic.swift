import Foundation

/// The soak's seeded open-loop traffic: each client sends Poisson arrivals at
/// `rate / clients`, whatever happened to its earlier requests.
///
/// Every text is unique (it starts with the request's number, ended by the
/// first non-digit) and its right label is known by construction, so any
/// answer can be checked and any backend execution traced back to one
/// request. Client 0 sends short texts (5–12 characters), the others longer
/// ones (10–25), as the seed's clients A and B.
public struct ChaosTraffic: Sendable {
    /// One request of the schedule.
    public struct Request: Sendable {
        public let number: Int
        public let client: String
        public let text: String
        /// Whether the right answer is "code".
        public let isCode: Bool
        /// When to send it, from the start of the soak.
        public let atNs: Int64
        public var expected: String { isCode ? "code" : "not code" }
    }

    /// One client's endless stream, from its own generator: the same seed
    /// gives the same requests in the same order, however long the run.
    public struct Client: Sendable {
        public let index: Int
        public let name: String
        let lengths: ClosedRange<Int>
        let meanGapNs: Double
        var rng: SplitMix64
        var clockNs: Double = 0
        var sent = 0
        let clients: Int

        /// The next request; numbers interleave across clients (client i
        /// numbers i, i + clients, …) so they are unique without sharing state.
        public mutating func next() -> Request {
            clockNs += -log(1 - rng.unit()) * meanGapNs
            let number = sent * clients + index
            sent += 1
            let isCode = rng.unit() < 0.5
            let length = lengths.lowerBound + Int(rng.next() % UInt64(lengths.count))
            return Request(number: number, client: name, text: Self.text(number: number, length: length, isCode: isCode, rng: &rng),
                           isCode: isCode, atNs: Int64(clockNs))
        }

        /// Filler letters exclude those of "def " and "class " (a, c, d, e,
        /// f, l, s) and digits, so a not-code text can never look like code
        /// and the number ends at the first non-digit.
        static let letters = Array("bghijkmnopqrtuvwxyz")

        static func text(number: Int, length: Int, isCode: Bool, rng: inout SplitMix64) -> String {
            var out = String(number)
            // Code texts carry a `{` or `;` right after the number; others a space.
            out.append(isCode ? (rng.next() % 2 == 0 ? "{" : ";") : " ")
            while out.count < length {
                out.append(rng.next() % 5 == 0 ? " " : letters[Int(rng.next() % UInt64(letters.count))])
            }
            return out
        }
    }

    public let clients: [Client]

    public init(seed: UInt64, rate: Double, clients count: Int) {
        clients = (0..<count).map { i in
            Client(index: i, name: "c\(i)", lengths: i == 0 ? 5...12 : 10...25, meanGapNs: 1e9 * Double(count) / rate,
                   rng: SplitMix64(seed: seed &* 0x9E37_79B9 &+ UInt64(i) &+ 0x5EED), clients: count)
        }
    }
}
