import BenchKit
import Foundation
import Testing
import TestSupport

/// The bench's strategy list is discovered from the build directory, so a
/// user's own plugin built there appears without a code change.
@Suite struct BuiltinStrategiesTests {
    @Test func everyShippedStrategyIsFoundInTableOrder() {
        let found = BuiltinStrategies.discover(in: BuildProducts.directory)
        #expect(Array(found.prefix(8)) == ["fifo", "batch", "timed", "sjf", "priority", "fair", "edf", "optimal"], "\(found)")
    }

    @Test func onlyLibrariesExportingTheEntrySymbolAreListed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-discover-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // `bad_magic` exports `ferry_strategy_entry`: discovery looks for the
        // symbol only (loading checks the table later). Two take shipped
        // names, two stand for a user's own plugins.
        for name in ["libzeta", "libsjf", "libmine", "libfifo"] {
            _ = try CFixture.compile("bad_magic", to: "\(dir)/\(name).so")
        }
        // A shared library without the symbol, and plugins not named lib*.so.
        _ = try CFixture.compile("not_a_plugin", to: "\(dir)/libnotaplugin.so")
        _ = try CFixture.compile("bad_magic", to: "\(dir)/other.so")
        _ = try CFixture.compile("bad_magic", to: "\(dir)/libstale.so.1")
        #expect(BuiltinStrategies.discover(in: dir) == ["fifo", "sjf", "mine", "zeta"])
    }

    @Test func anEmptyOrMissingDirectoryListsNothing() {
        #expect(BuiltinStrategies.discover(in: "/nonexistent-\(UUID().uuidString)").isEmpty)
    }
}
