package platform

import (
	"fmt"
	"strings"

	"unigo/drivers/acpi"
	"unigo/drivers/pci"
	"unigo/kernel/sys"
)

// A machine that describes itself through ACPI (q35, pc, bare metal;
// unigo runs microvm without ACPI): the MADT names its interrupt
// controllers (checked against the PC's, board_pc.go), the MCFG its PCI
// Express configuration space (ECAM), the FADT its fixed hardware.

// readTables finds and parses the ACPI tables: from the root pointer the
// boot loader passed, or else by searching the BIOS area. nil without
// ACPI (microvm); a machine whose tables are broken is reported and
// treated as having none.
func readTables() *acpi.Tables {
	rsdp := uint64(sys.RSDP)
	if rsdp == 0 {
		var err error
		if rsdp, err = acpi.FindRSDP(physMem{}); err != nil {
			return nil
		}
	}
	t, err := acpi.Parse(physMem{}, rsdp)
	if err != nil {
		report("ACPI: %v", err)
		return nil
	}
	return t
}

// ecamFromMCFG returns ECAM access to the configuration space of
// segment 0 from bus 0, where the scan starts, if the MCFG has it. Its
// pages are mapped as the scan reaches them.
func ecamFromMCFG(entries []acpi.MCFGEntry) (pci.Access, bool) {
	for _, e := range entries {
		if e.Segment != 0 || e.StartBus != 0 {
			continue
		}
		phys, size := e.Region()
		return pci.ECAM{Window: &ecamWindow{base: uintptr(phys), size: uintptr(size), mapped: map[uintptr]bool{}},
			StartBus: e.StartBus, EndBus: e.EndBus}, true
	}
	return nil, false
}

// describe is an ACPI board in one line, for -v.
func (b Board) describe() string {
	how := "ports 0xCF8/0xCFC"
	if e, ok := b.PCI.(pci.ECAM); ok {
		how = fmt.Sprintf("ECAM at %#x, buses %d-%d", e.Window.(*ecamWindow).base, e.StartBus, e.EndBus)
	}
	t := b.Tables
	cpus := 0
	if t.MADT != nil {
		cpus = len(t.MADT.CPUs)
	}
	return fmt.Sprintf("ACPI %s: tables %v; %d CPUs; PCI through %s (board %s)", strings.TrimSpace(t.OEMID), t.Signatures, cpus, how, b.Name)
}
