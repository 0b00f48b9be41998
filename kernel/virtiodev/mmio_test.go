package virtiodev

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestMMIOWindows: the command line's virtio_mmio.device windows, when it
// names any, are exactly what is probed (mapped first, each on its own
// IRQ); otherwise QEMU microvm's fixed windows, which the kernel maps.
func TestMMIOWindows(t *testing.T) {
	microvm, errs := mmioWindows("-v a=hello")
	if len(microvm) != mmioSlots || len(errs) != 0 {
		t.Fatalf("mmioWindows(no devices) = %d windows, errors %v; want %d, none", len(microvm), errs, mmioSlots)
	}
	for i, w := range microvm {
		want := mmioWindow{base: 0xfeb00000 + uint64(i)*512, size: 512, line: 5 + i, where: "virtio-mmio window " + strconv.Itoa(i)}
		if w != want {
			t.Errorf("mmioWindows(no devices)[%d] = %+v, want %+v", i, w, want)
		}
	}

	for _, c := range []struct {
		cmdline string
		want    []mmioWindow
		errs    int
	}{
		// What QEMU microvm appends for a NIC and an entropy device.
		{"-v a=h.img ip=10.0.2.15/24 virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:11", []mmioWindow{
			{base: 0xfeb00e00, size: 512, line: 12, needsMap: true, where: "virtio-mmio at 0xfeb00e00 (IRQ 12, from the command line)"},
			{base: 0xfeb00c00, size: 512, line: 11, needsMap: true, where: "virtio-mmio at 0xfeb00c00 (IRQ 11, from the command line)"},
		}, 0},
		// Firecracker's; a bad token beside it is reported, not probed.
		{"virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000", []mmioWindow{
			{base: 0xd0000000, size: 4096, line: 5, needsMap: true, where: "virtio-mmio at 0xd0000000 (IRQ 5, from the command line)"},
		}, 1},
		// An IRQ the kernel cannot route is still a window: Find says so.
		{"virtio_mmio.device=4K@0xd0000000:20", []mmioWindow{
			{base: 0xd0000000, size: 4096, line: 20, needsMap: true, where: "virtio-mmio at 0xd0000000 (IRQ 20, from the command line)"},
		}, 0},
		// Nothing usable named: microvm's windows, and the complaint.
		{"virtio_mmio.device=512@0xfeb00e00", microvm, 1},
	} {
		got, errs := mmioWindows(c.cmdline)
		if !reflect.DeepEqual(got, c.want) || len(errs) != c.errs {
			t.Errorf("mmioWindows(%q) = %+v, errors %v; want %+v, %d errors", c.cmdline, got, errs, c.want, c.errs)
		}
		for _, err := range errs {
			if !strings.Contains(err.Error(), "virtio_mmio.device=") {
				t.Errorf("mmioWindows(%q): error %q does not name its token", c.cmdline, err)
			}
		}
	}
}
