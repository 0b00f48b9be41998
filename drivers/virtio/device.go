package virtio

import "fmt"

// Transport is what a device driver needs of a virtio transport: MMIO
// (§4.2) and PCI (§4.1) both provide it.
type Transport interface {
	Reset()
	Status() uint8
	SetStatus(uint8)
	Features() uint64
	SetFeatures(uint64)
	QueueMax(int) uint16
	SetupQueue(int, *Queue)
	Notify(int)
	AckInterrupt() uint32
	Config(off int) byte
}

var (
	_ Transport = (*MMIO)(nil)
	_ Transport = (*PCI)(nil)
)

// DMA allocates device-visible memory: a byte slice and its physical address.
type DMA func(n int) (mem []byte, phys uint64, err error)

// Device ids (§5) that unigo drives.
const (
	DeviceNet     = 1
	DeviceEntropy = 4
	Device9P      = 9
)

// Negotiate runs the first steps of device initialisation (§3.1.1):
// reset, ACKNOWLEDGE, DRIVER, feature negotiation and FEATURES_OK. It
// always asks for VERSION_1 (a device without it is refused) plus the
// bits of optional the device offers, and returns what was agreed. The
// caller then sets its queues up and calls Ready.
func Negotiate(t Transport, name string, optional uint64) (uint64, error) {
	t.Reset()
	t.SetStatus(StatusAcknowledge)
	t.SetStatus(StatusAcknowledge | StatusDriver)
	offered := t.Features()
	if offered&FeatureVersion1 == 0 {
		t.SetStatus(StatusFailed)
		return 0, fmt.Errorf("%s: device does not offer VERSION_1", name)
	}
	want := uint64(FeatureVersion1) | offered&optional
	t.SetFeatures(want)
	t.SetStatus(StatusAcknowledge | StatusDriver | StatusFeaturesOK)
	if t.Status()&StatusFeaturesOK == 0 {
		t.SetStatus(StatusFailed)
		return 0, fmt.Errorf("%s: device refused the features", name)
	}
	return want, nil
}

// Ready sets DRIVER_OK: the device may now use its queues (§3.1.1 step 8).
func Ready(t Transport) {
	t.SetStatus(StatusAcknowledge | StatusDriver | StatusFeaturesOK | StatusDriverOK)
}

// NewDeviceQueue sets queue i up with at most max entries (rounded down
// to a power of two, §2.7) in memory from dma.
func NewDeviceQueue(t Transport, i int, max uint16, dma DMA) (*Queue, error) {
	size := min(t.QueueMax(i), max)
	if size == 0 {
		return nil, fmt.Errorf("virtio: the device has no queue %d", i)
	}
	for size&(size-1) != 0 {
		size &= size - 1
	}
	mem, phys, err := dma(QueueBytes(size))
	if err != nil {
		return nil, err
	}
	q, err := NewQueue(size, mem, phys)
	if err != nil {
		return nil, err
	}
	t.SetupQueue(i, q)
	return q, nil
}
