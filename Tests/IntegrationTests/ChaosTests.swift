import BenchKit
import Foundation
import Testing
import TestSupport

/// The chaos soak as a CI gate (issue: "Nothing lost when children die in
/// any order"): a bounded, seeded soak over the real processes that injects
/// every fault kind, and asserts only on what Ferry promises — never on timing.
@Suite(.serialized) struct ChaosTests {
    @Test func nothingLostWhenChildrenDieInAnyOrder() async throws {
        var options = ChaosOptions()
        options.durationS = 30
        options.seed = 7
        // The schedule's first round is each kind once; this keeps injecting
        // past 30 s until that round is done, so every kind runs however slow
        // the machine is.
        options.coverAllKinds = true
        // The defaults (40 requests/s, calls of 5–190 ms) keep the backend
        // about two thirds busy, so kills land mid-call, where the defects were.
        options.supervisorPath = try BuildProducts.executable("supervisor")
        options.strategy = try BuildProducts.plugin("sjf")
        options.out = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-chaos-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: options.out) }
        let report = try await ChaosRunner(options: options).run()
        print(report.text)
        #expect(Set(report.faults.map(\.kind)) == Set(FaultKind.allCases), "kinds injected: \(report.faults.map(\.kind.rawValue))")
        #expect(report.sent > 0 && report.right > 0)
        #expect(report.lost == 0)
        #expect(report.answeredTwice == 0)
        #expect(report.wrong == 0)
        #expect(report.unexpectedErrors == 0, "\(report.errorAnswers.filter { !$0.expected })")
        #expect(report.orphans == 0)
        #expect(report.supervisorExits.isEmpty, "\(report.supervisorExits)")
        if report.executions.measured {
            #expect(report.executions.answeredWithoutRunning == 0)
        }
    }
}
