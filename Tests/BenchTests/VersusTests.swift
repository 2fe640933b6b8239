@testable import BenchKit
import CostModel
import Foundation
import Simulation
import Testing
import TestSupport

/// `bench versus`'s pieces, and one whole run against real Tritons.
@Suite struct VersusPiecesTests {
    @Test func aFasterRateShrinksEveryTimeAlike() {
        let arrivals = [Arrival(client: "A", timeNs: 1_000, length: 5), Arrival(client: "B", timeNs: 3_000, length: 9, afterGroup: 0)]
        let twice = VersusRunner.scaled(arrivals, by: 2)
        #expect(twice.map(\.timeNs) == [500, 1_500] && twice.map(\.length) == [5, 9] && twice[1].afterGroup == 0)
        #expect(VersusRunner.scaled(arrivals, by: 1) == arrivals)
    }

    /// Every second repetition runs the systems in reverse: a machine that
    /// slows during the run weighs on the first and the last system alike.
    @Test func everySecondRepetitionRunsTheSystemsInReverse() {
        let systems: [VersusSystem] = [.tritonBatcher(delayUs: 0), .tritonAlone, .ferryOneACall(), .ferry(strategy: "sjf")]
        #expect(VersusRunner.order(systems, rep: 1) == systems)
        #expect(VersusRunner.order(systems, rep: 2) == [.ferry(strategy: "sjf"), .ferryOneACall(), .tritonAlone, .tritonBatcher(delayUs: 0)])
        #expect(VersusRunner.order(systems, rep: 3) == systems)
        // Over two repetitions every system has the same mean place.
        let places = systems.map { s in [1, 2].map { VersusRunner.order(systems, rep: $0).firstIndex(of: s)! }.reduce(0, +) }
        #expect(Set(places).count == 1)
    }

    /// `--count-scale`: every shape sends N times as many requests at the
    /// same pace.
    @Test func aLengthenedWorkloadSendsMoreAtTheSamePace() throws {
        let workload = try Workload.load(path: Repository.root.appendingPathComponent("Benchmarks/workloads/minilm-mix.toml").path)
        var mixed = workload
        mixed.clients += try ["bursts", "paced", "serial"].map { shape in
            var c = try #require(workload.clients.first)
            c.name = shape
            c.shape = shape
            (c.bursts, c.perBurst, c.pauseBursts, c.count) = shape == "serial" ? (nil, nil, nil, 5) : (3, 4, 1, nil)
            c.gapMs = [1, 2]
            c.pauseMs = [10, 20]
            return c
        }
        let longer = mixed.lengthened(by: 4)
        #expect(longer.clients.map(\.requestCount) == mixed.clients.map { $0.requestCount * 4 })
        #expect(mixed.clients.map(\.requestCount) == [400, 50, 12, 12, 5])
        let (short, long) = (mixed.arrivals(seed: 3), longer.arrivals(seed: 3))
        for client in mixed.clients.map(\.name) {
            let (a, b) = (short.filter { $0.client == client }, long.filter { $0.client == client })
            #expect(b.count == 4 * a.count, "\(client)")
            // The same pace: the mean gap between arrivals within a fifth (the trace is random).
            if let last = b.last, client == "A" || client == "B" {
                let (gapShort, gapLong) = (Double(a.last!.timeNs) / Double(a.count), Double(last.timeNs) / Double(b.count))
                #expect(abs(gapLong / gapShort - 1) < 0.2, "\(client): \(gapShort) against \(gapLong) ns")
            }
        }
        #expect(mixed.lengthened(by: 1).clients.map(\.requestCount) == mixed.clients.map(\.requestCount))
    }

    @Test func wordTextsHaveTheirTokenCountAndVary() {
        // Words of the vocabulary are one token each; [CLS] and [SEP] make the other two.
        for tokens in [3, 8, 40, 256] {
            #expect(LiveTexts.words(index: 7, tokens: tokens).split(separator: " ").count == tokens - 2)
        }
        #expect(LiveTexts.words(index: 1, tokens: 12) != LiveTexts.words(index: 2, tokens: 12))
        #expect(LiveTexts.expected("anything", texts: .words) == "embedding")
    }

