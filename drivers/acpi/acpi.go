// Package acpi finds the ACPI tables the firmware leaves in memory and
// parses the few that unigo needs: the MADT (CPUs, I/O APICs, ISA
// interrupt overrides), the MCFG (PCI Express ECAM windows) and the FADT
// (legacy-device flags, reset register, DSDT address). Section numbers
// refer to the ACPI 6.5 specification unless said otherwise.
//
// The parsers are pure Go over a Memory interface, so they run under go
// test and under the fuzzer; every length the firmware gives is checked
// before it is used, a bad table is skipped and reported in
// Tables.Errors, and the total amount read is bounded.
//
// Wiring it in (the kernel, once the Go heap exists: Parse allocates):
//
//  1. Implement Memory over the identity map. Read must fail, not fault,
//     outside what is mapped: the tables usually sit in memory the
//     firmware marks reserved or ACPI-reclaimable in its memory map, which
//     the kernel has to map (read-only) first, and corrupt tables may
//     point anywhere.
//  2. Take the RSDP address the boot loader gave (boot.BootInfo.RSDP, the
//     PVH start_info.rsdp_paddr); when it is 0, call FindRSDP, which
//     searches where a legacy BIOS puts it (not present on UEFI-only
//     machines, where the loader must pass it).
//  3. t, err := acpi.Parse(mem, rsdp); print t.Errors as warnings.
//  4. Use t.MADT.LocalAPICAddress and t.MADT.IOAPICs instead of the
//     lapic and ioapic packages' default bases, t.MADT.ISAIRQ to route
//     ISA lines (the PIT's IRQ 0 is GSI 2 on most machines), t.MADT.CPUs
//     to start other processors; for each t.MCFG entry, map
//     MCFGEntry.Region uncached and hand it to pci.ECAM (segment 0 only,
//     falling back to pci.Mech1 when MCFG is absent); t.FADT tells
//     whether there is an i8042 or VGA (FADT.Has8042,
//     FADT.VGANotPresent) and how to reset (FADT.ResetReg).
package acpi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Memory reads physical memory. The kernel implements it over its
// identity map; tests over a byte slice. Read fills all of b or returns
// an error.
type Memory interface {
	Read(phys uint64, b []byte) error
}

// Limits that keep a corrupt table from costing much.
const (
	// MaxTableLen caps a table's Length field. The largest tables (the
	// DSDT of a big server) are a few hundred KiB.
	MaxTableLen = 1 << 20
	// MaxTables caps how many RSDT/XSDT entries are followed.
	MaxTables = 256
	// maxReadTotal caps the bytes Parse reads, all tables together.
	maxReadTotal = 16 << 20
	// chunk is the unit tables are read and checksummed in.
	chunk = 4096
)

// Errors wrapped by the errors Parse and FindRSDP return.
var (
	ErrNoRSDP    = errors.New("acpi: no RSDP found")
	ErrChecksum  = errors.New("bad checksum")
	ErrSignature = errors.New("unexpected signature")
	ErrLength    = errors.New("bad length")
	ErrBudget    = errors.New("read budget exhausted")
)

// TableError is a problem with one table (or with the RSDP).
type TableError struct {
	Signature string // as found or as expected; may be empty
	Address   uint64 // physical address of the table
	Err       error
}

func (e *TableError) Error() string {
	if e.Signature == "" {
		return fmt.Sprintf("acpi: table at %#x: %v", e.Address, e.Err)
	}
	return fmt.Sprintf("acpi: %q at %#x: %v", e.Signature, e.Address, e.Err)
}

func (e *TableError) Unwrap() error { return e.Err }

