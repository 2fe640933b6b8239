import Scheduling
import Simulation
import StrategyHost
import Testing
import TestSupport

/// The host against deliberately bad plugins: each is refused or overridden,
/// and every request is still answered exactly once.
@Suite struct MisbehavingPluginTests {
    @Test(arguments: ["unknown", "duplicate", "oversized", "silent", "postpone", "expire_unknown"])
    func everyRequestIsStillAnsweredExactlyOnce(mode: String) throws {
        let plugin = try PluginLoader.load(path: try CFixture.compile("misbehaving"), config: "mode=\(mode)")
        let sim = Simulator(backend: BackendModel(batchLimit: 5, concurrency: 1, unitNs: 1_000_000), starvationBoundNs: 2_000_000_000)
        let arrivals = (0..<40).map { Arrival(client: "A", timeNs: Int64($0) * 3_000_000, length: 5 + $0 % 9) }
        let result = sim.run(arrivals, strategy: plugin)
        #expect(result.refusedAnswers > 0)
        #expect(result.records.allSatisfy { $0.outcome == .ok && $0.finishNs != nil })
        let dispatched = result.calls.flatMap(\.items)
        #expect(dispatched.sorted() == Array(0..<40))
    }

    @Test func aBadConfigIsRefusedWithThePluginsOwnMessage() throws {
        let path = try CFixture.compile("misbehaving")
        #expect {
            _ = try PluginLoader.load(path: path, config: "mode=chaos")
        } throws: { error in
            "\(error)".contains("misbehaving") && "\(error)".contains("expected mode=")
        }
    }
}
