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
        return out
    }
}