// Tables is what Parse found.
type Tables struct {
	Revision uint8  // RSDP revision: 0 for ACPI 1.0, 2 for 2.0 and later
	OEMID    string // from the RSDP
	Root     string // "XSDT" or "RSDT": the table that was followed

	// Signatures lists every valid table reached, in order: those the
	// RSDT/XSDT names, then the DSDT the FADT points to. Tables that
	// failed validation are in Errors instead.
	Signatures []string
	// Addresses holds the physical address of each table in Signatures.
	Addresses []uint64

	MADT *MADT
	MCFG []MCFGEntry
	FADT *FADT

	// Errors lists the tables and entries that were skipped, and why.
	Errors []error
}

// Find returns the address of the first valid table with signature sig.
func (t *Tables) Find(sig string) (uint64, bool) {
	for i, s := range t.Signatures {
		if s == sig {
			return t.Addresses[i], true
		}
	}
	return 0, false
}

// System description table header (§5.2.6): Signature (4 bytes), then
// these fields; Checksum at 9 makes all Length bytes sum to 0.
const (
	headerLen   = 36
	hdrLength   = 4
	hdrRevision = 8
	hdrOEMID    = 10
	hdrOEMTable = 16
)

// Header is the part of the common table header (§5.2.6) worth keeping.
type Header struct {
	Signature  string
	Length     uint32
	Revision   uint8
	OEMID      string
	OEMTableID string
}

// ParseHeader decodes the header at the start of table. It checks that
// the Length field lies in [36, MaxTableLen] and within table, not the
// checksum.
func ParseHeader(table []byte) (Header, error) {
	if len(table) < headerLen {
		return Header{}, fmt.Errorf("%w: %d bytes, want at least %d", ErrLength, len(table), headerLen)
	}
	h := Header{
		Signature:  string(table[:4]),
		Length:     le32(table[hdrLength:]),
		Revision:   table[hdrRevision],
		OEMID:      string(table[hdrOEMID : hdrOEMID+6]),
		OEMTableID: string(table[hdrOEMTable : hdrOEMTable+8]),
	}
	if h.Length < headerLen || h.Length > MaxTableLen {
		return h, fmt.Errorf("%w: Length %d outside [%d, %d]", ErrLength, h.Length, headerLen, MaxTableLen)
	}
	if uint64(h.Length) > uint64(len(table)) {
		return h, fmt.Errorf("%w: Length %d, but only %d bytes", ErrLength, h.Length, len(table))
	}
	return h, nil
}

// tableBody checks table's header against sig and returns the table cut
// to its Length field.
func tableBody(table []byte, sig string) ([]byte, error) {
	h, err := ParseHeader(table)
	if err != nil {
		return nil, err
	}
	if h.Signature != sig {
		return nil, fmt.Errorf("%w %q, want %q", ErrSignature, h.Signature, sig)
	}
	return table[:h.Length], nil
}

// Root System Description Pointer (§5.2.5.3).
const (
	rsdpSignature   = "RSD PTR "
	rsdpV1Len       = 20 // the part covered by Checksum, at 8 (ACPI 1.0 structure)
	rsdpOEMID       = 9
	rsdpRevision    = 15
	rsdpRSDT        = 16
	rsdpLength      = 20
	rsdpXSDT        = 24
	rsdpV2Len       = 36 // the ACPI 2.0 structure, covered by Extended Checksum
	rsdpMaxLen      = 4096
	rsdpRevExtended = 2 // revision 2 and later have Length, XSDT, Extended Checksum
)

// rsdp is a validated RSDP.
type rsdp struct {
	revision   uint8
	oemID      string
	rsdt       uint32
	xsdt       uint64
	hasXSDTPtr bool
}

