package virtio

import (
	"errors"
	"fmt"

	"unigo/drivers/pci"
)

// virtio over PCI, legacy interface (virtio spec v1.2 §4.1.4.10, the
// virtio 0.9.5 layout that transitional devices keep): a fixed header in
// I/O BAR 0, then the device-specific configuration. Queues have a size
// the device chooses and are given as one page frame number, laid out
// with the legacy 4096-byte alignment (§2.7.2).

// Legacy header layout (§4.1.4.10): offset, and in the comment width and
// access.
const (
	lgDeviceFeatures = 0  // 32, read-only: feature bits 0-31
	lgDriverFeatures = 4  // 32
	lgQueueAddress   = 8  // 32: physical address >> lgQueuePFNShift
	lgQueueSize      = 12 // 16, read-only: of the selected queue
	lgQueueSelect    = 14 // 16
	lgQueueNotify    = 16 // 16: write the queue index
	lgStatus         = 18 // 8
	lgISR            = 19 // 8, read-only: reading clears it
	lgConfigVector   = 20 // 16, only with MSI-X enabled
	lgQueueVector    = 22 // 16, only with MSI-X enabled: of the selected queue
	lgConfigNoMSIX   = 20 // device-specific configuration without MSI-X
	lgConfigMSIX     = 24 // and with MSI-X enabled
	lgQueuePFNShift  = 12 // the queue address is a 4096-byte page number
	lgQueueAddrBits  = 32 + lgQueuePFNShift
)

// Configuration space bits NewLegacyPCI checks (PCI 3.0 §6.2.5.1).
const (
	pciRegBAR0 = 0x10
	pciBARIO   = 1 << 0 // an I/O BAR
)

// LegacyPCI is a virtio-pci transport over the legacy interface of a
// legacy or transitional device (PCI device id 0x1000-0x103F with no
// modern capabilities). Besides Transport it has the optional methods
// Legacy, FixedQueueSize and SetupQueueChecked that Negotiate, Ready and
// NewDeviceQueue look for: use those rather than SetupQueue directly.
type LegacyPCI struct {
	io     Window  // BAR 0
	msix   bool    // MSI-X enabled: queues interrupt on table entry 0
	config uintptr // where the device-specific configuration starts
}

// NewLegacyPCI returns the transport over io, which must give access to
// the device's I/O BAR 0 (offset 0 is the BAR's first port). It turns on
// I/O decoding and bus mastering and, when the device has MSI-X, routes
// table entry 0 to vector on the boot CPU as NewPCI does.
//
// Mapping an event to an MSI-X vector may fail, which the device reports
// by reading back NO_VECTOR (§4.1.5.1.2). NewLegacyPCI checks that the
// device accepts entry 0 by mapping configuration changes to it and
// reading back (then unmaps them: drivers ask for no configuration
// interrupts); if the device refuses, MSI-X is disabled again and the
// device interrupts through INTx, acknowledged by reading the ISR. MSIX
// tells the caller which interrupt to wire. A queue whose own vector the
// device refuses later fails SetupQueueChecked.
func NewLegacyPCI(c PCIConfig, io Window, mapw MapFunc, vector uint8) (*LegacyPCI, error) {
	if io == nil {
		return nil, errors.New("virtio-pci legacy: no window on BAR 0")
	}
	if c.Read32(pciRegBAR0)&pciBARIO == 0 {
		return nil, errors.New("virtio-pci legacy: BAR 0 is not an I/O BAR")
	}
	msix := findCap(c, capMSIX)
	c.EnableIO()
	p := &LegacyPCI{io: io, config: lgConfigNoMSIX}
	if msix == 0 {
		return p, nil
	}
	c.EnableMemory() // the MSI-X table is in a memory BAR
	if err := setupMSIX(c, msix, mapw, vector); err != nil {
		return nil, err
	}
	// With MSI-X enabled the vector registers exist (§4.1.4.10).
	io.Write16(lgConfigVector, 0)
	ok := io.Read16(lgConfigVector) == 0
	io.Write16(lgConfigVector, noVector)
	if !ok {
		pci.DisableMSIX(c, msix)
		return p, nil
	}
	p.msix, p.config = true, lgConfigMSIX
	return p, nil
}

// findCap returns the offset of the first capability with id, or 0.
func findCap(c PCIConfig, id uint8) uint8 {
	at := uint8(0)
	c.Caps(func(capID, off uint8) {
		if capID == id && at == 0 {
			at = off
		}
	})
	return at
}

// Legacy reports that the device is driven through its legacy interface.
func (p *LegacyPCI) Legacy() bool { return true }

// FixedQueueSize reports that queue sizes are the device's (§4.1.5.1.3.1).
func (p *LegacyPCI) FixedQueueSize() bool { return true }

