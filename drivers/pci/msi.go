package pci

import "fmt"

// Message-signalled interrupts: MSI and MSI-X (PCI Local Bus spec 3.0
// §6.8). A device interrupts by writing a message, a data word to an
// address, that the platform turns into an interrupt: on x86 the address
// names a local APIC and the data a vector (Intel SDM vol. 3, 12.11).
// The kernel routes no INTx pins, so a PCI device's interrupts come this
// way or not at all.

// Capability IDs (PCI 3.0, appendix H).
const (
	CapMSI  = 0x05
	CapMSIX = 0x11
)

// Interrupt messages to the local APIC (Intel SDM vol. 3, 12.11
// "Message Signalled Interrupts").
const (
	// msiAddrFixed: bits 31:20 of the message address hold the fixed
	// value FEEH (12.11.1 "Message Address Register Format"); the
	// redirection hint (bit 3) and destination mode (bit 2) stay 0:
	// physical destination, the APIC named in bits 19:12.
	msiAddrFixed     = 0xFEE << 20
	msiAddrDestShift = 12
	// Message data (12.11.2 "Message Data Register Format"): the vector
	// in bits 7:0; delivery mode (bits 10:8) 000 is fixed; trigger mode
	// (bit 15) 0 is edge, for which the level bit (14) is ignored.
	msiDataVectorMask = 0xFF
)

// Message returns the address and data of a message that raises vector
// on the local APIC with id dest: fixed delivery, physical destination
// mode, edge-triggered.
func Message(dest, vector uint8) (addr uint64, data uint32) {
	return msiAddrFixed | uint64(dest)<<msiAddrDestShift, uint32(vector) & msiDataVectorMask
}

// MSI capability (PCI 3.0 §6.8.1): Message Control at +2, the message
// address at +4, then either the data at +8 (32-bit) or the upper
// address at +8 and the data at +0xC (64-bit capable).
const (
	msiControl      = 2
	msiAddrLo       = 4
	msiAddrHi       = 8
	msiData32       = 8
	msiData64       = 0xC
	msiEnable       = 1 << 0
	msiMultiEnable  = 0x7 << 4 // Multiple Message Enable: 0 is one message
	msi64BitCapable = 1 << 7
)

// SetupMSI points the MSI at cap (found with FindCap(CapMSI)) at vector
// on local APIC dest, with one message, and enables it. The address and
// data are written before the enable bit, so the device never sends a
// half-written message.
func SetupMSI(c Config, cap, dest, vector uint8) {
	addr, data := Message(dest, vector)
	ctl := c.Read16(cap + msiControl)
	c.Write16(cap+msiControl, ctl&^(msiEnable|msiMultiEnable))
	c.Write32(cap+msiAddrLo, uint32(addr))
	dataAt := uint8(msiData32)
	if ctl&msi64BitCapable != 0 {
		c.Write32(cap+msiAddrHi, uint32(addr>>32))
		dataAt = msiData64
	}
	c.Write16(cap+dataAt, uint16(data))
	c.Write16(cap+msiControl, ctl&^msiMultiEnable|msiEnable)
}

// MSI-X capability (PCI 3.0 §6.8.2): Message Control at +2 (table size
// minus one in bits 10:0, Function Mask bit 14, MSI-X Enable bit 15),
// the table's BAR (bits 2:0) and offset at +4. The table lives in a
// memory BAR: 16 bytes per entry, the message address, its upper half,
// the data and the vector control (bit 0 masks the entry).
const (
	msixControl      = 2
	msixTable        = 4
	msixTableSize    = 0x7FF
	msixFunctionMask = 1 << 14
	msixEnable       = 1 << 15
	msixBIRMask      = 0x7
	msixEntrySize    = 16
	msixEntryAddrLo  = 0
	msixEntryAddrHi  = 4
	msixEntryData    = 8
	msixEntryControl = 12
	msixEntryMasked  = 1 << 0
)

// MSIXConfig is what MSI-X setup needs of a function's configuration
// space (Config has it; drivers' tests fake it).
type MSIXConfig interface {
	Read16(off uint8) uint16
	Read32(off uint8) uint32
	Write16(off uint8, v uint16)
	BAR(i int) (addr uint64, is64 bool)
}

// MapFunc maps n bytes of device memory at physical address phys,
// uncached, and returns a Window on them.
type MapFunc func(phys uint64, n uint32) (Window, error)

// SetupMSIX points table entry entry of the MSI-X at cap at vector on
// local APIC dest, unmasked, and enables MSI-X with the function
// unmasked. The entry is complete before MSI-X is enabled. The table's
// BAR must be a memory BAR and memory decoding on (Config.EnableMemory).
func SetupMSIX(c MSIXConfig, cap uint8, mapw MapFunc, entry int, dest, vector uint8) error {
	ctl := c.Read16(cap + msixControl)
	if size := int(ctl&msixTableSize) + 1; entry < 0 || entry >= size {
		return fmt.Errorf("MSI-X table entry %d of %d", entry, size)
	}
	table := c.Read32(cap + msixTable)
	bir := int(table & msixBIRMask)
	base, _ := c.BAR(bir)
	if base == 0 {
		return fmt.Errorf("MSI-X table in an I/O BAR (BAR %d)", bir)
	}
	w, err := mapw(base+uint64(table&^msixBIRMask)+uint64(entry)*msixEntrySize, msixEntrySize)
	if err != nil {
		return err
	}
	addr, data := Message(dest, vector)
	w.Write32(msixEntryAddrLo, uint32(addr))
	w.Write32(msixEntryAddrHi, uint32(addr>>32))
	w.Write32(msixEntryData, data)
	w.Write32(msixEntryControl, 0) // not msixEntryMasked
	c.Write16(cap+msixControl, ctl&^msixFunctionMask|msixEnable)
	return nil
}

// DisableMSIX turns MSI-X off again: the function interrupts through
// its INTx pin, if at all.
func DisableMSIX(c MSIXConfig, cap uint8) {
	c.Write16(cap+msixControl, c.Read16(cap+msixControl)&^msixEnable)
}

// FindCap returns the offset of the first capability with id, or 0.
func (c Config) FindCap(id uint8) uint8 {
	at := uint8(0)
	c.Caps(func(capID, off uint8) {
		if capID == id && at == 0 {
			at = off
		}
	})
	return at
}
