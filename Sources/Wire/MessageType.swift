/// The type byte of each frame (see `Message` for the layout).
enum MessageType: UInt8 {
    case hello = 1, ready, capacity, submit, result, batch, batchResult, cancel, drain, ping, pong, status, metrics, childExited, challenge, proof
}
