package virtiodev

import (
	"fmt"

	"unigo/drivers/virtio"
)

// Where the virtio-mmio devices are. A VMM that has them names them on
// the kernel command line, the Linux way (virtio_mmio.device=, see
// drivers/virtio/mmiocmdline.go): QEMU microvm appends them (with
// auto-kernel-cmdline=on, its default, and without ACPI), Firecracker
// too. Failing that, QEMU microvm's fixed layout is probed.

// QEMU microvm's virtio-mmio transports (hw/i386/microvm.c), probed when
// the command line names none: windows of 512 bytes from 0xfeb00000;
// window i interrupts on GSI 5+i. The kernel maps them at boot
// (kernel/memory.go).
const (
	mmioBase  = 0xFEB00000
	mmioSlots = 24
	mmioSize  = 512
	mmioGSI0  = 5
)

// mmioMapMax is how much of a command-line window is mapped and read:
// the registers and the device configuration after them (virtio v1.2
// §4.2.2) fit in a page, and mapping a window of megabytes would only
// cost page tables.
const mmioMapMax = 0x1000

// mmioWindow is a virtio-mmio transport to probe.
type mmioWindow struct {
	base, size uint64
	line       int    // the GSI it interrupts on, for OpenIRQ
	where      string // for messages
	needsMap   bool   // not among the windows the kernel maps at boot
}

// mmioWindows returns the windows to probe: exactly those the command
// line names, with their IRQs as GSIs (on x86 the IRQ of
// virtio_mmio.device is the I/O APIC input, as QEMU and Firecracker
// number them), or else microvm's. errs are the virtio_mmio.device
// tokens that name no device, for the console.
func mmioWindows(cmdline string) (windows []mmioWindow, errs []error) {
	devs, errs := virtio.ParseMMIODevices(cmdline)
	for _, d := range devs {
		windows = append(windows, mmioWindow{
			base: d.Base, size: d.Size, line: int(d.IRQ), needsMap: true,
			where: fmt.Sprintf("virtio-mmio at %#x (IRQ %d, from the command line)", d.Base, d.IRQ),
		})
	}
	if len(windows) > 0 {
		return windows, errs
	}
	for slot := range mmioSlots {
		windows = append(windows, mmioWindow{
			base: mmioBase + uint64(slot)*mmioSize, size: mmioSize, line: mmioGSI0 + slot,
			where: fmt.Sprintf("virtio-mmio window %d", slot),
		})
	}
	return windows, errs
}

// registers maps w if the kernel has not (a command-line window) and
// returns its registers, bounded to the window.
func (w mmioWindow) registers() (virtio.Registers, error) {
	n := min(w.size, mmioMapMax)
	if w.needsMap {
		if _, err := MapWindow(w.base, uint32(n)); err != nil {
			return nil, err
		}
	}
	return mmioRegs{base: uintptr(w.base), size: uintptr(n)}, nil
}
