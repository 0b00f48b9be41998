package platform

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestMMIOWindows: the command line's virtio_mmio.device windows, when it
// names any, are exactly what is probed (mapped first, each on its own
// IRQ); otherwise, on a machine without ACPI, QEMU microvm's fixed
// windows, which the kernel maps.
func TestMMIOWindows(t *testing.T) {
	microvm := microvmWindows()
	if len(microvm) != 24 {
		t.Fatalf("microvmWindows() = %d windows, want 24", len(microvm))
	}
	for i, w := range microvm {
		want := mmioWindow{base: 0xfeb00000 + uint64(i)*512, size: 512, gsi: 5 + i, where: "virtio-mmio window " + strconv.Itoa(i)}
		if w != want {
			t.Errorf("microvmWindows()[%d] = %+v, want %+v", i, w, want)
		}
	}
	if b, _ := selectBoard(nil, "-v a=hello"); !reflect.DeepEqual(b.mmio, microvm) {
		t.Errorf("selectBoard(no ACPI, no devices) probes %+v, want microvm's windows", b.mmio)
	}

	for _, c := range []struct {
		cmdline string
		want    []mmioWindow
		errs    int
	}{
		// What QEMU microvm appends for a NIC and an entropy device.
		{"-v a=h.img ip=10.0.2.15/24 virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:11", []mmioWindow{
			{base: 0xfeb00e00, size: 512, gsi: 12, needsMap: true, where: "virtio-mmio at 0xfeb00e00 (IRQ 12, from the command line)"},
			{base: 0xfeb00c00, size: 512, gsi: 11, needsMap: true, where: "virtio-mmio at 0xfeb00c00 (IRQ 11, from the command line)"},
		}, 0},
		// Firecracker's; a bad token beside it is reported, not probed.
		{"virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000", []mmioWindow{
			{base: 0xd0000000, size: 4096, gsi: 5, needsMap: true, where: "virtio-mmio at 0xd0000000 (IRQ 5, from the command line)"},
		}, 1},
		// An IRQ the kernel cannot route is still a window: FindVirtio says so.
		{"virtio_mmio.device=4K@0xd0000000:20", []mmioWindow{
			{base: 0xd0000000, size: 4096, gsi: 20, needsMap: true, where: "virtio-mmio at 0xd0000000 (IRQ 20, from the command line)"},
		}, 0},
		// Nothing usable named: microvm's windows, and the complaint.
		{"virtio_mmio.device=512@0xfeb00e00", microvm, 1},
	} {
		b, notes := selectBoard(nil, c.cmdline)
		if !reflect.DeepEqual(b.mmio, c.want) || len(notes) != c.errs {
			t.Errorf("selectBoard(no ACPI, %q) probes %+v, notes %q; want %+v, %d notes", c.cmdline, b.mmio, notes, c.want, c.errs)
		}
		for _, n := range notes {
			if !strings.Contains(n, "virtio_mmio.device=") {
				t.Errorf("selectBoard(no ACPI, %q): note %q does not name its token", c.cmdline, n)
			}
		}
	}
}
