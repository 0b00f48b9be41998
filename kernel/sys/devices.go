package sys

import (
	"unigo/drivers/ioapic"
	"unigo/kernel/mm"
	"unigo/kernel/platform/layout"
)

// Device support for drivers written in ordinary Go (package net and
// the drivers it uses): contiguous DMA memory and interrupt lines as
// pollable file descriptors. These are unigo's own syscalls.
const (
	// SysDMAAlloc(bytes) returns the address of zeroed, physically
	// contiguous, identity-mapped memory (physical == virtual), for
	// virtqueues and packet buffers; it is never freed.
	SysDMAAlloc = 1002
	// SysIRQOpen(gsi) routes interrupt line gsi to the CPU and returns a
	// non-blocking fd that is readable (8-byte count) after it fired.
	SysIRQOpen = 1003
	// SysMapMMIO(phys, size) maps a device's registers (a PCI BAR)
	// uncached at their physical address, outside RAM and below 512 GiB.
	SysMapMMIO = 1007
	// SysAddEntropy(buf, n) mixes n bytes (at most 4096) from an entropy
	// device into the generator behind getrandom.
	SysAddEntropy = 1008
	// IRQMSI, or'ed into SysIRQOpen's line, opens the line's vector for a
	// message-signalled interrupt: no I/O APIC routing.
	IRQMSI = 0x100
)

// IRQVectorBase is the vector of interrupt line 0 and MaxGSI the count
// of lines: line n (I/O APIC GSI n, or an MSI's line) arrives on vector
// IRQVectorBase+n. The vector map is kernel/platform/layout's (vectors.go).
const (
	IRQVectorBase = layout.VectorLine0
	MaxGSI        = layout.NumLines
)

// IOAPIC is the I/O APIC's register window (set by package kernel).
var IOAPIC ioapic.MMIO

func dmaAlloc(n uintptr) uintptr {
	if n == 0 || n > 64<<20 {
		return errno(EINVAL)
	}
	pa, ok := Frames.AllocContiguous(uint64((n + mm.PageSize - 1) / mm.PageSize))
	if !ok {
		return errno(ENOMEM)
	}
	return pa
}

func irqOpen(line int) uintptr {
	gsi := line &^ IRQMSI
	if gsi < 0 || gsi >= MaxGSI || IOAPIC == nil {
		return errno(EINVAL)
	}
	fd, ok := alloc(kindIRQ, oNONBLOCK|oCLOEXEC)
	if !ok {
		return errno(EMFILE)
	}
	files[fd].handle = gsi
	if line&IRQMSI == 0 {
		ioapic.Route(IOAPIC, gsi, layout.LineVector(gsi), 0)
	}
	return uintptr(fd)
}

// Device windows: the PCI hole below 4 GiB, or above RAM below 512 GiB
// (under the Go runtime's arena hints).
const (
	mmioHole  = 3 << 30
	mmioLimit = 512 << 30
)

func mapMMIO(phys, size uintptr) uintptr {
	end := (phys + size + mm.PageSize - 1) &^ (mm.PageSize - 1)
	phys &^= mm.PageSize - 1
	inHole := phys >= mmioHole && end <= 4<<30 // the PCI hole below 4 GiB
	if size == 0 || end < phys || end > mmioLimit || !inHole && phys < RAMEnd {
		return errno(EINVAL) // never RAM: device windows only
	}
	for pa := phys; pa < end; pa += mm.PageSize {
		if !Space.PT.Map(pa, pa, mm.PTEWritable|mm.PTENoCache|mm.PTEWriteThr|mm.NoExec) {
			return errno(ENOMEM)
		}
		Space.Invalidate(pa)
	}
	return 0
}

// RAMEnd is the end of the identity-mapped RAM (set by package kernel).
var RAMEnd uintptr

// RSDP is the ACPI root pointer the boot loader passed (PVH's
// start_info.rsdp_paddr), or 0 (set by package kernel).
var RSDP uintptr

// Cmdline is the kernel command line in whole tokens (set by package
// kernel before the drivers in ordinary Go start): kernel/platform reads
// the virtio_mmio.device= parameters that the VMM appends to it.
var Cmdline string

// IRQ records that line gsi fired: its fds become readable.
func IRQ(gsi int) {
	Stats.Interrupts++
	for fd := range used() {
		if f := &files[fd]; f.kind == kindIRQ && f.handle == gsi {
			f.count++
			edge(fd)
		}
	}
}
