package virtiodev

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"

	"unigo/drivers/acpi"
	"unigo/drivers/ioapic"
	"unigo/drivers/lapic"
	"unigo/drivers/pci"
	"unigo/kernel/cpu"
	"unigo/kernel/sys"
)

// The platform as ACPI describes it (q35, pc and bare metal; unigo runs
// microvm without ACPI): PCI configuration space through ECAM when the
// MCFG table gives one, the I/O ports otherwise; and a check of the
// interrupt controllers' addresses against those the kernel uses.

var (
	platformOnce sync.Once
	pciAccess    pci.Access
	// Tables are the ACPI tables found at boot (nil without ACPI).
	Tables *acpi.Tables
)

const pageSize = 4096

// physMem reads physical memory through the kernel's identity map of RAM,
// where firmware keeps the RSDP (the BIOS area below 1 MiB) and the
// tables (reserved RAM).
type physMem struct{}

func (physMem) Read(phys uint64, b []byte) error {
	// Page 0 stays unmapped (nil dereferences fault), so the BIOS data
	// area's EBDA pointer at 0x40E reads as an error: FindRSDP then
	// searches the BIOS area alone, where SeaBIOS puts the RSDP.
	if phys < pageSize || phys+uint64(len(b)) > uint64(sys.RAMEnd) || phys+uint64(len(b)) < phys {
		return fmt.Errorf("ACPI: %#x+%d is outside RAM", phys, len(b))
	}
	copy(b, unsafe.Slice((*byte)(at(uintptr(phys))), len(b)))
	return nil
}

// PCI returns how to reach PCI configuration space, reading ACPI once.
func PCI() pci.Access {
	platformOnce.Do(discover)
	return pciAccess
}

func discover() {
	pciAccess = pci.Mech1{IO: cpu.Ports{}}
	rsdp := uint64(sys.RSDP)
	if rsdp == 0 {
		var err error
		if rsdp, err = acpi.FindRSDP(physMem{}); err != nil {
			return // no ACPI (microvm): ports it is
		}
	}
	t, err := acpi.Parse(physMem{}, rsdp)
	if err != nil {
		report("ACPI: %v", err)
		return
	}
	Tables = t
	for _, e := range t.Errors {
		report("ACPI: %v", e)
	}
	if m := t.MADT; m != nil {
		if m.LocalAPICAddress != lapicBase {
			report("ACPI: local APIC at %#x, but the kernel drives %#x", m.LocalAPICAddress, lapicBase)
		}
		if len(m.IOAPICs) > 0 && (m.IOAPICs[0].Address != ioapicBase || m.IOAPICs[0].GSIBase != 0) {
			report("ACPI: I/O APIC at %#x (GSI %d), but the kernel drives %#x", m.IOAPICs[0].Address, m.IOAPICs[0].GSIBase, ioapicBase)
		}
	}
	for _, e := range t.MCFG {
		if e.Segment != 0 || e.StartBus != 0 {
			continue // the scan starts at bus 0 of segment 0
		}
		phys, size := e.Region()
		pciAccess = pci.ECAM{Window: &ecamWindow{base: uintptr(phys), size: uintptr(size), mapped: map[uintptr]bool{}},
			StartBus: e.StartBus, EndBus: e.EndBus}
		break
	}
	if sys.Verbose {
		how := "ports 0xCF8/0xCFC"
		if e, ok := pciAccess.(pci.ECAM); ok {
			how = fmt.Sprintf("ECAM at %#x, buses %d-%d", e.Window.(*ecamWindow).base, e.StartBus, e.EndBus)
		}
		cpus := 0
		if t.MADT != nil {
			cpus = len(t.MADT.CPUs)
		}
		report("ACPI %s: tables %v; %d CPUs; PCI through %s", strings.TrimSpace(t.OEMID), t.Signatures, cpus, how)
	}
}

// The interrupt controllers' addresses the kernel programs.
const (
	lapicBase  = lapic.DefaultBase
	ioapicBase = ioapic.DefaultBase
)

func report(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "unigo: "+format+"\n", args...)
}

// ecamWindow maps ECAM's 4 KiB function pages as the scan reaches them:
// the whole window is up to 256 MiB, of which a scan touches a few pages.
type ecamWindow struct {
	mu     sync.Mutex
	base   uintptr
	size   uintptr
	mapped map[uintptr]bool
}

func (w *ecamWindow) reg(off uintptr) *uint32 {
	if off+4 > w.size {
		return nil
	}
	page := (w.base + off) &^ 0xFFF
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.mapped[page] {
		if _, err := MapWindow(uint64(page), 0x1000); err != nil {
			return nil
		}
		w.mapped[page] = true
	}
	return (*uint32)(at(w.base + off))
}

func (w *ecamWindow) Read32(off uintptr) uint32 {
	r := w.reg(off)
	if r == nil {
		return ^uint32(0)
	}
	return atomicLoad(r)
}

func (w *ecamWindow) Write32(off uintptr, v uint32) {
	if r := w.reg(off); r != nil {
		atomicStore(r, v)
	}
}
