import CostModel
import Testing

/// `item_size`: what the cost law is fed for a text. The `words` counts are
/// those of all-MiniLM-L6-v2's WordPiece tokenizer for the same texts
/// (checked with `tokenizers` 0.23.3), where every word is in its vocabulary.
@Suite struct ItemSizeTests {
    static func size(_ rule: ItemSize, _ text: String) -> UInt64 { rule.size(of: Array(text.utf8), isText: true) }

    @Test(arguments: [
        ("How is the weather today?", 8),
        ("def f(x): return x+1", 12),
        ("The quick brown fox jumps over the lazy dog.", 12),
        ("", 2),
        ("  spaced   out\twords\n", 5),
    ])
    func wordsCountsPreTokensPlusTwo(text: String, tokens: UInt64) {
        #expect(Self.size(.words, text) == tokens)
    }

    @Test func charactersCountScalarsAndBytesCountBytes() {
        #expect(Self.size(.characters, "héllo") == 5)
        #expect(Self.size(.bytes, "héllo") == 6)
        #expect(Self.size(.words, "héllo, 世界") == 2 + 1 + 1 + 2)  // a word, a comma, two ideographs
        // A text already decoded counts the same as its bytes.
        for rule in ItemSize.allCases {
            #expect(rule.size(ofText: "héllo, 世界") == Self.size(rule, "héllo, 世界"))
        }
    }

    @Test func aRowThatIsNotTextCountsItsBytesUnderEveryRule() {
        for rule in ItemSize.allCases {
            #expect(rule.size(of: [1, 2, 3, 4, 5, 6, 7, 8], isText: false) == 8)
        }
    }
}
