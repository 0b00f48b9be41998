package netstack

import (
	"errors"
	"io"

	"unigo/drivers/virtio"
	"unigo/drivers/virtionet"
	"unigo/kernel/platform"
	"unigo/netstack/nic"
)

// probes are the NIC drivers, tried in order at bring-up; the first
// device found is the stack's Ethernet NIC. A new driver is one more
// entry.
var probes = []nic.Probe{virtionetProbe, e1000Probe}

var errNoNIC = errors.New("no network device (virtio-net on virtio-mmio or PCI, or an Intel e1000 or e1000e on PCI)")

// findNIC returns the first device a probe finds.
func findNIC() (nic.NIC, io.Reader, error) {
	for _, probe := range probes {
		dev, irq, err := probe()
		if err != nil {
			return nil, nil, err
		}
		if dev != nil {
			return dev, irq, nil
		}
	}
	return nil, nil, errNoNIC
}

// virtionetProbe finds a virtio network device: on virtio-mmio
// (microvm), or on PCI (q35, pc).
func virtionetProbe() (nic.NIC, io.Reader, error) {
	found, err := platform.FindVirtio(virtio.DeviceNet)
	if err != nil || len(found) == 0 {
		return nil, nil, err
	}
	dev, err := virtionet.New(found[0].Transport, platform.DMA)
	if err != nil {
		return nil, nil, err
	}
	irq, err := platform.OpenIRQ(found[0].Line)
	if err != nil {
		return nil, nil, err
	}
	return dev, irq, nil
}
