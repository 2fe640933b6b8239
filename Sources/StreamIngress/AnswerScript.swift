/// Writes an entry's answer and acknowledges the entry in one step, and only
/// while this consumer still owns it: a Lua script runs atomically in Redis,
/// so a crash leaves either both done or neither, and an entry another
/// consumer took over (this one was too slow) is answered by that one alone.
/// That is what keeps every entry answered exactly once in the results
/// stream, though the entries themselves are delivered at least once.
///
/// KEYS: the stream, the stream to write to (results or dead letters).
/// ARGV: group, consumer, entry id, then the answer's field/value pairs.
/// Returns 1 when written, 0 when the entry was no longer this consumer's.
enum AnswerScript {
    static let source = """
        local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
        if #p == 0 or p[1][2] ~= ARGV[2] then return 0 end
        redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
        return 1
        """

    static func command(stream: String, to target: String, group: String, consumer: String, entry: String,
                        fields: [(String, [UInt8])]) -> [[UInt8]] {
        var arguments: [[UInt8]] = ["EVAL", source, "2", stream, target, group, consumer, entry].map { Array($0.utf8) }
        for (name, value) in fields {
            arguments.append(Array(name.utf8))
            arguments.append(value)
        }
        return arguments
    }
}
