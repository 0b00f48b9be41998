package platform

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"unigo/drivers/acpi"
	"unigo/drivers/pci"
)

// The tables QEMU's machines give, as far as the board depends on them.
var (
	pcMADT = &acpi.MADT{LocalAPICAddress: 0xFEE00000, IOAPICs: []acpi.IOAPIC{{Address: 0xFEC00000}}, CPUs: []acpi.LocalAPIC{{Enabled: true}}}
	q35    = &acpi.Tables{OEMID: "BOCHS ", MADT: pcMADT, MCFG: []acpi.MCFGEntry{{Base: 0xB0000000, EndBus: 255}},
		Signatures: []string{"FACP", "APIC", "HPET", "MCFG", "WAET", "DSDT"}}
	pc = &acpi.Tables{OEMID: "BOCHS ", MADT: pcMADT, Signatures: []string{"FACP", "APIC", "HPET", "WAET", "DSDT"}}
)

// TestSelectBoard: the board follows from the ACPI tables (none:
// microvm; the PC's interrupt controllers: pc; others: acpi), PCI is
// reached through the MCFG's ECAM window for segment 0 from bus 0 or
// else the ports, and only a machine without ACPI is probed at
// microvm's fixed virtio-mmio windows.
func TestSelectBoard(t *testing.T) {
	movedLAPIC := *pcMADT
	movedLAPIC.LocalAPICAddress = 0xFED00000
	movedIOAPIC := *pcMADT
	movedIOAPIC.IOAPICs = []acpi.IOAPIC{{Address: 0xFEC01000, GSIBase: 0}}
	for _, c := range []struct {
		name    string
		tables  *acpi.Tables
		cmdline string
		board   string
		ecam    uintptr // ECAM window base, 0 for the ports
		windows int
		notes   []string // substrings, one per note
		verbose string
	}{
		{"microvm", nil, "", BoardMicrovm, 0, 24, nil, ""},
		{"microvm, command line", nil, "virtio_mmio.device=512@0xfeb00e00:12", BoardMicrovm, 0, 1, nil, ""},
		{"q35", q35, "", BoardPC, 0xB0000000, 0, nil,
			"ACPI BOCHS: tables [FACP APIC HPET MCFG WAET DSDT]; 1 CPUs; PCI through ECAM at 0xb0000000, buses 0-255 (board pc)"},
		{"pc", pc, "", BoardPC, 0, 0, nil, "ACPI BOCHS: tables [FACP APIC HPET WAET DSDT]; 1 CPUs; PCI through ports 0xCF8/0xCFC (board pc)"},
		{"pc, command line", pc, "virtio_mmio.device=4K@0xd0000000:5", BoardPC, 0, 1, nil, ""},
		{"no MADT", &acpi.Tables{}, "", BoardPC, 0, 0, nil, ""},
		{"ECAM of another segment", &acpi.Tables{MADT: pcMADT, MCFG: []acpi.MCFGEntry{{Base: 0xB0000000, Segment: 1, EndBus: 255}}}, "", BoardPC, 0, 0, nil, ""},
		{"ECAM from bus 1, then bus 0", &acpi.Tables{MADT: pcMADT, MCFG: []acpi.MCFGEntry{{Base: 0xB0000000, StartBus: 1, EndBus: 255}, {Base: 0xC0000000, EndBus: 63}}}, "", BoardPC, 0xC0000000, 0, nil, ""},
		{"local APIC moved", &acpi.Tables{MADT: &movedLAPIC}, "", BoardACPI, 0, 0, []string{"local APIC at 0xfed00000, but the kernel drives 0xfee00000"}, ""},
		{"I/O APIC moved", &acpi.Tables{MADT: &movedIOAPIC}, "", BoardACPI, 0, 0, []string{"I/O APIC at 0xfec01000 (GSI 0), but the kernel drives 0xfec00000"}, ""},
		{"table errors", &acpi.Tables{MADT: pcMADT, Errors: []error{errors.New("HPET: bad checksum")}}, "virtio_mmio.device=oops", BoardPC, 0, 0,
			[]string{"virtio-mmio: ignoring", "ACPI: HPET: bad checksum"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, notes := selectBoard(c.tables, c.cmdline)
			if b.Name != c.board || b.Tables != c.tables || len(b.mmio) != c.windows {
				t.Errorf("board %q, tables %p, %d virtio-mmio windows; want %q, %p, %d", b.Name, b.Tables, len(b.mmio), c.board, c.tables, c.windows)
			}
			switch a := b.PCI.(type) {
			case pci.ECAM:
				if w := a.Window.(*ecamWindow); w.base != c.ecam {
					t.Errorf("PCI through ECAM at %#x, want %#x", w.base, c.ecam)
				}
			case pci.Mech1:
				if c.ecam != 0 {
					t.Errorf("PCI through the ports, want ECAM at %#x", c.ecam)
				}
			default:
				t.Errorf("PCI through %T", b.PCI)
			}
			if len(notes) != len(c.notes) {
				t.Errorf("notes %q, want %d", notes, len(c.notes))
			}
			for i := range min(len(notes), len(c.notes)) {
				if !strings.Contains(notes[i], c.notes[i]) {
					t.Errorf("note %d = %q, want it to contain %q", i, notes[i], c.notes[i])
				}
			}
			if c.verbose != "" && b.describe() != c.verbose {
				t.Errorf("describe() = %q, want %q", b.describe(), c.verbose)
			}
		})
	}
}

// TestECAMRegion: the ECAM window spans the MCFG entry's buses.
func TestECAMRegion(t *testing.T) {
	a, ok := ecamFromMCFG([]acpi.MCFGEntry{{Base: 0xB0000000, EndBus: 15}})
	if !ok {
		t.Fatal("ecamFromMCFG(segment 0, buses 0-15) found nothing")
	}
	e := a.(pci.ECAM)
	if w := e.Window.(*ecamWindow); w.base != 0xB0000000 || w.size != 16<<20 || e.StartBus != 0 || e.EndBus != 15 {
		t.Errorf("ECAM window %#x+%#x, buses %d-%d; want 0xb0000000+0x1000000, 0-15", w.base, w.size, e.StartBus, e.EndBus)
	}
	if _, ok := ecamFromMCFG(nil); ok {
		t.Error("ecamFromMCFG(no entries) found a window")
	}
	if !reflect.DeepEqual(pcDifferences(nil), []string(nil)) {
		t.Error("pcDifferences(no MADT) reported differences")
	}
}
