/// What an item's size counts, the number the cost law is fed (`item_size`):
/// the seed's classifier costs by characters; a transformer by tokens, which
/// `words` approximates without the model's vocabulary.
public enum ItemSize: String, Sendable, CaseIterable {
    /// Unicode scalars of a text (the seed's law); bytes for other tensors.
    case characters
    /// BERT's pre-tokenization count plus 2 (`[CLS]`, `[SEP]`): runs of
    /// letters and digits split at whitespace, each punctuation or symbol
    /// character alone. Equal to a WordPiece tokenizer's count for words in
    /// its vocabulary, a little under it for rare words it splits further.
    case words
    /// The row's bytes (UTF-8 for a text).
    case bytes

    /// The size of one row; a row that is not text counts its bytes whatever the rule.
    public func size(of row: [UInt8], isText: Bool) -> UInt64 {
        guard isText, self != .bytes else { return UInt64(row.count) }
        return size(ofText: String(decoding: row, as: UTF8.self))
    }

    /// The size of a text.
    public func size(ofText text: String) -> UInt64 {
        switch self {
        case .bytes: return UInt64(text.utf8.count)
        case .characters: return UInt64(text.unicodeScalars.count)
        case .words: return Self.words(in: text)
        }
    }

    static func words(in text: String) -> UInt64 {
        var count: UInt64 = 2
        var inWord = false
        for scalar in text.unicodeScalars {
            let p = scalar.properties
            if p.isWhitespace {
                inWord = false
            } else if Self.standsAlone(scalar) {
                count += 1
                inWord = false
            } else if !inWord {
                count += 1
                inWord = true
            }
        }
        return count
    }

    /// Punctuation and symbols (BERT counts all ASCII non-alphanumerics as
    /// punctuation) and CJK ideographs each make a token of their own.
    private static func standsAlone(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return !(s.properties.isAlphabetic || ("0"..."9").contains(s)) && s.value > 32 }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return s.properties.isIdeographic
        }
    }
}
