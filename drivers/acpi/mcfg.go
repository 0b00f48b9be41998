package acpi

import "fmt"

// MCFG layout (PCI Firmware Specification 3.x §4.1.2): the header, 8
// reserved bytes, then one 16-byte allocation structure per range of
// buses with memory-mapped (ECAM) configuration space.
const (
	mcfgEntries   = 44
	mcfgEntryLen  = 16
	mcfgBase      = 0  // Base Address, 8 bytes
	mcfgSegment   = 8  // PCI Segment Group Number, 2 bytes
	mcfgStartBus  = 10 // Start PCI Bus Number
	mcfgEndBus    = 11 // End PCI Bus Number
	ecamBusShift  = 20 // 1 MiB of configuration space per bus (PCIe base spec §7.2.2)
	ecamBusWindow = 1 << ecamBusShift
)

// MCFGEntry is one MCFG allocation: the configuration space of buses
// StartBus..EndBus of segment Segment is memory-mapped.
type MCFGEntry struct {
	// Base is the address bus 0 of the segment would have: bus b is at
	// Base + b<<20 even when StartBus is not 0 (see Region).
	Base     uint64
	Segment  uint16
	StartBus uint8
	EndBus   uint8
}

// Region returns the physical address and size of the configuration
// space the entry covers: StartBus's 1 MiB at Base + StartBus<<20, up to
// the end of EndBus's. This is what to map and to hand to pci.ECAM with
// the same StartBus and EndBus.
func (e MCFGEntry) Region() (phys, size uint64) {
	return e.Base + uint64(e.StartBus)<<ecamBusShift, (uint64(e.EndBus) - uint64(e.StartBus) + 1) << ecamBusShift
}

// ParseMCFG decodes an MCFG: table holds the whole table, header
// included; its checksum is not checked. It returns nil when the table
// is unusable, else its entries (a non-nil, possibly empty slice) and an
// error for each entry skipped (end bus below start bus, zero base, or a
// region that wraps around the address space).
func ParseMCFG(table []byte) ([]MCFGEntry, []error) {
	b, err := tableBody(table, sigMCFG)
	if err != nil {
		return nil, []error{err}
	}
	if len(b) < mcfgEntries {
		return nil, []error{fmt.Errorf("%w: MCFG Length %d, want at least %d", ErrLength, len(b), mcfgEntries)}
	}
	var errs []error
	if r := (len(b) - mcfgEntries) % mcfgEntryLen; r != 0 {
		errs = append(errs, fmt.Errorf("%w: MCFG: %d trailing bytes ignored", ErrLength, r))
	}
	out := []MCFGEntry{}
	for off := mcfgEntries; off+mcfgEntryLen <= len(b); off += mcfgEntryLen {
		e := MCFGEntry{
			Base:     le64(b[off+mcfgBase:]),
			Segment:  le16(b[off+mcfgSegment:]),
			StartBus: b[off+mcfgStartBus],
			EndBus:   b[off+mcfgEndBus],
		}
		switch {
		case e.EndBus < e.StartBus:
			errs = append(errs, fmt.Errorf("MCFG entry at offset %d: end bus %d below start bus %d; skipped", off, e.EndBus, e.StartBus))
			continue
		case e.Base == 0:
			errs = append(errs, fmt.Errorf("MCFG entry at offset %d: base address 0; skipped", off))
			continue
		case e.Base > ^uint64(0)-(uint64(e.EndBus)+1)*ecamBusWindow+1:
			errs = append(errs, fmt.Errorf("MCFG entry at offset %d: base %#x + %d buses wraps around; skipped", off, e.Base, int(e.EndBus)+1))
			continue
		}
		out = append(out, e)
	}
	return out, errs
}
