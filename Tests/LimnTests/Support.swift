/// The largest absolute difference between two arrays (infinite when their lengths differ).
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }   // different sizes never match
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
