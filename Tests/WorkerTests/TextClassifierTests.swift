import SeedModel
import Testing

/// The seed's rule, as the Python seed server applies it (`in` on `str`).
@Suite struct TextClassifierTests {
    @Test func eachMarkAnywhereMakesCode() {
        for text in [";", "{", "}", "def ", "class ", "x = 1;", "int main() {", "def f(): pass", "a class b", "ends with def ",
                     "é{", "日本語 class X", "\u{1F600};"] {
            #expect(TextClassifier.label(for: text) == "code", "\(text)")
        }
    }

    @Test func partsOfMarksAndPlainTextAreNot() {
        for text in ["", "hello world", "def", "defx", "clas ", "class", "classy", "de f", "cl ass ", "déf ", "日本語", "(a, b) [c]"] {
            #expect(TextClassifier.label(for: text) == "not code", "\(text)")
        }
    }

    /// On random texts over a small alphabet (every mark's letters, spaces
    /// and a non-ASCII letter), the byte scan agrees with a code point search.
    @Test func itAgreesWithACodePointSearch() {
        let alphabet = Array("defclas ;{}xé")
        var state: UInt64 = 42
        for _ in 0..<2_000 {
            var text = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            for _ in 0..<Int(state >> 60) + 1 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            let scalars = Array(text.unicodeScalars)
            let reference = [";", "{", "}", "def ", "class "].contains { mark in
                let m = Array(mark.unicodeScalars)
                return scalars.count >= m.count && (0...(scalars.count - m.count)).contains { Array(scalars[$0..<$0 + m.count]) == m }
            }
            #expect(TextClassifier.isCode(text) == reference, "\(text)")
        }
    }
}