    @Test func theLawPriorIsTheWorkloadsOwnAndMiniLMStaysNeutral() throws {
        let workloads = Repository.root.appendingPathComponent("Benchmarks/workloads")
        let seed = try Workload.load(path: workloads.appendingPathComponent("seed-mix.toml").path)
        let fixed = try Workload.load(path: workloads.appendingPathComponent("llm-fixed.toml").path)
        let minilm = try Workload.load(path: workloads.appendingPathComponent("minilm-mix.toml").path)
        func prior(_ w: Workload, _ p: CostPrior) -> [String] {
            let a = VersusRunner.ferryArguments(w, upstream: "grpc://127.0.0.1:1", config: "m.toml", prior: p)
            let unit = a.firstIndex(of: "--unit-ms")!, call = a.firstIndex(of: "--call-ms")!
            return [a[unit + 1], a[call + 1]]
        }
        #expect(prior(seed, .neutral) == ["0", "5"])
        #expect(prior(seed, .law) == ["\(seed.backend.unitMs)", "\(seed.backend.callMs ?? 0)"] && seed.backend.unitMs == 1)
        #expect(prior(fixed, .law) == ["\(fixed.backend.unitMs)", "\(fixed.backend.callMs ?? 0)"] && (fixed.backend.callMs ?? 0) > 0)
        #expect(prior(minilm, .law) == ["0", "5"])
    }

    @Test func anEmbeddingIsRowsOf384UnitLengthFloats() {
        let unit = [Float](repeating: 0, count: 383) + [1]
        #expect(LiveTexts.embeddingLabel(unit + unit) == "embedding")
        #expect(LiveTexts.embeddingLabel(Array(unit.dropLast())) == "bad embedding")
        #expect(LiveTexts.embeddingLabel([Float](repeating: 0, count: 384)) == "bad embedding")
        #expect(LiveTexts.embeddingLabel([]) == "bad embedding")
    }
}

