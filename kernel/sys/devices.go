package sys

import (
	"unigo/drivers/ioapic"
	"unigo/kernel/mm"
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
)

// IRQVectorBase is the vector of GSI 0; GSIs 0..15 use vectors 48..63.
const (
	IRQVectorBase = 48
	MaxGSI        = 16
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

func irqOpen(gsi int) uintptr {
	if gsi < 0 || gsi >= MaxGSI || IOAPIC == nil {
		return errno(EINVAL)
	}
	fd, ok := alloc(kindIRQ, oNONBLOCK|oCLOEXEC)
	if !ok {
		return errno(EMFILE)
	}
	files[fd].handle = gsi
	ioapic.Route(IOAPIC, gsi, uint8(IRQVectorBase+gsi), 0)
	return uintptr(fd)
}

// IRQ records that line gsi fired: its fds become readable.
func IRQ(gsi int) {
	Stats.Interrupts++
	for fd := range files {
		if f := &files[fd]; f.kind == kindIRQ && f.handle == gsi {
			f.count++
			edge(fd)
		}
	}
}
