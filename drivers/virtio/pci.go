package virtio

import (
	"errors"
	"fmt"

	"unigo/drivers/pci"
)

// virtio over PCI, modern interface (virtio spec v1.2 §4.1): the device's
// structures are found through vendor-specific PCI capabilities, each
// naming a BAR window; interrupts are MSI-X messages.

// Window is access to one mapped region of a BAR.
type Window interface {
	Read8(off uintptr) uint8
	Write8(off uintptr, v uint8)
	Read16(off uintptr) uint16
	Write16(off uintptr, v uint16)
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// PCIConfig is what the transport needs of configuration space (pci.Config).
type PCIConfig interface {
	Read8(off uint8) uint8
	Read16(off uint8) uint16
	Read32(off uint8) uint32
	Write16(off uint8, v uint16)
	BAR(i int) (addr uint64, is64 bool)
	EnableMemory()
	EnableIO()
	Caps(fn func(id, off uint8))
}

// ErrLegacyOnly: the device has no modern virtio-pci interface; it may
// offer the legacy one (NewLegacyPCI).
var ErrLegacyOnly = errors.New("virtio-pci: no modern interface (a legacy-only device)")

// MapFunc maps n bytes at physical address phys and returns a Window on them.
type MapFunc func(phys uint64, n uint32) (Window, error)

// PCI vendor and capability constants (§4.1.4).
const (
	VendorVirtio = 0x1AF4
	capVendor    = 0x09
	capMSIX      = pci.CapMSIX
	cfgCommon    = 1
	cfgNotify    = 2
	cfgISR       = 3
	cfgDevice    = 4
	noVector     = 0xFFFF
	bootCPU      = 0 // the local APIC that MSI-X messages go to
)

// Common configuration layout (§4.1.4.3).
const (
	ccDeviceFeatureSel = 0
	ccDeviceFeature    = 4
	ccDriverFeatureSel = 8
	ccDriverFeature    = 12
	ccConfigMSIX       = 16
	ccStatus           = 20
	ccQueueSelect      = 22
	ccQueueSize        = 24
	ccQueueMSIX        = 26
	ccQueueEnable      = 28
	ccQueueNotifyOff   = 30
	ccQueueDesc        = 32
	ccQueueDriver      = 40
	ccQueueDevice      = 48
)

// PCI is a virtio-pci modern transport.
type PCI struct {
	common, notify, isr, device Window
	notifyMult                  uint32
	vector                      uint16 // MSI-X table entry for the queues, or noVector
	notifyOff                   map[int]uintptr
}

type capInfo struct {
	bar        uint8
	off, n     uint32
	notifyMult uint32
}

// NewPCI finds the device's structures, maps them with mapw, and, when
// the device has MSI-X, routes table entry 0 to vector on the boot CPU.
func NewPCI(c PCIConfig, mapw MapFunc, vector uint8) (*PCI, error) {
	caps := map[uint8]capInfo{}
	msix := uint8(0)
	c.Caps(func(id, off uint8) {
		switch id {
		case capVendor:
			t := c.Read8(off + 3)
			if _, dup := caps[t]; dup || c.Read8(off+4) > 5 { // bars 6+ are reserved: ignore the cap
				return // the first of each type is the preferred one (§4.1.4)
			}
			ci := capInfo{bar: c.Read8(off + 4), off: c.Read32(off + 8), n: c.Read32(off + 12)}
			if t == cfgNotify {
				ci.notifyMult = c.Read32(off + 16)
			}
			caps[t] = ci
		case capMSIX:
			msix = off
		}
	})
	for _, t := range []uint8{cfgCommon, cfgNotify, cfgDevice} {
		if _, ok := caps[t]; !ok {
			return nil, fmt.Errorf("%w: no capability of type %d", ErrLegacyOnly, t)
		}
	}
	c.EnableMemory()
	win := func(ci capInfo) (Window, error) {
		base, _ := c.BAR(int(ci.bar))
		if base == 0 {
			return nil, fmt.Errorf("virtio-pci: BAR %d is not a memory BAR", ci.bar)
		}
		return mapw(base+uint64(ci.off), ci.n)
	}
	p := &PCI{vector: noVector, notifyMult: caps[cfgNotify].notifyMult, notifyOff: map[int]uintptr{}}
	var err error
	if p.common, err = win(caps[cfgCommon]); err != nil {
		return nil, err
	}
	if p.notify, err = win(caps[cfgNotify]); err != nil {
		return nil, err
	}
	if p.device, err = win(caps[cfgDevice]); err != nil {
		return nil, err
	}
	if ci, ok := caps[cfgISR]; ok {
		if p.isr, err = win(ci); err != nil {
			return nil, err
		}
	}
	if msix != 0 {
		if err := setupMSIX(c, msix, mapw, vector); err != nil {
			return nil, err
		}
		p.vector = 0
	}
	return p, nil
}

// setupMSIX points MSI-X table entry 0 at vector on the boot CPU and
// enables MSI-X (drivers/pci). Both transports use it.
func setupMSIX(c PCIConfig, cap uint8, mapw MapFunc, vector uint8) error {
	mapTable := func(phys uint64, n uint32) (pci.Window, error) { return mapw(phys, n) }
	if err := pci.SetupMSIX(c, cap, mapTable, 0, bootCPU, vector); err != nil {
		return fmt.Errorf("virtio-pci: %w", err)
	}
	return nil
}

// Reset writes 0 to the status and waits for it to read back 0.
func (p *PCI) Reset() {
	p.common.Write8(ccStatus, 0)
	for i := 0; i < 1000 && p.common.Read8(ccStatus) != 0; i++ {
	}
}

// Status reads the device status.
func (p *PCI) Status() uint8 { return p.common.Read8(ccStatus) }

// SetStatus writes the device status.
func (p *PCI) SetStatus(s uint8) { p.common.Write8(ccStatus, s) }

// Features reads the 64 device feature bits.
func (p *PCI) Features() uint64 {
	p.common.Write32(ccDeviceFeatureSel, 0)
	lo := p.common.Read32(ccDeviceFeature)
	p.common.Write32(ccDeviceFeatureSel, 1)
	hi := p.common.Read32(ccDeviceFeature)
	return uint64(hi)<<32 | uint64(lo)
}

// SetFeatures writes the driver's feature bits.
func (p *PCI) SetFeatures(f uint64) {
	p.common.Write32(ccDriverFeatureSel, 0)
	p.common.Write32(ccDriverFeature, uint32(f))
	p.common.Write32(ccDriverFeatureSel, 1)
	p.common.Write32(ccDriverFeature, uint32(f>>32))
	p.common.Write16(ccConfigMSIX, noVector)
}

// QueueMax is the largest size queue i supports (0: no such queue).
func (p *PCI) QueueMax(i int) uint16 {
	p.common.Write16(ccQueueSelect, uint16(i))
	return p.common.Read16(ccQueueSize)
}

// SetupQueue gives queue i to the device, its interrupts on the MSI-X entry.
func (p *PCI) SetupQueue(i int, q *Queue) {
	desc, drv, dev := q.Addresses()
	c := p.common
	c.Write16(ccQueueSelect, uint16(i))
	c.Write16(ccQueueSize, q.Size())
	c.Write16(ccQueueMSIX, p.vector)
	for _, f := range []struct {
		off uintptr
		v   uint64
	}{{ccQueueDesc, desc}, {ccQueueDriver, drv}, {ccQueueDevice, dev}} {
		c.Write32(f.off, uint32(f.v))
		c.Write32(f.off+4, uint32(f.v>>32))
	}
	p.notifyOff[i] = uintptr(c.Read16(ccQueueNotifyOff)) * uintptr(p.notifyMult)
	c.Write16(ccQueueEnable, 1)
}

// Notify tells the device that queue i has new buffers (§4.1.4.4).
func (p *PCI) Notify(i int) { p.notify.Write16(p.notifyOff[i], uint16(i)) }

// AckInterrupt reads the ISR status, which clears it (§4.1.4.5); with
// MSI-X there is nothing to acknowledge.
func (p *PCI) AckInterrupt() uint32 {
	if p.vector != noVector || p.isr == nil {
		return 1
	}
	return uint32(p.isr.Read8(0))
}

// Config reads byte off of the device-specific configuration.
func (p *PCI) Config(off int) byte { return p.device.Read8(uintptr(off)) }
