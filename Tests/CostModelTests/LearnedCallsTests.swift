@testable import CostModel
import Foundation
import Testing

/// A learner's calls kept in a file and taken up again by the next one.
@Suite struct LearnedCallsTests {
    static let truth = CostModel.seed(unitMs: 0.002, callMs: 5)

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("learned-\(UUID().uuidString).json").path
    }

    /// A learner resumed from another's remembered calls predicts as the
    /// other would after fitting the same calls, and remembers them in the
    /// same order (the window's ring, read oldest first).
    @Test func aResumedLearnerTakesUpWhereTheEarlierOneLeftOff() {
        let configuration = CostLearner.Configuration(prior: .seed(unitMs: 1), window: 16)
        var earlier = CostLearner(configuration)
        let calls = CostLearnerTests.calls(40, law: Self.truth, seed: 3)
        for call in calls { earlier.observe(call) }
        #expect(earlier.recentCalls == Array(calls.suffix(16)))

        var later = CostLearner(configuration)
        later.resume(earlier.recentCalls)
        #expect(later.recentCalls == earlier.recentCalls)
        #expect(later.model == CostLearner.fit(Array(calls.suffix(16)), configuration))
        for m: UInt64 in [5, 30, 60] {
            #expect(CostLearnerTests.close(later.model.callNs(count: 3, longest: m), Self.truth.callNs(count: 3, longest: m), within: 0.05))
        }
        #expect(later.observations == 16 && later.recentError != nil)
    }

    @Test func theFileRoundTripsAndNamesItsSource() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try LearnedCalls.read(from: path) == nil, "no file: a first start")
        let calls = CostLearnerTests.calls(20, law: Self.truth)
        let kept = LearnedCalls(model: "m", source: "simulated; item size: characters", calls: calls)
        try kept.write(to: path)
        let read = try #require(try LearnedCalls.read(from: path))
        #expect(read == kept && read.learnerCalls == calls)
        let folder = (path as NSString).deletingLastPathComponent
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix((path as NSString).lastPathComponent + ".") }
        #expect(left.isEmpty, "the temporary file was renamed: \(left)")
    }

    /// The hand-written bytes are JSONEncoder's (sorted keys), quotes and
    /// slashes in the names included.
    @Test func theFileIsWhatJSONEncoderWouldWrite() throws {
        let kept = LearnedCalls(model: "m-1.v2", source: "oip grpc://127.0.0.1:8001 model \"x\"; item size: words",
                                calls: CostLearnerTests.calls(5, law: Self.truth))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: kept.encoded(), as: UTF8.self) == String(decoding: try encoder.encode(kept), as: UTF8.self))
        #expect(LearnedCalls(model: "m", source: "s", calls: []).encoded() == Array(#"{"calls":[],"format":1,"model":"m","source":"s"}"#.utf8))
    }

    /// A large window is taken up with a few fits, not one per call: the
    /// same law as one fit over every call, the last 64 scored as live.
    @Test func aLargeWindowIsResumedWithOneFitOverAll() {
        let configuration = CostLearner.Configuration(prior: .seed(unitMs: 1), window: 2_000)
        let calls = CostLearnerTests.calls(2_000, law: Self.truth, seed: 5)
        var learner = CostLearner(configuration)
        learner.resume(calls)
        #expect(learner.observations == 2_000 && learner.recentCalls == calls)
        #expect(learner.model == CostLearner.fit(calls, configuration))
        #expect((learner.recentError ?? 1) < 0.10, "the last 64, predicted from the fit of the rest: \(String(describing: learner.recentError))")
    }

    /// A file that is not one, or of another format, is refused with its
    /// path and why; rows that are not calls are left out.
    @Test func aBadFileIsRefusedWithItsPathAndAnOddRowLeftOut() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try LearnedCalls.read(from: path)
        } throws: { "\($0)".hasPrefix("learned calls \(path): not a learned-calls file") }
        try Data(#"{"format":2,"model":"m","source":"s","calls":[]}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try LearnedCalls.read(from: path)
        } throws: { "\($0)" == "learned calls \(path): format 2, but this Ferry reads format 1" }
        try Data(#"{"format":1,"model":"m","source":"s","calls":[[2,10,5000000],[1,-3,7],[4,9]]}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try LearnedCalls.read(from: path)?.learnerCalls == [.init(count: 2, longest: 10, serviceNs: 5_000_000)])
    }

    @Test func aFileThatCannotBeWrittenSaysWhere() {
        let path = "/nonexistent-\(UUID().uuidString)/learned-calls-m.json"
        #expect {
            try LearnedCalls(model: "m", source: "s", calls: []).write(to: path)
        } throws: { "\($0)" == "learned calls \(path) not written: No such file or directory" }
    }
}
