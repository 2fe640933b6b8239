import Foundation
import StrategyHost

/// What `swift build` produced, found beside the running test binary.
public enum BuildProducts {
    /// The build directory (`.build/<triple>/debug`).
    public static let directory = StrategyLocator.executableDirectory()
    public static let locator = StrategyLocator(builtinDirectory: directory)

    /// An executable product, checked to exist.
    public static func executable(_ name: String) throws -> String {
        let path = "\(directory)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Missing(description: "\(path) is missing — the README's test command runs `swift build` first")
        }
        return path
    }

    /// A built-in strategy plugin's path.
    public static func plugin(_ name: String) throws -> String {
        do { return try locator.resolve("plugins/\(name).so") } catch {
            throw Missing(description: "\(error) — the README's test command runs `swift build` first")
        }
    }

    public struct Missing: Error, CustomStringConvertible { public let description: String }

    /// Runs the built `bench` with `arguments` from the repository root and
    /// waits for it: its exit status and everything it printed. The blocking
    /// read and wait run on a queue of their own: a bench run takes seconds
    /// to a minute, and holding one of the test process's two concurrency
    /// threads that long stalled every suite running beside it.
    public static func runBench(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let path = try executable("bench")
        return try await withCheckedThrowingContinuation { done in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: path)
                process.arguments = arguments
                process.currentDirectoryURL = Repository.root
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                do { try process.run() } catch {
                    done.resume(throwing: error)
                    return
                }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                done.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
    }
}

/// The repository checkout these tests belong to.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// C sources under `Tests/TestSupport/Fixtures`, compiled on demand with the
/// system C compiler into shared libraries.
public enum CFixture {
    /// Compiles fixture `name` to `path` (default: a fresh file in the temporary directory).
    public static func compile(_ name: String, to path: String? = nil) throws -> String {
        let source = Repository.root.appendingPathComponent("Tests/TestSupport/Fixtures/\(name).c").path
        let include = Repository.root.appendingPathComponent("Sources/StrategyABI/include").path
        let out = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("ferry-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).so").path
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-shared", "-fPIC", "-I", include, "-o", out, source]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else { throw BuildProducts.Missing(description: "cc failed to compile \(source)") }
        return out
    }
}
