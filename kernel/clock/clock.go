// Package clock keeps time from the TSC: a monotonic clock in nanoseconds
// since boot, and wall time from the RTC reading taken at boot.
//
// Wire it in: Set once after calibration; then Nanotime and Unix anywhere.
package clock

import (
	"math/bits"

	"unigo/kernel/cpu"
)

// Clock converts TSC ticks to time. mult is ns per tick in 32.32 fixed point.
type Clock struct {
	TSCHz    uint64
	tsc0     uint64
	mult     uint64
	BootUnix int64 // wall-clock seconds at tsc0
}

// Set starts the clock at tsc0 with the calibrated frequency.
func (c *Clock) Set(tscHz, tsc0 uint64, bootUnix int64) {
	c.TSCHz, c.tsc0, c.BootUnix = tscHz, tsc0, bootUnix
	c.mult = (uint64(1e9) << 32) / tscHz
}

// NS converts a TSC reading to nanoseconds since tsc0.
func (c *Clock) NS(tsc uint64) int64 {
	if tsc < c.tsc0 {
		return 0
	}
	hi, lo := bits.Mul64(tsc-c.tsc0, c.mult)
	return int64(hi<<32 | lo>>32)
}

// Rate is the frequency of a counter that advanced by counted while a
// reference clock of refHz advanced by refTicks (calibration against the
// PIT). The product is taken in 128 bits; a result beyond 64 bits, or no
// reference ticks, gives 0.
func Rate(counted, refTicks, refHz uint64) uint64 {
	hi, lo := bits.Mul64(counted, refHz)
	if refTicks == 0 || hi >= refTicks {
		return 0
	}
	q, _ := bits.Div64(hi, lo, refTicks)
	return q
}

// System is the kernel's clock.
var System Clock

// Nanotime is monotonic time since boot.
func Nanotime() int64 { return System.NS(cpu.Rdtsc()) }

// Realtime is nanoseconds since 1970.
func Realtime() int64 { return System.BootUnix*1e9 + Nanotime() }

// Params are the conversion's parameters, for the vDSO: the TSC at boot,
// ns per tick in 32.32 fixed point, and the wall-clock time of boot in ns.
func (c *Clock) Params() (tsc0, mult uint64, bootNs int64) {
	return c.tsc0, c.mult, c.BootUnix * 1e9
}
