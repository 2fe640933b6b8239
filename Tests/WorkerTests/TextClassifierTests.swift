import SeedModel
import Testing

/// The seed's rule, as the Python seed server applies it (`in` on `str`).
@Suite struct TextClassifierTests {
    @Test func eachMarkAnywhereMakesCode() {
        for text in [";", "{", "}", "def ", "class ", "x = 1;", "int main() {", "def f(): pass", "a class b", "ends with def ",
                     "é{", "日本語 class X", "\u{1F600};",
                     // Python's `in` matches code points: a combining mark or joiner after a mark changes nothing.
                     "{\u{301}", "def \u{301}x", "class \u{200D}y", "\u{301}}\u{301}"] {
            #expect(TextClassifier.label(for: text) == "code", "\(text)")
        }
    }

    @Test func partsOfMarksAndPlainTextAreNot() {
        for text in ["", "hello world", "def", "defx", "clas ", "class", "classy", "de f", "cl ass ", "déf ", "de\u{301}f ", "日本語", "(a, b) [c]"] {
            #expect(TextClassifier.label(for: text) == "not code", "\(text)")
        }
    }

    /// On random texts over a small alphabet (every mark's letters, spaces, a
    /// non-ASCII letter, a combining accent and a zero-width joiner), the byte
    /// scan agrees with a code point search (Swift's `String.contains` would
    /// not: it compares characters, and an accent joins the mark before it).
    @Test func itAgreesWithACodePointSearch() {
        let alphabet: [Character] = Array("defclas ;{}xé") + ["\u{301}", "\u{200D}"]
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

/// The length on bytes is the length of the text they decode to.
@Suite struct TextLengthTests {
    @Test(arguments: ["", "hello", "é", "日本語 class X", "\u{1F600};", "e\u{301}"])
    func theBytesCountAsTheirText(text: String) {
        #expect(TextClassifier.length(utf8: Array(text.utf8)) == TextClassifier.length(of: text))
    }

    @Test func anInvalidByteCountsAsTheCharacterThatReplacesIt() {
        let bytes: [UInt8] = [0x61, 0xFF, 0x62]
        #expect(TextClassifier.length(utf8: bytes) == 3)
    }
}
