import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        guard access(path, R_OK) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
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

    /// The file's bytes: the same JSON `JSONEncoder` makes (sorted keys),
    /// written by hand because the calls are integers and it runs on the
    /// scheduler's loop once a second (JSONEncoder took milliseconds for 256 calls).
    func encoded() -> [UInt8] {
        func quoted(_ text: String) -> String {
            (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        var out = "{\"calls\":["
        out.reserveCapacity(64 + calls.count * 24)
        for (index, row) in calls.enumerated() {
            if index > 0 { out += "," }
            out += "[" + row.map(String.init).joined(separator: ",") + "]"
        }
        out += "],\"format\":\(format),\"model\":\(quoted(model)),\"source\":\(quoted(source))}"
        return Array(out.utf8)
    }

    /// Writes the file whole or not at all: a temporary file of its own (two
    /// writers on one folder never mix their bytes) renamed over it, so a
    /// crash mid-write leaves the last complete one.
    public func write(to path: String) throws(LearnedCallsError) {
        let temporary = "\(path).\(UUID().uuidString).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        let bytes = encoded()
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        let reason = written ? nil : String(cString: strerror(errno))
        close(fd)
        guard written, rename(temporary, path) == 0 else {
            let why = reason ?? String(cString: strerror(errno))
            unlink(temporary)
            throw .unwritable(path: path, reason: why)
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
