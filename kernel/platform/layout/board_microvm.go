package layout

// QEMU's microvm machine (hw/i386/microvm.c and include/hw/i386/microvm.h,
// VIRTIO_MMIO_BASE and the transports' loop in microvm_devices_init):
// besides the PC's interrupt controllers (board_pc.go), 24 virtio-mmio
// transports of 512 bytes each from MicrovmMMIOBase, transport i interrupting
// on GSI 5+i of the I/O APIC. unigo runs microvm without ACPI, and QEMU
// names the transports that hold a device on the kernel command line
// (virtio_mmio.device=, auto-kernel-cmdline=on); this layout is the
// fallback kernel/platform probes when it names none. The kernel maps
// the whole range uncached at boot (kernel/memory.go).
const (
	MicrovmMMIOBase  = 0xFEB00000
	MicrovmMMIOSlots = 24
	MicrovmMMIOSize  = 512
	MicrovmMMIOEnd   = MicrovmMMIOBase + MicrovmMMIOSlots*MicrovmMMIOSize
	MicrovmMMIOGSI0  = 5
)
