// Package lapic drives the local APIC in xAPIC mode (memory-mapped registers):
// enable it, acknowledge interrupts, and run its timer one-shot for the
// scheduler's next event.
package lapic

import "unigo/kernel/platform/layout"

// DefaultBase is the local APIC's physical address after reset (SDM vol.
// 3, 12.4.1), which the kernel keeps: the PC board's (layout/board_pc.go).
const DefaultBase = layout.LAPICBase

// Register offsets (SDM vol. 3, table 12-1).
const (
	regID        = 0x020
	regEOI       = 0x0B0
	regSVR       = 0x0F0
	regLVTTimer  = 0x320
	regInitCount = 0x380
	regCurCount  = 0x390
	regDivide    = 0x3E0
	svrEnable    = 1 << 8
	lvtMasked    = 1 << 16
	divideBy1    = 0xB // SDM vol. 3, figure 12-10
	maxCount     = 0xFFFFFFFF
)

// MMIO is 32-bit register access.
type MMIO interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// Enable software-enables the APIC with the given spurious vector.
func Enable(m MMIO, spurious uint8) {
	m.Write32(regSVR, svrEnable|uint32(spurious))
	m.Write32(regDivide, divideBy1)
	m.Write32(regLVTTimer, lvtMasked)
}

// EOI acknowledges the interrupt in service.
func EOI(m MMIO) { m.Write32(regEOI, 0) }

// ID is this CPU's APIC ID.
func ID(m MMIO) uint32 { return m.Read32(regID) >> 24 }

// StartCount starts a one-shot countdown from the maximum (for calibration).
func StartCount(m MMIO) {
	m.Write32(regLVTTimer, lvtMasked)
	m.Write32(regInitCount, maxCount)
}

// Elapsed is how many ticks the countdown StartCount began has run.
func Elapsed(m MMIO) uint32 { return maxCount - m.Read32(regCurCount) }

// OneShot raises vector after ticks timer ticks (0 stops the timer).
func OneShot(m MMIO, vector uint8, ticks uint32) {
	m.Write32(regLVTTimer, uint32(vector))
	m.Write32(regInitCount, ticks)
}
