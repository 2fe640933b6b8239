import FerryLog

extension ModelSettings {
    /// The keys of a `[[models]]` table that are the model's own, not settings.
    static let ownKeys = ["name", "version", "input", "output", "input_datatype", "output_datatype", "input_shape", "output_shape"]

    /// The Open Inference Protocol's tensor datatypes.
    static let datatypes = ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
                            "FP16", "FP32", "FP64", "BYTES"]

    /// The keys of a `[[models]]` table that set a setting for this model
    /// alone, and the setting each one sets (a row of `Settings.keys`, so
    /// reading, type errors and range checks are the top level's).
    static let keys: [(name: String, setting: String)] = [
        ("strategy", "strategy.path"),
        ("strategy_options", "strategy.options"),
        ("backend", "backend.kind"),
        ("batch_limit", "backend.batch_limit"),
        ("concurrency", "backend.concurrency"),
        ("pipeline", "backend.pipeline"),
        ("unit_ms", "backend.unit_ms"),
        ("call_ms", "backend.call_ms"),
        ("cost_terms", "backend.cost_terms"),
        ("cost_window", "backend.cost_window"),
        ("upstreams", "backend.upstreams"),
        ("timeout_ms", "backend.timeout_ms"),
        ("attempts", "backend.attempts"),
        ("upstream_model", "backend.model"),
        ("upstream_input", "backend.input"),
        ("upstream_output", "backend.output"),
        ("row_shape", "backend.row_shape"),
        ("crash_on", "backend.crash_on"),
        ("max_queued", "limits.max_queued"),
        ("max_queued_per_client", "limits.max_queued_per_client"),
        ("default_timeout_ms", "limits.default_timeout_ms"),
        ("admission", "limits.admission"),
        ("max_sequence_length", "limits.max_sequence_length"),
        ("item_size", "limits.item_size"),
        ("stream", "stream.key"),
        ("stream_results", "stream.results"),
        ("stream_dead_letter", "stream.dead_letter"),
        ("stream_group", "stream.group"),
        ("stream_consumer", "stream.consumer"),
        ("stream_in_flight", "stream.in_flight"),
        ("stream_claim_idle_ms", "stream.claim_idle_ms"),
        ("stream_max_deliveries", "stream.max_deliveries"),
    ]

    /// What is wrong with a datatype's name.
    static func datatypeProblem(_ text: String) -> String? {
        datatypes.contains(text) ? nil : "must be one of \(datatypes.joined(separator: ", ")), got \(jsonQuoted(text))"
    }

    /// What is wrong with a row shape.
    static func shapeProblem(_ shape: [Int]) -> String? {
        shape.allSatisfy { $0 >= 1 || $0 == -1 } ? nil : "must hold sizes of at least 1 (or -1 for any size), got \(shape)"
    }

    /// The setting key (`backend.batch_limit`) a model key (`batch_limit`) sets.
    static func setting(for modelKey: String) -> SettingKey? {
        keys.first { $0.name == modelKey }.flatMap { Settings.key(named: $0.setting) }
    }

    /// The model key (`batch_limit`) that sets a setting key (`backend.batch_limit`).
    static func modelKey(for setting: String) -> String? {
        keys.first { $0.setting == setting }?.name
    }

    /// What is wrong with a model name: it is a URL path segment
    /// (`/v2/models/{name}`), so a plain token, and not `.` or `..`.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        let allowed = name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "_-.".contains($0) }
        if !allowed || name == "." || name == ".." {
            return "must hold only letters, digits, \"_\", \"-\" and \".\" (and not be \".\" or \"..\"), got \(jsonQuoted(name))"
        }
        return nil
    }

    /// What is wrong with `version`, `input` or `output`.
    static func ownProblem(_ key: String, _ value: String) -> String? {
        if key == "name" { return nameProblem(value) }
        return value.isEmpty ? "must not be empty" : nil
    }

    /// Checks the model's own fields and its settings; `index` is its place
    /// in `[[models]]`. A bad value the model sets is named by its model key
    /// and line; a bad combination it inherits, by its table's line.
    func validate(index: Int) throws(ConfigError) {
        let prefix = "models[\(index)]"
        for (key, value) in [("name", name), ("version", version), ("input", input), ("output", output)] {
            if let problem = Self.ownProblem(key, value) { throw ConfigError(origin: origin, key: "\(prefix).\(key)", problem: problem) }
        }
        // Only an Open Inference Protocol upstream takes tensors; the simulated
        // and http backends take texts and answer labels.
        for (key, datatype) in [("input_datatype", inputDatatype), ("output_datatype", outputDatatype)]
        where datatype != "BYTES" && settings.backend != "oip" {
            throw ConfigError(origin: origin, key: "\(prefix).\(key)",
                              problem: "is \(jsonQuoted(datatype)), which only backend \"oip\" passes through (backend \(jsonQuoted(settings.backend)) takes texts and answers labels)")
        }
        do { try settings.validate() } catch {
            guard let modelKey = Self.modelKey(for: error.key) else { throw error }
            if overridden.contains(error.key) { throw ConfigError(origin: error.origin, key: "\(prefix).\(modelKey)", problem: error.problem) }
            throw ConfigError(origin: origin, key: "\(prefix).\(modelKey)", problem: "\(error.problem) (inherited from \(error.origin))")
        }
    }
}
