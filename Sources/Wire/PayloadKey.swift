/// A short, stable fingerprint of a payload: FNV-1a, 64 bits.
///
/// The worker's call log records one per item, so a soak or an audit can tell
/// how many times each request ran on the backend without the log holding
/// the payloads themselves.
public enum PayloadKey {
    public static func of(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The key as 16 lowercase hex digits, as the call log writes it.
    public static func hex(_ key: UInt64) -> String {
        let digits = String(key, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
