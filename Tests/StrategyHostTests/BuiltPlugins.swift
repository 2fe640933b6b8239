import Foundation
import StrategyHost

/// Where `swift build` put the built-in plugins: beside the test binary.
enum BuiltPlugins {
    static let directory = StrategyLocator.executableDirectory()
    static let locator = StrategyLocator(builtinDirectory: directory)

    static func path(_ name: String) throws -> String {
        do { return try locator.resolve("plugins/\(name).so") } catch {
            throw Missing(description: "\(error) — the README's test command runs `swift build` first")
        }
    }

    struct Missing: Error, CustomStringConvertible { let description: String }

    /// Compiles one of the C fixtures into a shared library in a temp dir.
    static func compileFixture(_ name: String) throws -> String {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let source = here.appendingPathComponent("Fixtures/\(name).c").path
        let include = here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/StrategyABI/include").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-\(name)-\(getpid()).so").path
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-shared", "-fPIC", "-I", include, "-o", out, source]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else { throw Missing(description: "cc failed for \(source)") }
        return out
    }
}
