/// Why the supervisor could not start or had to give up.
public enum SupervisorError: Error, CustomStringConvertible {
    case runtimeDirectory(parent: String, reason: String)
    case missingExecutable(child: String, path: String)
    case settingsFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .runtimeDirectory(parent, reason):
            "cannot create a runtime directory in \(parent): \(reason)"
        case let .missingExecutable(child, path):
            "cannot find the \(child) executable at \(path); run `swift build` first (`swift run supervisor` builds only the supervisor)"
        case let .settingsFile(path, reason):
            "cannot write the children's settings file \(path): \(reason)"
        }
    }
}
