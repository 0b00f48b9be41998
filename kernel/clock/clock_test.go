package clock

import (
	"math"
	"math/big"
	"testing"
)

// exactNS is (tsc-tsc0) * 1e9 / hz, rounded down, without fixed point.
func exactNS(ticks, hz uint64) int64 {
	n := new(big.Int).Mul(new(big.Int).SetUint64(ticks), big.NewInt(1e9))
	return n.Div(n, new(big.Int).SetUint64(hz)).Int64()
}

func TestNSMatchesExactConversion(t *testing.T) {
	const tsc0 = 123_456_789
	for _, hz := range []uint64{1_000_000_000, 2_500_000_000, 3_192_613_000, 1_193_182, 4_000_000_000} {
		var c Clock
		c.Set(hz, tsc0, 0)
		for _, ticks := range []uint64{0, 1, hz / 1000, hz, 60 * hz, 86400 * 365 * hz} {
			got, want := c.NS(tsc0+ticks), exactNS(ticks, hz)
			// mult is rounded down to 2^-32 ns per tick: the error grows
			// with elapsed ticks but stays below one part in 2^32/1e9*hz.
			slack := int64(float64(ticks)/float64(1<<32)) + 1
			if got > want || want-got > slack {
				t.Errorf("%d Hz, %d ticks: NS = %d, want %d (within -%d)", hz, ticks, got, want, slack)
			}
		}
	}
}

func TestNSBeforeStartIsZero(t *testing.T) {
	var c Clock
	c.Set(1e9, 1000, 0)
	if got := c.NS(999); got != 0 {
		t.Errorf("NS before tsc0 = %d, want 0", got)
	}
	if got := c.NS(1000 + 5); got != 5 {
		t.Errorf("NS(tsc0+5) at 1 GHz = %d, want 5", got)
	}
}

func TestParams(t *testing.T) {
	var c Clock
	c.Set(2e9, 77, 1_700_000_000)
	tsc0, mult, bootNs := c.Params()
	if tsc0 != 77 || mult != 1<<31 || bootNs != 1_700_000_000*1e9 {
		t.Errorf("Params = %d, %#x, %d; want 77, 0x80000000 (0.5 ns/tick in 32.32), %d", tsc0, mult, bootNs, int64(1_700_000_000*1e9))
	}
	if c.TSCHz != 2e9 || c.BootUnix != 1_700_000_000 {
		t.Errorf("TSCHz %d BootUnix %d", c.TSCHz, c.BootUnix)
	}
}

func TestRate(t *testing.T) {
	const pitHz = 1193182
	tests := []struct {
		counted, refTicks, refHz, want uint64
	}{
		{2_500_000_000 / 200, pitHz / 200, pitHz, 2_500_381_391}, // 5 ms of PIT is 5965 ticks, a little less: the rate comes out a little higher
		{1000, 1000, pitHz, pitHz},
		{0, 5966, pitHz, 0},
		{5, 0, pitHz, 0},                                // no reference: no rate
		{math.MaxUint64, 1, 2, 0},                       // beyond 64 bits
		{math.MaxUint64, 2, 2, math.MaxUint64},          // the 128-bit product, divided back
		{1 << 50, 5966, pitHz, 225_176_584_419_426_045}, // a product past 2^64
	}
	for _, tt := range tests {
		if got := Rate(tt.counted, tt.refTicks, tt.refHz); got != tt.want {
			t.Errorf("Rate(%d, %d, %d) = %d, want %d", tt.counted, tt.refTicks, tt.refHz, got, tt.want)
		}
	}
}
