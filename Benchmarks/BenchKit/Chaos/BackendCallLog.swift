import Foundation

/// The worker's call log (`--worker-call-log`), read for how many times each
/// payload ran on the backend. Each line names its items by key: FNV-1a
/// 64-bit of the payload bytes, 16 hex digits.
struct BackendCallLog {
    struct Line: Decodable {
        let items: Int
        let failed: Int?
        let keys: [String]?
    }

    /// Runs per key (failed runs count too: the backend still ran the item).
    let runs: [UInt64: Int]
    let calls: Int
    /// False when the log's lines carry no keys (a worker before they were added).
    let hasKeys: Bool

    init(path: String) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var runs: [UInt64: Int] = [:]
        var calls = 0, keyed = 0
        for raw in text.split(separator: "\n") {
            guard let line = try? JSONDecoder().decode(Line.self, from: Data(raw.utf8)) else { continue }
            calls += 1
            guard let keys = line.keys else { continue }
            keyed += 1
            for key in keys { if let k = UInt64(key, radix: 16) { runs[k, default: 0] += 1 } }
        }
        self.runs = runs
        self.calls = calls
        hasKeys = calls == 0 || keyed > 0
    }

    /// How many times `text` ran.
    func runs(of text: String) -> Int { runs[Self.key(text)] ?? 0 }

    /// FNV-1a, 64 bits, over the text's UTF-8 bytes: the worker's payload key.
    static func key(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
