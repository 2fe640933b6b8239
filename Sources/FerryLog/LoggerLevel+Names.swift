import Logging

extension Logger.Level {
    /// Every level's name, least severe first, for help texts and errors.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
