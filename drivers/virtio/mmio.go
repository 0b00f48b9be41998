package virtio

import (
	"errors"
	"fmt"
)

// virtio-mmio registers (§4.2.2, version 2 layout).
const (
	regMagic          = 0x000
	regVersion        = 0x004
	regDeviceID       = 0x008
	regDeviceFeatures = 0x010
	regDeviceFeatSel  = 0x014
	regDriverFeatures = 0x020
	regDriverFeatSel  = 0x024
	regQueueSel       = 0x030
	regQueueNumMax    = 0x034
	regQueueNum       = 0x038
	regQueueReady     = 0x044
	regQueueNotify    = 0x050
	regInterruptStat  = 0x060
	regInterruptAck   = 0x064
	regStatus         = 0x070
	regQueueDescLow   = 0x080
	regQueueDescHigh  = 0x084
	regQueueDrvLow    = 0x090
	regQueueDrvHigh   = 0x094
	regQueueDevLow    = 0x0a0
	regQueueDevHigh   = 0x0a4
	regConfig         = 0x100

	mmioMagic = 0x74726976 // "virt"
)

// Device status bits (§2.1).
const (
	StatusAcknowledge = 1
	StatusDriver      = 2
	StatusDriverOK    = 4
	StatusFeaturesOK  = 8
	StatusFailed      = 128
)

// FeatureVersion1 is VIRTIO_F_VERSION_1 (§6).
const FeatureVersion1 = 1 << 32

// Registers is 32-bit register access to one transport window.
type Registers interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// MMIO is a virtio-mmio transport.
type MMIO struct{ r Registers }

// ErrNoDevice: the window holds no virtio device.
var ErrNoDevice = errors.New("virtio: no device")

// NewMMIO checks the window's magic and version and returns the transport.
func NewMMIO(r Registers) (*MMIO, error) {
	if r.Read32(regMagic) != mmioMagic || r.Read32(regDeviceID) == 0 {
		return nil, ErrNoDevice
	}
	if v := r.Read32(regVersion); v != 2 {
		return nil, fmt.Errorf("virtio-mmio version %d: only version 2 (virtio 1.x) is supported; QEMU: -global virtio-mmio.force-legacy=false", v)
	}
	return &MMIO{r: r}, nil
}

// DeviceID names the device type.
func (m *MMIO) DeviceID() uint32 { return m.r.Read32(regDeviceID) }

// Reset writes 0 to the status and waits for it to read back 0.
func (m *MMIO) Reset() {
	m.r.Write32(regStatus, 0)
	for i := 0; i < 1000 && m.r.Read32(regStatus) != 0; i++ {
	}
}

// Status reads the device status.
func (m *MMIO) Status() uint8 { return uint8(m.r.Read32(regStatus)) }

// SetStatus writes the device status.
func (m *MMIO) SetStatus(s uint8) { m.r.Write32(regStatus, uint32(s)) }

// Features reads the 64 device feature bits.
func (m *MMIO) Features() uint64 {
	m.r.Write32(regDeviceFeatSel, 0)
	lo := m.r.Read32(regDeviceFeatures)
	m.r.Write32(regDeviceFeatSel, 1)
	hi := m.r.Read32(regDeviceFeatures)
	return uint64(hi)<<32 | uint64(lo)
}

// SetFeatures writes the driver's feature bits.
func (m *MMIO) SetFeatures(f uint64) {
	m.r.Write32(regDriverFeatSel, 0)
	m.r.Write32(regDriverFeatures, uint32(f))
	m.r.Write32(regDriverFeatSel, 1)
	m.r.Write32(regDriverFeatures, uint32(f>>32))
}

// QueueMax is the largest size queue i supports (0: no such queue).
func (m *MMIO) QueueMax(i int) uint16 {
	m.r.Write32(regQueueSel, uint32(i))
	return uint16(m.r.Read32(regQueueNumMax))
}

// SetupQueue gives queue i to the device.
func (m *MMIO) SetupQueue(i int, q *Queue) {
	desc, drv, dev := q.Addresses()
	m.r.Write32(regQueueSel, uint32(i))
	m.r.Write32(regQueueNum, uint32(q.Size()))
	m.r.Write32(regQueueDescLow, uint32(desc))
	m.r.Write32(regQueueDescHigh, uint32(desc>>32))
	m.r.Write32(regQueueDrvLow, uint32(drv))
	m.r.Write32(regQueueDrvHigh, uint32(drv>>32))
	m.r.Write32(regQueueDevLow, uint32(dev))
	m.r.Write32(regQueueDevHigh, uint32(dev>>32))
	m.r.Write32(regQueueReady, 1)
}

// Notify tells the device that queue i has new buffers.
func (m *MMIO) Notify(i int) { m.r.Write32(regQueueNotify, uint32(i)) }

// AckInterrupt reads and acknowledges the interrupt status.
func (m *MMIO) AckInterrupt() uint32 {
	s := m.r.Read32(regInterruptStat)
	if s != 0 {
		m.r.Write32(regInterruptAck, s)
	}
	return s
}

// Config reads byte off of the device-specific configuration.
func (m *MMIO) Config(off int) byte {
	w := m.r.Read32(regConfig + uintptr(off&^3))
	return byte(w >> (8 * (off & 3)))
}
