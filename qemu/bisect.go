package qemu

// Bisect returns the smallest n in [lo, hi] for which ok(n) holds, assuming
// ok is monotonic (false below some threshold, true from it on). It
// returns hi+1 when even ok(hi) is false.
func Bisect(lo, hi int, ok func(int) bool) int {
	if !ok(hi) {
		return hi + 1
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
