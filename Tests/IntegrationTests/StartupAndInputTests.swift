import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct StartupAndInputTests {
    @Test(arguments: ["not_a_plugin", "wrong_abi"])
    func aWrongPluginIsRefusedAtOnceWithOneLine(fixture: String) async throws {
        let plugin = try CFixture.compile(fixture)
        let ferry = try FerryInstance(arguments: ["--strategy", plugin])
        let status = try await ferry.waitForExit(within: 60)
        #expect(status == 2)
        let lines = ferry.log.split(separator: "\n")
        #expect(lines.count == 1, "\(ferry.log)")
        #expect(lines.first?.contains(plugin) == true)
        #expect(lines.first?.contains(fixture == "wrong_abi" ? "ABI version 99" : "not a Ferry strategy plugin") == true)
        // Nothing was started: no runtime directory was created.
        #expect(try FileManager.default.contentsOfDirectory(atPath: ferry.runtimeParent.path).isEmpty)
    }

    @Test func anUnknownBuiltinNameListsTheBuiltins() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/nosuch.so"])
        #expect(try await ferry.waitForExit(within: 60) == 2)
        #expect(ferry.log.contains("plugins/nosuch.so") && ferry.log.contains("fifo") && ferry.log.contains("sjf"))
    }

    @Test func badInputGetsAClearErrorAndHarmsNoOne() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let base = ferry.baseURL

            let cases: [(String, UInt, String)] = [
                ("{\"sequence\": ", 400, "not valid JSON"),
                ("not json at all", 400, "not valid JSON"),
                ("{\"sequence\": 5}", 400, "wrong type"),
                ("{\"text\": \"hello\"}", 400, "missing field 'sequence'"),
                ("[\"hello\"]", 400, "must be a JSON object"),
                ("{\"sequence\": \"\"}", 400, "'sequence' is empty"),
                ("{\"sequence\": \"x\", \"extra\": 1}", 400, "unknown field 'extra'"),
                ("{\"sequence\": null}", 400, "wrong type"),
                ("{\"sequence\": [\"a\", \"b\"]}", 400, "wrong type"),
                ("{\"sequence\": \"" + String(repeating: "y", count: 100_001) + "\"}", 400, "over the limit of 100000"),
                (String(repeating: "x", count: (1 << 20) + 10), 413, "over"),
            ]
            for (body, status, fragment) in cases {
                let (code, text) = try await SeedClient.post(raw: body, via: http, base: base)
                #expect(code == status, "\(body.prefix(40)): \(text)")
                #expect(text.contains(fragment), "\(body.prefix(40)): \(text)")
                #expect(text.hasPrefix("{\"error\":"))
            }
            let (formStatus, formBody) = try await SeedClient.post(raw: "sequence=x", contentType: "application/x-www-form-urlencoded", via: http, base: base)
        #expect(formStatus == 415 && formBody.contains("send application/json"))
        let badTimeout = try await SeedClient.classify("x", client: "A", via: http, base: base, headers: [("X-Timeout-Ms", "soon")])
        #expect(badTimeout.status == 400 && badTimeout.body.contains("X-Timeout-Ms"))
        // The next good request still works.
            let ok = try await SeedClient.classify("fine text", client: "A", via: http, base: base)
            #expect(ok.status == 200 && ok.body == "{\"result\":\"not code\"}")
            #expect(try await ferry.stop() == 0)
        }
    }
}