// MSIX reports whether the device interrupts through MSI-X table entry 0
// (the vector given to NewLegacyPCI); otherwise it uses INTx.
func (p *LegacyPCI) MSIX() bool { return p.msix }

// Reset writes 0 to the status and waits for it to read back 0.
func (p *LegacyPCI) Reset() {
	p.io.Write8(lgStatus, 0)
	for i := 0; i < 1000 && p.io.Read8(lgStatus) != 0; i++ {
	}
}

// Status reads the device status.
func (p *LegacyPCI) Status() uint8 { return p.io.Read8(lgStatus) }

// SetStatus writes the device status.
func (p *LegacyPCI) SetStatus(s uint8) { p.io.Write8(lgStatus, s) }

// Features reads the device's feature bits: a legacy device has 32.
func (p *LegacyPCI) Features() uint64 { return uint64(p.io.Read32(lgDeviceFeatures)) }

// SetFeatures writes the low 32 bits of f, the only ones a legacy device
// has. With MSI-X it also leaves configuration changes without an
// interrupt, as PCI.SetFeatures does.
func (p *LegacyPCI) SetFeatures(f uint64) {
	p.io.Write32(lgDriverFeatures, uint32(f))
	if p.msix {
		p.io.Write16(lgConfigVector, noVector)
	}
}

// QueueMax is queue i's size, which the driver must use (0: no such queue).
func (p *LegacyPCI) QueueMax(i int) uint16 {
	p.io.Write16(lgQueueSelect, uint16(i))
	return p.io.Read16(lgQueueSize)
}

// SetupQueue is SetupQueueChecked without its error: a queue the device
// cannot take is left unconfigured.
func (p *LegacyPCI) SetupQueue(i int, q *Queue) { _ = p.SetupQueueChecked(i, q) }

// SetupQueueChecked gives queue i to the device (§4.1.5.1.3.1): q must
// have the device's size and the legacy layout (§2.7.2) at a
// 4096-aligned address below 2^44 (the page number is 32 bits). With
// MSI-X the queue interrupts on table entry 0; a device that refuses
// the vector (reads back NO_VECTOR, §4.1.5.1.2) fails, and the queue is
// not activated. When q does not fit, nothing but the queue select is
// written.
func (p *LegacyPCI) SetupQueueChecked(i int, q *Queue) error {
	desc, drv, dev := q.Addresses()
	n := uint64(q.Size())
	switch {
	case desc%legacyQueueAlign != 0:
		return fmt.Errorf("virtio-pci legacy: queue %d at %#x is not %d-aligned", i, desc, legacyQueueAlign)
	case desc>>lgQueueAddrBits != 0:
		return fmt.Errorf("virtio-pci legacy: queue %d at %#x is beyond the 32-bit page number", i, desc)
	case drv != desc+16*n || dev != desc+legacyUsedOffset(n):
		return fmt.Errorf("virtio-pci legacy: queue %d rings at %#x, %#x, %#x are not in the legacy layout", i, desc, drv, dev)
	}
	p.io.Write16(lgQueueSelect, uint16(i))
	if size := p.io.Read16(lgQueueSize); uint64(size) != n {
		return fmt.Errorf("virtio-pci legacy: queue %d has %d entries, the device's has %d", i, n, size)
	}
	if p.msix {
		p.io.Write16(lgQueueVector, 0)
		if v := p.io.Read16(lgQueueVector); v != 0 {
			return fmt.Errorf("virtio-pci legacy: the device refused MSI-X entry 0 for queue %d (read back %#x)", i, v)
		}
	}
	p.io.Write32(lgQueueAddress, uint32(desc>>lgQueuePFNShift))
	return nil
}

// legacyUsedOffset is where the used ring of an n-entry queue starts
// (§2.7.2): after the descriptor table (16 bytes each) and the available
// ring (flags, idx, n entries, used_event: 2 bytes each), aligned.
func legacyUsedOffset(n uint64) uint64 {
	return (16*n + 2*(3+n) + legacyQueueAlign - 1) &^ (legacyQueueAlign - 1)
}

// Notify tells the device that queue i has new buffers (§4.1.4.10).
func (p *LegacyPCI) Notify(i int) { p.io.Write16(lgQueueNotify, uint16(i)) }

// AckInterrupt reads the ISR status, which clears it and deasserts INTx
// (§4.1.4.5); with MSI-X there is nothing to acknowledge.
func (p *LegacyPCI) AckInterrupt() uint32 {
	if p.msix {
		return 1
	}
	return uint32(p.io.Read8(lgISR))
}

// Config reads byte off of the device-specific configuration, which
// moves with MSI-X (§4.1.4.10).
func (p *LegacyPCI) Config(off int) byte { return p.io.Read8(p.config + uintptr(off)) }