@Suite(.serialized) struct VersusCommandTests {
    /// A small trace through every kind of system: Triton's batcher, Triton
    /// alone, and Ferry (one item a call, and batching) in front of the
    /// unbatched Triton, over its gRPC and its HTTP face; every request
    /// answered with the right label by each, and the files written.
    @Test func everySystemAnswersTheSameTraceRight() async throws {
        try await Self.versusOnTinyWorkload(["--prior", "neutral,law", "--pipeline", "0,1", "--upstream-protocol", "grpc,http", "--reps", "1"]) { status, text, out in
            #expect(status == 0, "\(text.suffix(3000))")
            let runs = try JSONDecoder().decode([VersusRunner.Run].self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/versus.json")))
            // Ferry's default depth, 1, goes unnamed; 0 is named.
            #expect(runs.map(\.system) == ["Triton dynamic batcher, delay 0 µs", "Triton alone, no batching",
                                           "Ferry, one item a call, pipeline 0 → Triton (batching off)", "Ferry sjf, pipeline 0 → Triton (batching off)",
                                           "Ferry sjf, prior: the law, pipeline 0 → Triton (batching off)",
                                           "Ferry, one item a call → Triton (batching off)", "Ferry sjf → Triton (batching off)",
                                           "Ferry sjf, prior: the law → Triton (batching off)",
                                           "Ferry, one item a call, pipeline 0, over HTTP → Triton (batching off)",
                                           "Ferry sjf, pipeline 0, over HTTP → Triton (batching off)",
                                           "Ferry sjf, prior: the law, pipeline 0, over HTTP → Triton (batching off)",
                                           "Ferry, one item a call, over HTTP → Triton (batching off)", "Ferry sjf, over HTTP → Triton (batching off)",
                                           "Ferry sjf, prior: the law, over HTTP → Triton (batching off)"])
            for run in runs {
                #expect(run.rightAnswers == 24 && run.wrongAnswers == 0 && run.figures.all.count == 24, "\(run.system): \(run.rightAnswers) right")
            }
            // Ferry one item a call: 24 calls. Ferry batched: its calls are in its
            // call log, at most the batch limit each.
            #expect(runs[2].figures.calls == 24)
            let oneACall = try String(contentsOfFile: "\(out)/calls-tiny-x1-one-a-call-pipeline-0-1.jsonl", encoding: .utf8)
                .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(oneACall.count == 24 && oneACall.allSatisfy { $0?["items"] as? Int == 1 }, "\(oneACall.compactMap { $0?["items"] })")
            #expect(runs[3].figures.calls >= 6 && runs[3].figures.batchFill <= 1)
            #expect(text.contains("| Ferry sjf → Triton (batching off) |"))
            // Ferry's call log is kept for `bench fit-cost`.
            #expect(FileManager.default.fileExists(atPath: "\(out)/calls-tiny-x1-sjf-pipeline-0-1.jsonl"))
            #expect(FileManager.default.fileExists(atPath: "\(out)/calls-tiny-x1-sjf-prior-law-1.jsonl"))
            #expect(FileManager.default.fileExists(atPath: "\(out)/calls-tiny-x1-one-a-call-1.jsonl"))
            // Sent ahead to Triton's queue (the default): the same answers, and the call log says how long each waited there.
            let pipelined = try BackendCall.read(log: "\(out)/calls-tiny-x1-sjf-1.jsonl")
            #expect(!pipelined.isEmpty && pipelined.allSatisfy { $0.queued_ns != nil && $0.ranNs <= $0.end_ns })
            #expect(FileManager.default.fileExists(atPath: "\(out)/calls-tiny-x1-one-a-call-pipeline-0-1.jsonl"))
            // Over Triton's HTTP face: the same answers (checked above), its own call logs.
            let overHTTP = try BackendCall.read(log: "\(out)/calls-tiny-x1-sjf-http-1.jsonl")
            #expect(!overHTTP.isEmpty && overHTTP.allSatisfy { $0.queued_ns != nil })
            #expect(runs[8].figures.calls == 24)
            #expect(FileManager.default.fileExists(atPath: "\(out)/calls-tiny-x1-one-a-call-pipeline-0-http-1.jsonl"))
        }
    }

    /// `--prior kept`: one uncounted run first, then each run resumes the
    /// calls the one before it kept (the folder ends with more calls than
    /// the counted runs made), every answer still right.
    @Test func aKeptLawIsResumedRunAfterRun() async throws {
        // Twice the requests (`--count-scale 2`): 48 a run, as the table says.
        try await Self.versusOnTinyWorkload(["--prior", "kept", "--no-one-a-call", "--reps", "2", "--count-scale", "2"]) { status, text, out in
            #expect(status == 0, "\(text.suffix(3000))")
            #expect(text.contains("(median of 2 interleaved runs of A 32, B 16 requests;"), "\(text.suffix(3000))")
            #expect(text.contains("Ferry sjf, law kept from a run before → Triton (batching off): one run first, not counted"), "\(text.suffix(3000))")
            let runs = try JSONDecoder().decode([VersusRunner.Run].self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/versus.json")))
            let ferry = runs.filter { $0.system == "Ferry sjf, law kept from a run before → Triton (batching off)" }
            #expect(ferry.count == 2 && runs.allSatisfy { $0.rightAnswers == 48 && $0.wrongAnswers == 0 }, "\(runs.map { "\($0.system): \($0.rightAnswers)" })")
            // The second repetition ran the systems in reverse order (versus.json lists runs as they ran).
            let first = runs.filter { $0.rep == 1 }.map(\.system), second = runs.filter { $0.rep == 2 }.map(\.system)
            #expect(first.count == 3 && second == Array(first.reversed()), "\(first) then \(second)")
            // Each Ferry system against the batcher and against Triton alone, repetition by repetition.
            #expect(text.contains("Rep by rep against Triton dynamic batcher, delay 0 µs, in the same repetition"), "\(text.suffix(3000))")
            #expect(text.contains("Rep by rep against Triton alone, no batching, in the same repetition"), "\(text.suffix(3000))")
            // And what batching and scheduling could win at all on this trace, under its law.
            #expect(text.contains("(headroom: under the workload's law this trace, each item sent alone in arrival order, averages "), "\(text.suffix(3000))")
            let kept = try #require(try LearnedCalls.read(from: "\(out)/learned-tiny-sjf/\(LearnedCalls.fileName(model: "classifier"))"))
            #expect(kept.learnerCalls.count > ferry.map(\.figures.calls).reduce(0, +), "the warm-up's calls were resumed too")
        }
    }

    /// Runs `bench versus` (sjf, Triton's batcher with no delay) on the tiny
    /// workload below with `arguments`, then `check(status, output, out folder)`.
    static func versusOnTinyWorkload(_ arguments: [String], check: (Int32, String, String) throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-versus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeTinyWorkload(in: dir)
        let out = dir.appendingPathComponent("out").path
        let (status, text) = try await BuildProducts.runBench(["versus", "--workload", "tiny", "--strategy", "sjf", "--queue-delay-us", "0"] + arguments
                                                              + ["--workloads-dir", dir.path, "--out", out])
        try check(status, text, out)
    }

    /// 24 short texts from two clients, on a cheap law.
    static func writeTinyWorkload(in dir: URL) throws {
        try """
            name = "tiny"
            description = "24 short texts, two clients"
            [backend]
            batch_limit = 4
            concurrency = 1
            unit_ms = 0.05
            [[clients]]
            name = "A"
            shape = "poisson"
            count = 16
            rate_per_s = 100.0
            length = [5, 12]
            [[clients]]
            name = "B"
            shape = "poisson"
            count = 8
            rate_per_s = 50.0
            length = [20, 30]
            """.write(to: dir.appendingPathComponent("tiny.toml"), atomically: true, encoding: .utf8)
    }
}

