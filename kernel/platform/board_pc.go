package platform

import (
	"fmt"

	"unigo/drivers/acpi"
	"unigo/drivers/pci"
	"unigo/kernel/cpu"
	"unigo/kernel/platform/layout"
)

// The PC (QEMU q35 and pc): its interrupt controllers at the addresses
// in layout/board_pc.go, which the kernel maps and programs at boot, and
// PCI configuration space through the ports every PC has (mechanism #1)
// unless the MCFG gives ECAM (board_acpi.go).

// portsPCI is configuration mechanism #1 (ports 0xCF8/0xCFC).
func portsPCI() pci.Access { return pci.Mech1{IO: cpu.Ports{}} }

// pcDifferences lists how the MADT's interrupt controllers differ from
// the PC's, which the kernel drives regardless: a machine that moved
// them would not get its interrupts.
func pcDifferences(m *acpi.MADT) []string {
	if m == nil {
		return nil
	}
	var out []string
	if m.LocalAPICAddress != layout.LAPICBase {
		out = append(out, fmt.Sprintf("ACPI: local APIC at %#x, but the kernel drives %#x", m.LocalAPICAddress, layout.LAPICBase))
	}
	if len(m.IOAPICs) > 0 && (m.IOAPICs[0].Address != layout.IOAPICBase || m.IOAPICs[0].GSIBase != 0) {
		out = append(out, fmt.Sprintf("ACPI: I/O APIC at %#x (GSI %d), but the kernel drives %#x", m.IOAPICs[0].Address, m.IOAPICs[0].GSIBase, layout.IOAPICBase))
	}
	return out
}
