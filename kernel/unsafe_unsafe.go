package kernel

import (
	"unsafe"

	"unigo/boot"
	"unigo/drivers/ioapic"
	"unigo/drivers/lapic"
	"unigo/kernel/mm"
)

// physMem reads boot information from the stub's identity map of the
// first GiB: loaders put it in low memory.
type physMem struct{}

var _ boot.Memory = physMem{}

func (physMem) Load8(addr uint64) (uint8, bool) {
	const limit = 1 << 30
	if addr >= limit || addr == 0 {
		return 0, false
	}
	return *(*uint8)(mm.At(uintptr(addr))), true
}

// apic is the local APIC's MMIO window, mapped uncached at its physical address.
type apic struct{}

var _ lapic.MMIO = apic{}

func (apic) Read32(off uintptr) uint32 {
	return *(*uint32)(mm.At(lapic.DefaultBase + off)) // mapped uncached by initMemory
}

func (apic) Write32(off uintptr, v uint32) {
	*(*uint32)(mm.At(lapic.DefaultBase + off)) = v
}

// ioapicRegs is the I/O APIC's MMIO window, mapped uncached by initMemory.
type ioapicRegs struct{}

var _ ioapic.MMIO = ioapicRegs{}

func (ioapicRegs) Read32(off uintptr) uint32 {
	return *(*uint32)(mm.At(ioapic.DefaultBase + off))
}

func (ioapicRegs) Write32(off uintptr, v uint32) {
	*(*uint32)(mm.At(ioapic.DefaultBase + off)) = v
}

// userBytes exposes program memory for the kernel's own writes (initial
// stack); Prefault has made it present.
func userBytes(addr, n uintptr) []byte {
	if !bootSpace().Prefault(addr, n, true) {
		fatalf("cannot map the initial stack")
	}
	return unsafe.Slice((*byte)(mm.At(addr)), n)
}

// peek reads a word of the image (its ELF program headers).
func peek(addr uintptr) uintptr { return *(*uintptr)(mm.At(addr)) }

// frameBytes is a frame, through the identity map (it is the kernel's).
func frameBytes(pa uintptr) []byte { return unsafe.Slice((*byte)(mm.At(pa)), mm.PageSize) }
