package report

// Schedule returns the order in which to measure variants over rounds
// rounds, interleaved: A B C D A B C D ... Each round measures every
// variant once, in the given order, so slow drift of the machine
// affects all variants alike. It returns nil when rounds < 1.
func Schedule(variants []string, rounds int) []string {
	if rounds < 1 || len(variants) == 0 {
		return nil
	}
	out := make([]string, 0, rounds*len(variants))
	for range rounds {
		out = append(out, variants...)
	}
	return out
}

// Bisect returns the smallest n in [lo, hi] for which ok(n) holds,
// assuming ok is monotonic: false below some threshold, true from it
// on. It returns hi+1 when ok(hi) is false (and when lo > hi, without
// calling ok). It calls ok at most ceil(log2(hi-lo+1))+1 times, first
// with hi.
func Bisect(lo, hi int, ok func(int) bool) int {
	if lo > hi || !ok(hi) {
		return hi + 1
	}
	// Invariant: ok(hi), and ok(n) is false for every n < lo.
	for lo < hi {
		// (hi-lo)/2 computed unsigned cannot overflow even when hi-lo
		// does not fit in an int.
		mid := lo + int((uint(hi)-uint(lo))/2)
		if ok(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
