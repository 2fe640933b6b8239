extension Array where Element == Double {
    /// The middle value, the mean of the two middle ones for an even count;
    /// nil when empty. Every table of the bench takes its medians here.
    var median: Double? {
        guard !isEmpty else { return nil }
        let s = sorted()
        let mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }
}
