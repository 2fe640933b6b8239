import LibUV
import Testing

/// libuv's rule that every handle is closed before its loop, checked.
@Suite struct LoopEndTests {
    @Test func aLoopWhoseHandlesWereClosedEndsCleanly() throws {
        let loop = try UVLoop()
        let timer = try UVTimer(loop: loop)
        timer.start(afterMilliseconds: 1) {}
        timer.close()
        #expect(loop.close().isEmpty)
    }

    @Test func aHandleLeftOpenIsReportedByType() throws {
        let loop = try UVLoop()
        let forgotten = try UVTimer(loop: loop)
        forgotten.start(afterMilliseconds: 60_000) {}
        #expect(loop.close() == ["timer"])
        forgotten.close()
        #expect(loop.close().isEmpty)
    }
}
