package qemu

import "testing"

func TestBisect(t *testing.T) {
	for _, c := range []struct{ lo, hi, threshold, want int }{
		{2, 128, 17, 17}, {2, 128, 2, 2}, {2, 128, 128, 128}, {2, 128, 200, 129}, {5, 5, 5, 5},
	} {
		calls := 0
		got := Bisect(c.lo, c.hi, func(n int) bool { calls++; return n >= c.threshold })
		if got != c.want {
			t.Errorf("Bisect(%d, %d, >=%d) = %d, want %d", c.lo, c.hi, c.threshold, got, c.want)
		}
		if calls > 10 {
			t.Errorf("Bisect(%d, %d) made %d probes, want <= 10", c.lo, c.hi, calls)
		}
	}
}
