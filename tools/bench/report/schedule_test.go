package report

import (
	"math"
	"math/bits"
	"slices"
	"testing"
)

func TestSchedule(t *testing.T) {
	tests := []struct {
		variants []string
		rounds   int
		want     []string
	}{
		{[]string{"A", "B", "C", "D"}, 2, []string{"A", "B", "C", "D", "A", "B", "C", "D"}},
		{[]string{"A", "B"}, 3, []string{"A", "B", "A", "B", "A", "B"}},
		{[]string{"A"}, 1, []string{"A"}},
		{[]string{"A", "B"}, 0, nil},
		{[]string{"A", "B"}, -1, nil},
		{nil, 3, nil},
	}
	for _, tt := range tests {
		if got := Schedule(tt.variants, tt.rounds); !slices.Equal(got, tt.want) {
			t.Errorf("Schedule(%q, %d) = %q, want %q", tt.variants, tt.rounds, got, tt.want)
		}
	}
}

// maxCalls is ceil(log2(hi-lo+1)) + 1.
func maxCalls(lo, hi int) int {
	n := uint(hi - lo + 1)
	return bits.Len(n-1) + 1
}

func TestBisect(t *testing.T) {
	tests := []struct {
		lo, hi, threshold, want int
	}{
		{0, 100, 37, 37},
		{0, 100, 0, 0},
		{0, 100, -5, 0}, // ok everywhere
		{0, 100, 100, 100},
		{0, 100, 101, 101}, // ok nowhere: hi+1
		{0, 100, 1000, 101},
		{5, 5, 5, 5},
		{5, 5, 6, 6},
		{16, 4096, 129, 129}, // memory in MiB
		{-10, 10, -3, -3},
		{7, 3, 0, 4}, // empty range: hi+1
		{math.MinInt, math.MaxInt - 1, 12345, 12345},
		{math.MinInt, math.MaxInt - 1, math.MinInt, math.MinInt},
		{math.MinInt, math.MaxInt - 1, -99, -99},
	}
	for _, tt := range tests {
		calls := 0
		ok := func(n int) bool {
			calls++
			if n < tt.lo || n > tt.hi {
				t.Errorf("Bisect(%d, %d, ≥%d) called ok(%d), outside the range", tt.lo, tt.hi, tt.threshold, n)
			}
			return n >= tt.threshold
		}
		if got := Bisect(tt.lo, tt.hi, ok); got != tt.want {
			t.Errorf("Bisect(%d, %d, ≥%d) = %d, want %d", tt.lo, tt.hi, tt.threshold, got, tt.want)
		}
		if tt.lo <= tt.hi {
			if limit := maxCalls(tt.lo, tt.hi); calls > limit {
				t.Errorf("Bisect(%d, %d, ≥%d) called ok %d times, want at most %d", tt.lo, tt.hi, tt.threshold, calls, limit)
			}
		} else if calls != 0 {
			t.Errorf("Bisect(%d, %d, ...) on an empty range called ok %d times, want 0", tt.lo, tt.hi, calls)
		}
	}
}

// TestBisectExhaustive checks every threshold of small ranges against a
// linear search, and the bound on calls.
func TestBisectExhaustive(t *testing.T) {
	for lo := -3; lo <= 3; lo++ {
		for hi := lo; hi <= lo+70; hi++ {
			for th := lo - 1; th <= hi+2; th++ {
				want := hi + 1
				for n := lo; n <= hi; n++ {
					if n >= th {
						want = n
						break
					}
				}
				calls := 0
				got := Bisect(lo, hi, func(n int) bool { calls++; return n >= th })
				if got != want {
					t.Errorf("Bisect(%d, %d, ≥%d) = %d, want %d", lo, hi, th, got, want)
				}
				if limit := maxCalls(lo, hi); calls > limit {
					t.Errorf("Bisect(%d, %d, ≥%d) called ok %d times, want at most %d", lo, hi, th, calls, limit)
				}
			}
		}
	}
}
