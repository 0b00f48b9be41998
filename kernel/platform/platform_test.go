package platform

import (
	"testing"

	"unigo/drivers/pci"
	"unigo/drivers/virtio"
)

// TestIsVirtio: virtio-pci devices are vendor 0x1AF4 with device id
// 0x1040 + the virtio id (modern) or a transitional id from 0x1000
// (virtio v1.2 §4.1.2.1).
func TestIsVirtio(t *testing.T) {
	for _, c := range []struct {
		vendor, device uint16
		id             uint32
		want           bool
	}{
		{0x1AF4, 0x1041, virtio.DeviceNet, true},
		{0x1AF4, 0x1000, virtio.DeviceNet, true},
		{0x1AF4, 0x1044, virtio.DeviceEntropy, true},
		{0x1AF4, 0x1005, virtio.DeviceEntropy, true},
		{0x1AF4, 0x1049, virtio.Device9P, true},
		{0x1AF4, 0x1009, virtio.Device9P, true},
		{0x1AF4, 0x1041, virtio.Device9P, false},
		{0x1AF4, 0x1000, virtio.DeviceEntropy, false},
		{0x8086, 0x1041, virtio.DeviceNet, false},
		{0x1AF4, 0x0000, 99, false}, // no transitional id for device 99
	} {
		d := pci.Device{Vendor: c.vendor, ID: c.device}
		if got := isVirtio(d, c.id); got != c.want {
			t.Errorf("isVirtio(%04x:%04x, virtio device %d) = %v, want %v", c.vendor, c.device, c.id, got, c.want)
		}
	}
}
