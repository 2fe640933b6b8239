import FerryLog

extension Settings {
    /// The effective configuration as a TOML file (what `--print-config`
    /// shows): every key, each with where its value came from. It loads back
    /// to the same settings; unset keys are written commented out.
    public func toml() -> String {
        var out = "# Ferry's effective configuration (flags > config file > defaults)\n"
        for section in Self.sections {
            out += "\n[\(section)]\n"
            for key in Self.keys where key.section == section {
                let name = key.name.dropFirst(section.count + 1)
                if let value = key.render(self) {
                    out += "\(name) = \(value)  # \(origin(of: key))\n"
                } else {
                    out += "# \(name) =  (not set; flag \(key.flag))\n"
                }
            }
        }
        // Only the keys a model sets: the rest it inherits from the sections above.
        for model in models {
            out += "\n[[models]]  # \(model.origin)\n"
            out += "name = \(jsonQuoted(model.name))\nversion = \(jsonQuoted(model.version))\n"
            out += "input = \(jsonQuoted(model.input))\noutput = \(jsonQuoted(model.output))\n"
            if model.inputDatatype != "BYTES" { out += "input_datatype = \(jsonQuoted(model.inputDatatype))\n" }
            if model.outputDatatype != "BYTES" { out += "output_datatype = \(jsonQuoted(model.outputDatatype))\n" }
            if !model.inputShape.isEmpty { out += "input_shape = \(model.inputShape)\n" }
            if !model.outputShape.isEmpty { out += "output_shape = \(model.outputShape)\n" }
            for setting in model.overridden {
                guard let key = Self.key(named: setting), let name = ModelSettings.modelKey(for: setting) else { continue }
                if let value = key.render(model.settings) {
                    out += "\(name) = \(value)  # \(model.settings.origin(of: key))\n"
                } else {
                    out += "# \(name) =  (not set)\n"
                }
            }
        }
        return out
    }
}