// checkRSDP validates the RSDP whose first 20 bytes are b20, at addr;
// for revision 2 and later it reads the rest.
func checkRSDP(m Memory, addr uint64, b20 []byte) (rsdp, error) {
	if string(b20[:8]) != rsdpSignature {
		return rsdp{}, fmt.Errorf("%w %q, want %q", ErrSignature, b20[:8], rsdpSignature)
	}
	if sum(b20[:rsdpV1Len]) != 0 {
		return rsdp{}, fmt.Errorf("%w over the first %d bytes", ErrChecksum, rsdpV1Len)
	}
	r := rsdp{
		revision: b20[rsdpRevision],
		oemID:    string(b20[rsdpOEMID : rsdpOEMID+6]),
		rsdt:     le32(b20[rsdpRSDT:]),
	}
	if r.revision < rsdpRevExtended {
		return r, nil
	}
	var head [rsdpV2Len]byte
	if addr > math.MaxUint64-rsdpMaxLen {
		return rsdp{}, fmt.Errorf("%w: address too high", ErrLength)
	}
	if err := m.Read(addr, head[:]); err != nil {
		return rsdp{}, err
	}
	n := le32(head[rsdpLength:])
	if n < rsdpV2Len || n > rsdpMaxLen {
		return rsdp{}, fmt.Errorf("%w: RSDP Length %d outside [%d, %d]", ErrLength, n, rsdpV2Len, rsdpMaxLen)
	}
	all := head[:]
	if n > rsdpV2Len {
		all = make([]byte, n)
		if err := m.Read(addr, all); err != nil {
			return rsdp{}, err
		}
	}
	if sum(all) != 0 {
		return rsdp{}, fmt.Errorf("%w: extended checksum over %d bytes", ErrChecksum, n)
	}
	r.xsdt = le64(head[rsdpXSDT:])
	r.hasXSDTPtr = true
	return r, nil
}

// Where a legacy BIOS leaves the RSDP (§5.2.5.1).
const (
	ebdaSegmentPtr = 0x40E   // BIOS data area word: EBDA segment
	ebdaSearchLen  = 1024    // the first 1 KiB of the EBDA
	biosAreaStart  = 0xE0000 // BIOS read-only memory space
	biosAreaEnd    = 0x100000
	rsdpAlign      = 16
)

// FindRSDP searches for the RSDP where a legacy BIOS leaves it (§5.2.5.1):
// the first 1 KiB of the Extended BIOS Data Area, whose segment is the
// word at 0x40E, then 0xE0000-0xFFFFF, on 16-byte boundaries. A candidate
// counts when its checksum (and, for revision 2 and later, its extended
// checksum) is right. Parts of these areas that cannot be read are
// skipped.
func FindRSDP(m Memory) (uint64, error) {
	buf := make([]byte, chunk)
	var seg [2]byte
	if m.Read(ebdaSegmentPtr, seg[:]) == nil {
		// Segment 0 would search the real-mode interrupt vectors, and an
		// EBDA sits below the 640 KiB of conventional memory.
		if ebda := uint64(binary.LittleEndian.Uint16(seg[:])) << 4; ebda != 0 && ebda+ebdaSearchLen <= 0xA0000 {
			if a, ok := scanRSDP(m, ebda, ebdaSearchLen, buf); ok {
				return a, nil
			}
		}
	}
	if a, ok := scanRSDP(m, biosAreaStart, biosAreaEnd-biosAreaStart, buf); ok {
		return a, nil
	}
	return 0, ErrNoRSDP
}

// scanRSDP looks for a valid RSDP in [base, base+n), reading it a
// chunk at a time into buf (a multiple of 16 bytes).
func scanRSDP(m Memory, base uint64, n int, buf []byte) (uint64, bool) {
	for start := 0; start < n; start += len(buf) {
		b := buf[:min(len(buf), n-start)]
		if m.Read(base+uint64(start), b) != nil {
			continue
		}
		for off := 0; off+len(rsdpSignature) <= len(b) && start+off+rsdpV1Len <= n; off += rsdpAlign {
			if string(b[off:off+len(rsdpSignature)]) != rsdpSignature {
				continue
			}
			// The candidate may run past this chunk (and its extended
			// part past the area): checkRSDP reads what it needs.
			addr := base + uint64(start+off)
			var b20 [rsdpV1Len]byte
			if m.Read(addr, b20[:]) != nil {
				continue
			}
			if _, err := checkRSDP(m, addr, b20[:]); err == nil {
				return addr, true
			}
		}
	}
	return 0, false
}

