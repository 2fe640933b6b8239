/// The simulated model's labels: a quick look for the marks of source code.
/// Deterministic, so tests can check every answer.
public enum TextClassifier {
    static let markers = [";", "{", "}", "def ", "class "]

    /// "code" when the text contains `;`, `{`, `}`, `def ` or `class `.
    public static func label(for text: String) -> String {
        markers.contains(where: { text.contains($0) }) ? "code" : "not code"
    }

    /// Length as the seed's Python server counts it (code points).
    public static func length(of text: String) -> Int {
        text.unicodeScalars.count
    }
}
