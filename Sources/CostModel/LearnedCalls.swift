import Foundation

/// The calls a model's `CostLearner` remembers, kept in a file so that a
/// scheduler started again (after a crash, or a whole new Ferry given the
/// same folder) resumes the law it had learned instead of starting from the
/// prior, whose first calls would be batched blind.
///
/// What is kept is the raw measurements, not the fitted law: a resumed
/// learner refits them under its own terms and prior. They are only valid
/// for what they were measured on, so the file names it (`source`: the
/// backend and what an item's size counts); a file made for another source
/// is not used.
public struct LearnedCalls: Codable, Equatable, Sendable {
    /// Bumped when the layout changes; another format is not read.
    public static let currentFormat = 1

    /// The file a model's calls are kept in, in the learned-calls folder.
    public static func fileName(model: String) -> String { "learned-calls-\(model).json" }

    public var format: Int
    public var model: String
    /// What the calls were measured on ("oip grpc://… model classifier; item size: words").
    public var source: String
    /// Each call as `[items, longest item's size, service time in ns]`, oldest first.
    public var calls: [[Int64]]

    public init(model: String, source: String, calls: [CostLearner.Call]) {
        format = Self.currentFormat
        self.model = model
        self.source = source
        self.calls = calls.map { [Int64($0.count), Int64(clamping: $0.longest), $0.serviceNs] }
    }

    /// The calls, for `CostLearner.resume`; rows that are not three
    /// non-negative numbers are left out (a hand-edited file).
    public var learnerCalls: [CostLearner.Call] {
        calls.compactMap { row in
            guard row.count == 3, row.allSatisfy({ $0 >= 0 }) else { return nil }
            return CostLearner.Call(count: Int(row[0]), longest: UInt64(row[1]), serviceNs: row[2])
        }
    }

    /// The file at `path`; nil when there is none (a first start).
    public static func read(from path: String) throws(LearnedCallsError) -> LearnedCalls? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let kept: LearnedCalls
        do { kept = try JSONDecoder().decode(LearnedCalls.self, from: data) } catch {
            throw .unreadable(path: path, reason: "not a learned-calls file (\(error))")
        }
        guard kept.format == currentFormat else {
            throw .unreadable(path: path, reason: "format \(kept.format), but this Ferry reads format \(currentFormat)")
        }
        return kept
    }

    /// Writes the file whole or not at all (a temporary file renamed over
    /// it), so a crash mid-write leaves the last complete one.
    public func write(to path: String) throws(LearnedCallsError) {
        let temporary = "\(path).\(getpid()).tmp"
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(self).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw LearnedCallsError.unwritable(path: path, reason: reason)
            }
        } catch let error as LearnedCallsError {
            throw error
        } catch {
            unlink(temporary)
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }
}

/// Why a learned-calls file could not be used or kept; names the file.
public enum LearnedCallsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "learned calls \(path): \(reason)"
        case let .unwritable(path, reason): "learned calls \(path) not written: \(reason)"
        }
    }
}