// Signatures of the tables Parse reads (§5.2.7-§5.2.12; PCI Firmware 3.x §4.1.2).
const (
	sigRSDT = "RSDT"
	sigXSDT = "XSDT"
	sigMADT = "APIC"
	sigFADT = "FACP"
	sigMCFG = "MCFG"
	sigDSDT = "DSDT"
)

// parser reads tables under a budget.
type parser struct {
	m    Memory
	read int // bytes read so far
	buf  []byte
}

// kept says which tables' bytes table returns: those Parse decodes.
func kept(sig string) bool {
	switch sig {
	case sigRSDT, sigXSDT, sigMADT, sigMCFG, sigFADT:
		return true
	}
	return false
}

// table reads the table at addr, checks its length, its checksum and
// (unless want is "") its signature, and returns its signature and, for
// the tables Parse decodes, its bytes.
func (p *parser) table(addr uint64, want string) (string, []byte, error) {
	fail := func(sig string, err error) (string, []byte, error) {
		if sig == "" {
			sig = want
		}
		return sig, nil, &TableError{Signature: sig, Address: addr, Err: err}
	}
	if addr == 0 {
		return fail("", errors.New("null address"))
	}
	if addr > math.MaxUint64-MaxTableLen {
		return fail("", fmt.Errorf("%w: address %#x too high", ErrLength, addr))
	}
	if p.read+headerLen > maxReadTotal {
		return fail("", ErrBudget)
	}
	var hdr [headerLen]byte
	p.read += headerLen
	if err := p.m.Read(addr, hdr[:]); err != nil {
		return fail("", err)
	}
	sig := string(hdr[:4])
	if want != "" && sig != want {
		return fail(sig, fmt.Errorf("%w, want %q", ErrSignature, want))
	}
	n := le32(hdr[hdrLength:])
	if n < headerLen || n > MaxTableLen {
		return fail(sig, fmt.Errorf("%w: Length %d outside [%d, %d]", ErrLength, n, headerLen, MaxTableLen))
	}
	if p.read+int(n)-headerLen > maxReadTotal {
		return fail(sig, ErrBudget)
	}
	s := sum(hdr[:])
	keep := kept(sig)
	var data []byte
	if keep {
		data = append(data, hdr[:]...)
	}
	if p.buf == nil {
		p.buf = make([]byte, chunk)
	}
	// Read in chunks, so that a Length pointing past readable memory
	// fails before much is allocated.
	for off := uint32(headerLen); off < n; {
		b := p.buf[:min(chunk, n-off)]
		p.read += len(b)
		if err := p.m.Read(addr+uint64(off), b); err != nil {
			return fail(sig, fmt.Errorf("reading %d bytes at offset %d of %d: %w", len(b), off, n, err))
		}
		s += sum(b)
		if keep {
			data = append(data, b...)
		}
		off += uint32(len(b))
	}
	if s != 0 {
		return fail(sig, fmt.Errorf("%w over %d bytes", ErrChecksum, n))
	}
	return sig, data, nil
}

