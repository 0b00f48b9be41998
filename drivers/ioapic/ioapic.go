// Package ioapic routes device interrupt lines (GSIs) to local APIC
// vectors through the I/O APIC (Intel 82093AA datasheet).
package ioapic

import "unigo/kernel/platform/layout"

// DefaultBase is the I/O APIC's usual physical address (and QEMU's): the
// PC board's (layout/board_pc.go).
const DefaultBase = layout.IOAPICBase

// Registers: an index register and a data window (datasheet 3.0).
const (
	regSelect   = 0x00
	regWindow   = 0x10
	regVersion  = 0x01
	regRedirLo  = 0x10 // redirection entry n: 0x10+2n (low), 0x11+2n (high)
	entryMasked = 1 << 16
	levelTrig   = 1 << 15
	activeLow   = 1 << 13
)

// MMIO is 32-bit register access.
type MMIO interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

func read(m MMIO, reg uint32) uint32 {
	m.Write32(regSelect, reg)
	return m.Read32(regWindow)
}

func write(m MMIO, reg, v uint32) {
	m.Write32(regSelect, reg)
	m.Write32(regWindow, v)
}

// Lines returns how many redirection entries the I/O APIC has.
func Lines(m MMIO) int { return int(read(m, regVersion)>>16&0xFF) + 1 }

// Route sends line gsi to vector on the APIC with id dest, edge-triggered
// and active-high (as virtio-mmio and ISA lines are wired on QEMU), unmasked.
func Route(m MMIO, gsi int, vector uint8, dest uint8) {
	reg := uint32(regRedirLo + 2*gsi)
	write(m, reg, entryMasked)
	write(m, reg+1, uint32(dest)<<24)
	write(m, reg, uint32(vector))
}

// Mask disables line gsi.
func Mask(m MMIO, gsi int) {
	reg := uint32(regRedirLo + 2*gsi)
	write(m, reg, read(m, reg)|entryMasked)
}
