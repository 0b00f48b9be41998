package platform

import (
	"fmt"

	"unigo/drivers/acpi"
	"unigo/drivers/pci"
)

// Board is the kind of machine unigo booted on, chosen once at boot from
// what the machine describes (ACPI tables, the command line):
//
//   - microvm (board_microvm.go): no ACPI; virtio-mmio transports where
//     the command line says, or else at QEMU microvm's fixed layout.
//   - pc (board_pc.go): ACPI tables whose MADT puts the interrupt
//     controllers where the PC has them (QEMU q35 and pc): PCI through
//     ECAM when the MCFG gives one (q35), else the I/O ports (pc).
//   - acpi (board_acpi.go): any other machine with ACPI; its tables are
//     reported where they differ from what the kernel drives.
//
// On every board, the virtio-mmio windows the command line names are
// probed and PCI is scanned.
type Board struct {
	Name string
	// Tables are the ACPI tables (nil on microvm).
	Tables *acpi.Tables
	// PCI reaches configuration space.
	PCI pci.Access

	mmio []mmioWindow // the virtio-mmio windows to probe
}

// Board names.
const (
	BoardMicrovm = "microvm"
	BoardPC      = "pc"
	BoardACPI    = "acpi"
)

// selectBoard chooses the board from the ACPI tables (nil: none found)
// and the command line. notes are for the console: tables or command-line
// tokens that were ignored, and how the board differs from what the
// kernel drives.
func selectBoard(t *acpi.Tables, cmdline string) (b Board, notes []string) {
	windows, errs := cmdlineWindows(cmdline)
	for _, err := range errs {
		notes = append(notes, fmt.Sprintf("virtio-mmio: ignoring %v", err))
	}
	b = Board{Name: BoardMicrovm, Tables: t, PCI: portsPCI(), mmio: windows}
	if t == nil {
		if len(windows) == 0 {
			b.mmio = microvmWindows()
		}
		return b, notes
	}
	for _, e := range t.Errors {
		notes = append(notes, fmt.Sprintf("ACPI: %v", e))
	}
	b.Name = BoardPC
	if diffs := pcDifferences(t.MADT); len(diffs) > 0 {
		b.Name = BoardACPI
		notes = append(notes, diffs...)
	}
	if a, ok := ecamFromMCFG(t.MCFG); ok {
		b.PCI = a
	}
	return b, notes
}
