import Foundation
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

    /// A port handed out here is reserved for the whole machine while this
    /// process lives: another process (util-linux's `flock`, standing in for
    /// a `bench` run as a test's child) cannot take its reservation.
    @Test func aPortHandedOutIsReservedAgainstOtherProcesses() throws {
        let port = try FreePort.find()
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        other.arguments = ["--nonblock", FreePort.reservations.appendingPathComponent("\(port)").path, "true"]
        try other.run()
        other.waitUntilExit()
        #expect(other.terminationStatus == 1, "another process took the reservation of port \(port)")
    }
}
