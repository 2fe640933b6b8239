import Testing
@testable import BenchKit

@Suite struct FreePortTests {
    /// Ports for servers that tests start side by side: never one twice, and
    /// never from the kernel's ephemeral range, where an outgoing connection
    /// could take it before the server binds.
    @Test func portsAreDistinctAndOutsideTheEphemeralRange() throws {
        let ports = try (0..<200).map { _ in try FreePort.find() }
        #expect(Set(ports).count == ports.count)
        #expect(ports.allSatisfy { FreePort.range.contains($0) && $0 < 32_768 })
    }
}
