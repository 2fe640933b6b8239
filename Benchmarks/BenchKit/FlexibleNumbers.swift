/// TOML tells integers from floats; a workload author should not have to.
/// These read a number field whichever way it was written.
extension KeyedDecodingContainer {
    func number(_ key: Key) throws -> Double? {
        if let d = try? decodeIfPresent(Double.self, forKey: key) { return d }
        return try decodeIfPresent(Int.self, forKey: key).map(Double.init)
    }

    func numbers(_ key: Key) throws -> [Double]? {
        if let d = try? decodeIfPresent([Double].self, forKey: key) { return d }
        if let i = try? decodeIfPresent([Int].self, forKey: key) { return i.map(Double.init) }
        guard contains(key) else { return nil }
        // Mixed arrays such as [100, 0.5].
        var list = try nestedUnkeyedContainer(forKey: key)
        var out: [Double] = []
        while !list.isAtEnd {
            if let d = try? list.decode(Double.self) { out.append(d) } else { out.append(Double(try list.decode(Int.self))) }
        }
        return out
    }
}

extension Workload.Backend {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchLimit = try c.decode(Int.self, forKey: .batchLimit)
        concurrency = try c.decode(Int.self, forKey: .concurrency)
        guard let unit = try c.number(.unitMs) else {
            throw DecodingError.keyNotFound(CodingKeys.unitMs, .init(codingPath: c.codingPath, debugDescription: "backend.unit_ms is required"))
        }
        unitMs = unit
        callMs = try c.number(.callMs)
        maxQueued = try c.decodeIfPresent(Int.self, forKey: .maxQueued)
        perItemMs = try c.number(.perItemMs)
        paddedMs = try c.number(.paddedMs)
        paddedSquaredMs = try c.number(.paddedSquaredMs)
    }
}

extension ClientSpec {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        shape = try c.decode(String.self, forKey: .shape)
        length = try c.decode([Int].self, forKey: .length)
        paretoAlpha = try c.number(.paretoAlpha)
        bursts = try c.decodeIfPresent(Int.self, forKey: .bursts)
        perBurst = try c.decodeIfPresent(Int.self, forKey: .perBurst)
        count = try c.decodeIfPresent(Int.self, forKey: .count)
        gapMs = try c.numbers(.gapMs)
        pauseMs = try c.numbers(.pauseMs)
        pauseBursts = try c.decodeIfPresent(Int.self, forKey: .pauseBursts)
        ratePerS = try c.number(.ratePerS)
        startMs = try c.number(.startMs)
        timeoutMs = try c.numbers(.timeoutMs)
        priority = try c.decodeIfPresent(Int32.self, forKey: .priority)
    }
}
