import Logging

extension Logger.Level {
    /// The level named as on the command line (`info`, `debug`, …), or nil.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }

    /// Every level's name, least severe first, for help texts and errors.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
