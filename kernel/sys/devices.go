package sys

import (
	"unigo/drivers/ioapic"
	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/mm"
	"unigo/kernel/platform/layout"
)

// Device support for drivers written in ordinary Go (unigo/netstack and
// the drivers it uses): contiguous DMA memory and interrupt lines as
// pollable file descriptors, through unigo's own syscalls
// (kernel/abi/unigo: SysDMAAlloc, SysIRQOpen, SysMapMMIO, SysAddEntropy).

// IOAPIC is the I/O APIC's register window. kmain sets it once, after
// package kernel has mapped the window; it is an interface so the routing
// runs in host tests against a fake, and nil (no routing) before boot.
var IOAPIC ioapic.MMIO

func dmaAlloc(n uintptr) uintptr {
	if n == 0 || n > 64<<20 {
		return linux.EINVAL.Ret()
	}
	pa, ok := mm.RAM.AllocContiguous(uint64((n + mm.PageSize - 1) / mm.PageSize))
	if !ok {
		return linux.ENOMEM.Ret()
	}
	return pa
}

func irqOpen(line int) uintptr {
	gsi := line &^ unigo.IRQMSI
	if gsi < 0 || gsi >= layout.NumLines || IOAPIC == nil {
		return linux.EINVAL.Ret()
	}
	fd, ok := alloc(kindIRQ, linux.O_NONBLOCK|linux.O_CLOEXEC)
	if !ok {
		return linux.EMFILE.Ret()
	}
	files[fd].handle = gsi
	if line&unigo.IRQMSI == 0 {
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
		return linux.EINVAL.Ret() // never RAM: device windows only
	}
	for pa := phys; pa < end; pa += mm.PageSize {
		if !mm.Program.PT.Map(pa, pa, mm.PTEWritable|mm.PTENoCache|mm.PTEWriteThr|mm.NoExec) {
			return linux.ENOMEM.Ret()
		}
		mm.Program.Invalidate(pa)
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