@Suite struct MiniLMWorkloadTests {
    /// The workload's law is the padded transformer's: a call of n items
    /// padded to L tokens costs 3.5 + 0.094·n·L + 0.000144·n·L² ms.
    @Test func theMiniLMWorkloadCostsByPaddedTokens() throws {
        let workload = try Workload.load(path: Repository.root.appendingPathComponent("Benchmarks/workloads/minilm-mix.toml").path)
        let law = workload.backend.model
        #expect(workload.texts == .words)
        let expectedMs: Double = 3.5 + 0.094 * 256 + 0.000144 * 65_536
        let ms = Double(law.serviceNs(lengths: [256])) / 1e6
        #expect(abs(ms - expectedMs) < 0.01, "\(ms) ms; \(workload.backend)")
        // One long document among seven short queries costs as much as eight documents.
        #expect(law.serviceNs(lengths: [256] + [Int](repeating: 16, count: 7)) == law.serviceNs(lengths: [Int](repeating: 256, count: 8)))
    }
}

/// The rep-by-rep comparison: ratios to the best batcher in the same
/// repetition, and the repetitions won on everything.
@Suite struct VersusRepByRepTests {
    @Test func eachFerrySystemIsComparedWithTheBestBatcherInTheSameRepetition() throws {
        typealias S = VersusRepByRep.Sample
        let samples = [
            S(rep: 1, system: "Triton dynamic batcher, delay 0 µs", meanMs: 1000, p99MsByClient: ["A": 2000, "B": 1500]),
            S(rep: 2, system: "Triton dynamic batcher, delay 0 µs", meanMs: 1000, p99MsByClient: ["A": 2000, "B": 1600]),
            S(rep: 1, system: "Triton dynamic batcher, delay 10 ms", meanMs: 1200, p99MsByClient: ["A": 9000, "B": 9000]),
            S(rep: 2, system: "Triton dynamic batcher, delay 10 ms", meanMs: 1200, p99MsByClient: ["A": 9000, "B": 9000]),
            S(rep: 1, system: "Triton alone, no batching", meanMs: 4000, p99MsByClient: ["A": 8000, "B": 4000]),
            S(rep: 1, system: "Ferry sjf → Triton (batching off)", meanMs: 500, p99MsByClient: ["A": 1000, "B": 1530]),
            S(rep: 2, system: "Ferry sjf → Triton (batching off)", meanMs: 500, p99MsByClient: ["A": 1000, "B": 1200]),
        ]
        let systems = ["Triton dynamic batcher, delay 0 µs", "Triton dynamic batcher, delay 10 ms", "Triton alone, no batching",
                       "Ferry sjf → Triton (batching off)"]
        let byRep = try #require(VersusRepByRep(systems: systems, samples: samples))
        #expect(byRep.reference == "Triton dynamic batcher, delay 0 µs")
        #expect(byRep.clients == ["A", "B"])
        let row = try #require(byRep.rows.first)
        #expect(byRep.rows.count == 1 && row.system.hasPrefix("Ferry sjf"))
        #expect(row.ratios.map(\.mean) == [0.5, 0.5])
        #expect(row.ratios.map { $0.p99["B"]! } == [1.02, 0.75])
        #expect(byRep.wins(row) == 1, "B's p99 lost the first repetition")
        #expect(byRep.text.contains("| Ferry sjf → Triton (batching off) | 0.50, 0.50 | 0.50, 0.50 | 1.02, 0.75 | 1 of 2 |"), "\(byRep.text)")
        // No batcher ran: nothing to compare with.
        #expect(VersusRepByRep(systems: Array(systems.dropFirst(2)), samples: samples) == nil)
        // Against Triton alone: only the repetition it ran in (the first).
        let alone = try #require(VersusRepByRep(systems: systems, samples: samples, against: .alone))
        #expect(alone.reference == "Triton alone, no batching")
        let vsAlone = try #require(alone.rows.first)
        #expect(vsAlone.ratios.count == 1 && vsAlone.ratios[0].mean == 0.125 && vsAlone.ratios[0].p99 == ["A": 0.125, "B": 0.3825])
        #expect(alone.wins(vsAlone) == 1)
        #expect(alone.text.hasPrefix("Rep by rep against Triton alone, no batching, in the same repetition"), "\(alone.text)")
        #expect(VersusRepByRep(systems: systems.filter { !$0.hasPrefix("Triton alone") }, samples: samples, against: .alone) == nil)
    }
}
