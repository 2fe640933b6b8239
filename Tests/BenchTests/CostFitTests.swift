import BenchKit
import CostModel
import Foundation
import Testing

/// `bench fit-cost`'s core: a worker call log in, the learned law and its held-out error out.
@Suite struct CostFitTests {
    /// A call log as the worker writes it, for calls timed by `law` (±3%, deterministic).
    static func log(_ law: CostModel, calls: Int, model: String = "classifier") -> String {
        var lines: [String] = []
        var start: Int64 = 1_000_000
        for i in 0..<calls {
            let n = 1 + i % 5
            let sizes = (0..<n).map { UInt64(1 + (i * 7 + $0 * 13) % 40) }
            let jitter = 1 + 0.03 * (Double((i * 37) % 11) / 5 - 1)
            let ns = Int64(law.callNs(count: n, longest: sizes.max()!) * jitter)
            let keys = (0..<n).map { "\"\(String(format: "%016x", i * 10 + $0))\"" }.joined(separator: ",")
            lines.append(#"{"batch":\#(i + 1),"model":"\#(model)","items":\#(n),"start_ns":\#(start),"end_ns":\#(start + ns),"failed":0,"keys":[\#(keys)],"sizes":[\#(sizes.map(String.init).joined(separator: ","))]}"#)
            start += ns + 1_000
        }
        // A failed call and one from another model: neither may count.
        lines.append(#"{"batch":999,"model":"\#(model)","items":1,"start_ns":1,"end_ns":999999999999,"failed":1,"keys":["00"],"sizes":[3]}"#)
        lines.append(#"{"batch":1000,"model":"other","items":1,"start_ns":1,"end_ns":999999999999,"failed":0,"keys":["00"],"sizes":[3]}"#)
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func aLogOfSeedLawCallsFitsTheSeedLaw() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("calls-\(UUID().uuidString).jsonl").path
        try Self.log(.seed(unitMs: 0.5, callMs: 2), calls: 200).write(toFile: path, atomically: true, encoding: .utf8)
        let calls = CostFit.calls(in: try BackendCall.read(log: path), model: "classifier")
        #expect(calls.count == 200)
        let fit = CostFit.fit(calls, model: "classifier", configuration: .init(prior: .seed(unitMs: 1)))
        #expect(fit.trained == 160 && fit.errors.count == 40)
        #expect(fit.meanError < 0.05, "\(fit.lines)")
        #expect(abs(fit.learned.longestSquaredNs - 0.5e6) < 0.05 * 0.5e6, "\(fit.learned)")
        #expect(fit.lines[1].hasPrefix("  learned  "))
    }

    @Test func aBrokenLineIsNamedWithItsNumber() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("calls-\(UUID().uuidString).jsonl").path
        try (Self.log(.seed(unitMs: 1), calls: 2) + "not json\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try BackendCall.read(log: path) }
        do { _ = try BackendCall.read(log: path) } catch { #expect("\(error)".contains("\(path):5:"), "\(error)") }
    }
}
