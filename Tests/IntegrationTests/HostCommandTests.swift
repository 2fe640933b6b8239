import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite struct HostCommandTests {
    /// A command (and any daemon it leaves behind) gets none of the test
    /// process's descriptors, not even one without close-on-exec.
    @Test func aCommandInheritsNoDescriptorOfTheTestProcess() async throws {
        let fd = open("/dev/null", O_RDONLY)  // no O_CLOEXEC: it would be inherited
        #expect(fd > 2)
        defer { close(fd) }
        let outcome = try await HostCommand.run("sh", ["-c", "ls /proc/$$/fd"])
        #expect(outcome.status == 0, "\(outcome.output)")
        let open = Set(outcome.output.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) })
        #expect(open.contains(1) && !open.contains(fd), "open in the command: \(open.sorted()); the test's: \(fd)")
    }
}
