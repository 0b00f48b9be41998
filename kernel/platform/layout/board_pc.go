package layout

// The PC's interrupt controllers, at the addresses QEMU's q35 and pc
// machines (and microvm, and most PC hardware) put them. The kernel maps
// and programs them at boot, before it could read ACPI's MADT, which
// kernel/platform then checks against these (board_acpi.go).
const (
	// LAPICBase is the local APIC's register page after reset (Intel
	// SDM vol. 3, 12.4.1 "The Local APIC Block Diagram": the APIC base
	// field of IA32_APIC_BASE is reset to it).
	LAPICBase = 0xFEE00000
	// IOAPICBase is the first I/O APIC's register window (Intel 82093AA
	// datasheet, 3.0 "Register Description": FEC0xy00h, x and y from the
	// chipset's APIC base register, 0 after reset), with GSIs 0-23.
	IOAPICBase = 0xFEC00000
)

// The PC's legacy ISA interrupts arrive on the I/O APIC's first 16
// inputs (ACPI 6.5, 5.2.12.5 "Interrupt Source Override": ISA IRQ n is
// GSI n unless the MADT overrides it; QEMU sends IRQ 0 to GSI 2). The
// kernel routes none of them (its timer is the local APIC's), so the
// vectors of those GSIs are free for the lines kernel/platform hands
// out (lines.go).
