import Hummingbird
import NIOCore

/// The request context: Hummingbird's basics plus the connection, so a
/// request can be cancelled in the scheduler when its client goes away.
struct IngressContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
