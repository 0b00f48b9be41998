package virtio

import "fmt"

// Transport is what a device driver needs of a virtio transport: MMIO
// (§4.2), PCI (§4.1) and legacy PCI (§4.1.4.10) provide it.
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
	_ Transport = (*LegacyPCI)(nil)
)

// Optional Transport methods, which Negotiate, Ready and NewDeviceQueue
// look for (LegacyPCI has all three):
//
//   - Legacy() bool: true for a device driven through its legacy
//     interface (virtio 0.9.5; the "Legacy Interface" sections of v1.2):
//     32 feature bits, no VERSION_1, no FEATURES_OK (§3.1.2).
//   - FixedQueueSize() bool: true when the device sets each queue's size
//     and the driver cannot choose a smaller one (legacy PCI,
//     §4.1.5.1.3.1); the queue must then also be laid out with the
//     legacy alignment (§2.7.2), at a 4096-aligned physical address.
//   - SetupQueueChecked(int, *Queue) error: SetupQueue that reports a
//     queue the device cannot take (NewDeviceQueue calls it instead).
type (
	legacyTransport     interface{ Legacy() bool }
	fixedQueueTransport interface{ FixedQueueSize() bool }
	checkedSetup        interface {
		SetupQueueChecked(int, *Queue) error
	}
)

func isLegacy(t Transport) bool {
	l, ok := t.(legacyTransport)
	return ok && l.Legacy()
}

func hasFixedQueues(t Transport) bool {
	f, ok := t.(fixedQueueTransport)
	return ok && f.FixedQueueSize()
}

// legacyQueueAlign is the legacy PCI virtqueue alignment (§2.7.2): the
// descriptor table starts, and the used ring starts, on such a boundary.
const legacyQueueAlign = 4096

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
//
// Over a legacy transport (one whose Legacy method reports true) there
// is neither VERSION_1 nor FEATURES_OK (§3.1.2: steps 5 and 6 are
// omitted): Negotiate writes the offered bits of optional and returns
// them, never with FeatureVersion1, so a driver knows it talks to a
// legacy device by want&FeatureVersion1 == 0 (and must then use the
// legacy forms of its device's structures).
func Negotiate(t Transport, name string, optional uint64) (uint64, error) {
	t.Reset()
	t.SetStatus(StatusAcknowledge)
	t.SetStatus(StatusAcknowledge | StatusDriver)
	offered := t.Features()
	if isLegacy(t) {
		want := offered & optional &^ FeatureVersion1
		t.SetFeatures(want)
		return want, nil
	}
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

// Ready sets DRIVER_OK: the device may now use its queues (§3.1.1 step
// 8). A legacy device has no FEATURES_OK bit (§3.1.2), so it is not set.
func Ready(t Transport) {
	if isLegacy(t) {
		t.SetStatus(StatusAcknowledge | StatusDriver | StatusDriverOK)
		return
	}
	t.SetStatus(StatusAcknowledge | StatusDriver | StatusFeaturesOK | StatusDriverOK)
}

// NewDeviceQueue sets queue i up with at most max entries (rounded down
// to a power of two, §2.7) in memory from dma.
//
// When the transport's queue sizes are fixed (FixedQueueSize, legacy
// PCI) the queue has exactly the device's size, even when that is more
// than max: the driver cannot choose (§4.1.5.1.3.1), so the caller must
// use q.Size() rather than max. A fixed size that is not a power of two,
// or memory from dma that is not 4096-aligned (§2.7.2), is an error.
func NewDeviceQueue(t Transport, i int, max uint16, dma DMA) (*Queue, error) {
	fixed := hasFixedQueues(t)
	n := t.QueueMax(i)
	size := min(n, max)
	if fixed {
		size = n
	}
	if size == 0 {
		return nil, fmt.Errorf("virtio: the device has no queue %d", i)
	}
	if fixed && size&(size-1) != 0 {
		return nil, fmt.Errorf("virtio: the device's queue %d has %d entries, not a power of two", i, size)
	}
	for size&(size-1) != 0 {
		size &= size - 1
	}
	mem, phys, err := dma(QueueBytes(size))
	if err != nil {
		return nil, err
	}
	if fixed && phys%legacyQueueAlign != 0 {
		return nil, fmt.Errorf("virtio: queue %d memory at %#x is not %d-aligned", i, phys, legacyQueueAlign)
	}
	q, err := NewQueue(size, mem, phys)
	if err != nil {
		return nil, err
	}
	if c, ok := t.(checkedSetup); ok {
		if err := c.SetupQueueChecked(i, q); err != nil {
			return nil, err
		}
		return q, nil
	}
	t.SetupQueue(i, q)
	return q, nil
}