// Parse validates the RSDP at rsdp, follows the XSDT (revision 2 and
// later with a non-zero XSDT address) or else the RSDT, and parses the
// MADT, MCFG and FADT it lists; it also validates the DSDT the FADT
// points to. It fails only when the RSDP or the root table is bad; other
// bad tables and entries are skipped and listed in Tables.Errors.
func Parse(m Memory, rsdpAddr uint64) (*Tables, error) {
	var b20 [rsdpV1Len]byte
	if err := m.Read(rsdpAddr, b20[:]); err != nil {
		return nil, &TableError{Signature: "RSD PTR", Address: rsdpAddr, Err: err}
	}
	r, err := checkRSDP(m, rsdpAddr, b20[:])
	if err != nil {
		return nil, &TableError{Signature: "RSD PTR", Address: rsdpAddr, Err: err}
	}
	t := &Tables{Revision: r.revision, OEMID: r.oemID}
	p := &parser{m: m}

	// §5.2.5.3: an OS uses the XSDT when there is one, the RSDT otherwise.
	root, entSize := uint64(r.rsdt), 4
	t.Root = sigRSDT
	if r.hasXSDTPtr && r.xsdt != 0 {
		root, entSize = r.xsdt, 8
		t.Root = sigXSDT
	}
	if root == 0 {
		return nil, &TableError{Signature: t.Root, Err: errors.New("RSDP gives no root table address")}
	}
	_, data, err := p.table(root, t.Root)
	if err != nil {
		return nil, err
	}
	body := data[headerLen:]
	if len(body)%entSize != 0 {
		t.Errors = append(t.Errors, &TableError{Signature: t.Root, Address: root,
			Err: fmt.Errorf("%w: %d entry bytes, not a multiple of %d; last %d ignored", ErrLength, len(body), entSize, len(body)%entSize)})
	}
	n := len(body) / entSize
	if n > MaxTables {
		t.Errors = append(t.Errors, &TableError{Signature: t.Root, Address: root,
			Err: fmt.Errorf("%d entries, only the first %d followed", n, MaxTables)})
		n = MaxTables
	}
	seen := make(map[uint64]bool, n)
	for i := 0; i < n; i++ {
		var addr uint64
		if entSize == 8 {
			addr = le64(body[8*i:])
		} else {
			addr = uint64(le32(body[4*i:]))
		}
		if seen[addr] {
			t.Errors = append(t.Errors, &TableError{Address: addr, Err: fmt.Errorf("%s entry %d repeats an earlier one", t.Root, i)})
			continue
		}
		seen[addr] = true
		p.parseTable(t, addr)
	}
	if t.FADT != nil && t.FADT.DSDT != 0 {
		if sig, _, err := p.table(t.FADT.DSDT, sigDSDT); err != nil {
			t.Errors = append(t.Errors, err)
		} else {
			t.Signatures = append(t.Signatures, sig)
			t.Addresses = append(t.Addresses, t.FADT.DSDT)
		}
	}
	return t, nil
}

// parseTable validates the table at addr and decodes it if Parse knows it.
func (p *parser) parseTable(t *Tables, addr uint64) {
	sig, data, err := p.table(addr, "")
	if err != nil {
		t.Errors = append(t.Errors, err)
		return
	}
	wrap := func(err error) error { return &TableError{Signature: sig, Address: addr, Err: err} }
	known := sig == sigMADT || sig == sigMCFG || sig == sigFADT
	if !known {
		t.Signatures = append(t.Signatures, sig)
		t.Addresses = append(t.Addresses, addr)
		return
	}
	if sig == sigMADT && t.MADT != nil || sig == sigFADT && t.FADT != nil || sig == sigMCFG && t.MCFG != nil {
		t.Errors = append(t.Errors, wrap(errors.New("second table with this signature ignored")))
		return
	}
	switch sig {
	case sigMADT:
		madt, errs := ParseMADT(data)
		for _, e := range errs {
			t.Errors = append(t.Errors, wrap(e))
		}
		if madt == nil {
			return
		}
		t.MADT = madt
	case sigMCFG:
		entries, errs := ParseMCFG(data)
		for _, e := range errs {
			t.Errors = append(t.Errors, wrap(e))
		}
		if entries == nil { // unusable (an empty but valid MCFG gives a non-nil slice)
			return
		}
		t.MCFG = entries
	case sigFADT:
		fadt, err := ParseFADT(data)
		if err != nil {
			t.Errors = append(t.Errors, wrap(err))
			return
		}
		t.FADT = fadt
	}
	t.Signatures = append(t.Signatures, sig)
	t.Addresses = append(t.Addresses, addr)
}

// sum adds bytes modulo 256; a table is valid when its bytes sum to 0.
func sum(b []byte) uint8 {
	var s uint8
	for _, c := range b {
		s += c
	}
	return s
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
