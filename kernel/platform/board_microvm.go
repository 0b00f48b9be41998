package platform

import (
	"fmt"

	"unigo/drivers/virtio"
	"unigo/kernel/platform/layout"
)

// QEMU microvm, and any machine whose VMM names its virtio-mmio devices
// on the kernel command line the Linux way (virtio_mmio.device=, see
// drivers/virtio/mmiocmdline.go): QEMU microvm appends them (with
// auto-kernel-cmdline=on, its default, and without ACPI), Firecracker
// too. Failing that, on a machine without ACPI, microvm's fixed layout
// (layout/board_microvm.go) is probed.

// mmioMapMax is how much of a command-line window is mapped and read:
// the registers and the device configuration after them (virtio v1.2
// §4.2.2) fit in a page, and mapping a window of megabytes would only
// cost page tables.
const mmioMapMax = 0x1000

// mmioWindow is a virtio-mmio transport to probe.
type mmioWindow struct {
	base, size uint64
	gsi        int    // the I/O APIC input it interrupts on
	where      string // for messages
	needsMap   bool   // not among the windows the kernel maps at boot
}

// cmdlineWindows returns the windows the command line names, with their
// IRQs as GSIs (on x86 the IRQ of virtio_mmio.device is the I/O APIC
// input, as QEMU and Firecracker number them). errs are the
// virtio_mmio.device tokens that name no device, for the console.
func cmdlineWindows(cmdline string) (windows []mmioWindow, errs []error) {
	devs, errs := virtio.ParseMMIODevices(cmdline)
	for _, d := range devs {
		windows = append(windows, mmioWindow{
			base: d.Base, size: d.Size, gsi: int(d.IRQ), needsMap: true,
			where: fmt.Sprintf("virtio-mmio at %#x (IRQ %d, from the command line)", d.Base, d.IRQ),
		})
	}
	return windows, errs
}

// microvmWindows returns QEMU microvm's transports, which the kernel
// maps at boot.
func microvmWindows() []mmioWindow {
	var windows []mmioWindow
	for slot := range layout.MicrovmMMIOSlots {
		windows = append(windows, mmioWindow{
			base: layout.MicrovmMMIOBase + uint64(slot)*layout.MicrovmMMIOSize, size: layout.MicrovmMMIOSize,
			gsi: layout.MicrovmMMIOGSI0 + slot, where: fmt.Sprintf("virtio-mmio window %d", slot),
		})
	}
	return windows
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
