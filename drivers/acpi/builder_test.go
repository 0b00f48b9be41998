package acpi

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// This file builds firmware tables the way the ACPI 6.5 spec and the PCI
// Firmware spec 3.x lay them out, with offsets spelled out here rather
// than taken from the package, and puts them in a fake physical memory.

// fakeMem is sparse physical memory: a few regions of bytes. A Read must
// fall inside one region, or it fails. Reads are counted so that tests
// can check a corrupt length does not make Parse read much.
type fakeMem struct {
	regions   []fakeRegion
	bytesRead int
	maxRead   int // largest single Read
	reads     int
}

type fakeRegion struct {
	base uint64
	b    []byte
}

func (m *fakeMem) add(base uint64, size int) {
	m.regions = append(m.regions, fakeRegion{base, make([]byte, size)})
}

// region returns the bytes [addr, addr+n) if one region holds them.
func (m *fakeMem) region(addr uint64, n int) ([]byte, bool) {
	for _, r := range m.regions {
		if addr >= r.base && addr-r.base <= uint64(len(r.b)) && uint64(n) <= uint64(len(r.b))-(addr-r.base) {
			off := addr - r.base
			return r.b[off : off+uint64(n)], true
		}
	}
	return nil, false
}

func (m *fakeMem) Read(phys uint64, b []byte) error {
	m.reads++
	m.bytesRead += len(b)
	m.maxRead = max(m.maxRead, len(b))
	r, ok := m.region(phys, len(b))
	if !ok {
		return fmt.Errorf("fakeMem: nothing at [%#x, %#x)", phys, phys+uint64(len(b)))
	}
	copy(b, r)
	return nil
}

// write stores b at addr; the memory must be there.
func (m *fakeMem) write(t testing.TB, addr uint64, b []byte) {
	t.Helper()
	r, ok := m.region(addr, len(b))
	if !ok {
		t.Fatalf("fakeMem.write(%#x, %d bytes): no region holds it", addr, len(b))
	}
	copy(r, b)
}

// Memory layout of a test system.
const (
	lowMemSize = 0x200000  // BIOS data area, EBDA, BIOS read-only area, and the MiB above
	tableBase  = 0x7FE0000 // where tables go, as near the top of RAM
	tableSize  = 0x20000
	highBase   = 0x1_2000_0000 // above 4 GiB, reachable only through the XSDT
	highSize   = 0x1000
)

// system is fake physical memory with an allocator for tables.
type system struct {
	t    testing.TB
	mem  *fakeMem
	next uint64
}

func newSystem(t testing.TB) *system {
	m := &fakeMem{}
	m.add(0, lowMemSize)
	m.add(tableBase, tableSize)
	m.add(highBase, highSize)
	return &system{t: t, mem: m, next: tableBase}
}

// place puts b at the next free 16-byte-aligned address in the table area.
func (s *system) place(b []byte) uint64 {
	a := s.next
	s.mem.write(s.t, a, b)
	s.next = (a + uint64(len(b)) + 15) &^ 15
	return a
}

func (s *system) placeAt(addr uint64, b []byte) uint64 {
	s.mem.write(s.t, addr, b)
	return addr
}

// le encodes values little-endian, back to back.
func le(vs ...any) []byte {
	var b []byte
	for _, v := range vs {
		switch v := v.(type) {
		case uint8:
			b = append(b, v)
		case uint16:
			b = binary.LittleEndian.AppendUint16(b, v)
		case uint32:
			b = binary.LittleEndian.AppendUint32(b, v)
		case uint64:
			b = binary.LittleEndian.AppendUint64(b, v)
		case string:
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		default:
			panic(fmt.Sprintf("le: %T", v))
		}
	}
	return b
}

// checksum returns the byte that makes b sum to 0 when stored in place of a 0.
func checksum(b []byte) uint8 {
	var s uint8
	for _, c := range b {
		s += c
	}
	return -s
}

// seal sets a table's Length (offset 4) to len(b) and its Checksum
// (offset 9) so that all its bytes sum to 0 (§5.2.6).
func seal(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
	b[9] = 0
	b[9] = checksum(b)
	return b
}

// sdt is a system description table: the 36-byte header (§5.2.6) and body.
func sdt(sig string, rev uint8, body []byte) []byte {
	b := le(sig, uint32(0), rev, uint8(0), "UNIGO ", "TESTTABL", uint32(1), "UTST", uint32(1))
	return seal(append(b, body...))
}

// rsdpV1 is an ACPI 1.0 RSDP (§5.2.5.3): 20 bytes, revision 0.
func rsdpV1(rsdt uint32) []byte {
	b := le("RSD PTR ", uint8(0), "UNIGO ", uint8(0), rsdt)
	b[8] = checksum(b)
	return b
}

// rsdpV2 is an ACPI 2.0+ RSDP: 36 bytes, revision 2.
func rsdpV2(rsdt uint32, xsdt uint64) []byte {
	b := le("RSD PTR ", uint8(0), "UNIGO ", uint8(2), rsdt, uint32(36), xsdt, uint8(0), uint8(0), uint8(0), uint8(0))
	b[8] = checksum(b[:20])
	b[32] = checksum(b)
	return b
}

// rsdt and xsdt build root tables (§5.2.7, §5.2.8).
func rsdt(addrs ...uint64) []byte {
	var body []byte
	for _, a := range addrs {
		body = le(body, uint32(a))
	}
	return sdt("RSDT", 1, body)
}

func xsdt(addrs ...uint64) []byte {
	var body []byte
	for _, a := range addrs {
		body = le(body, a)
	}
	return sdt("XSDT", 1, body)
}

// MADT and its interrupt controller structures (§5.2.12).
func madt(lapic, flags uint32, entries ...[]byte) []byte {
	body := le(lapic, flags)
	for _, e := range entries {
		body = append(body, e...)
	}
	return sdt("APIC", 5, body)
}

func eLocalAPIC(uid, id uint8, flags uint32) []byte { return le(uint8(0), uint8(8), uid, id, flags) }
func eIOAPIC(id uint8, addr, gsiBase uint32) []byte {
	return le(uint8(1), uint8(12), id, uint8(0), addr, gsiBase)
}
func eOverride(bus, src uint8, gsi uint32, flags uint16) []byte {
	return le(uint8(2), uint8(10), bus, src, gsi, flags)
}
func eNMISource(flags uint16, gsi uint32) []byte { return le(uint8(3), uint8(8), flags, gsi) }
func eLocalNMI(uid uint8, flags uint16, lint uint8) []byte {
	return le(uint8(4), uint8(6), uid, flags, lint)
}
func eAddrOverride(addr uint64) []byte { return le(uint8(5), uint8(12), uint16(0), addr) }
func eX2APIC(id, flags, uid uint32) []byte {
	return le(uint8(9), uint8(16), uint16(0), id, flags, uid)
}
func eX2APICNMI(flags uint16, uid uint32, lint uint8) []byte {
	return le(uint8(10), uint8(12), flags, uid, lint, uint8(0), uint8(0), uint8(0))
}

// mcfg is an MCFG (PCI Firmware spec 3.x §4.1.2): 8 reserved bytes, then
// 16-byte allocation structures.
func mcfg(entries ...MCFGEntry) []byte {
	body := make([]byte, 8)
	for _, e := range entries {
		body = le(body, e.Base, e.Segment, e.StartBus, e.EndBus, uint32(0))
	}
	return sdt("MCFG", 1, body)
}

// fadt returns a FADT of n bytes (header included) and revision rev,
// for the caller to fill at the §5.2.9 offsets and then seal.
func fadt(rev uint8, n int) []byte {
	b := sdt("FACP", rev, make([]byte, n-36))
	return b
}

func put8(b []byte, off int, v uint8)   { b[off] = v }
func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

// putGAS stores a Generic Address Structure (§5.2.3.2).
func putGAS(b []byte, off int, g GAS) {
	copy(b[off:], le(g.SpaceID, g.BitWidth, g.BitOffset, g.AccessSize, g.Address))
}

// fullFADT is a revision 6 FADT with every field Parse reads set.
func fullFADT(dsdt32 uint32, xdsdt uint64) []byte {
	b := fadt(6, 276)
	put32(b, 36, 0x7FE1000) // FIRMWARE_CTRL
	put32(b, 40, dsdt32)    // DSDT
	put16(b, 46, 9)         // SCI_INT
	put32(b, 48, 0xB2)      // SMI_CMD
	put8(b, 52, 0xF1)       // ACPI_ENABLE
	put8(b, 53, 0xF0)       // ACPI_DISABLE
	put32(b, 56, 0x600)     // PM1a_EVT_BLK
	put32(b, 64, 0x604)     // PM1a_CNT_BLK
	put32(b, 76, 0x608)     // PM_TMR_BLK
	put8(b, 89, 2)          // PM1_CNT_LEN
	put8(b, 108, 0x32)      // CENTURY
	put16(b, 109, 0x0003)   // IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042
	put32(b, 112, 1<<10|1<<8|1<<4)
	putGAS(b, 116, GAS{SpaceID: 1, BitWidth: 8, AccessSize: 1, Address: 0xCF9}) // RESET_REG
	put8(b, 128, 0x0F)                                                          // RESET_VALUE
	put8(b, 131, 5)                                                             // minor version
	put64(b, 132, 0)                                                            // X_FIRMWARE_CTRL
	put64(b, 140, xdsdt)                                                        // X_DSDT
	putGAS(b, 172, GAS{SpaceID: 1, BitWidth: 16, AccessSize: 2, Address: 0x604})
	putGAS(b, 208, GAS{SpaceID: 1, BitWidth: 32, AccessSize: 3, Address: 0x608})
	copy(b[268:], "UNIGOHV\x00")
	return seal(b)
}

// The standard test machine: two CPUs and a disabled one, an I/O APIC,
// the usual PIT and SCI overrides, ECAM for bus 0-255, a full FADT.
var (
	stdMADT = madt(0xFEE00000, 1,
		eLocalAPIC(0, 0, 1),
		eLocalAPIC(1, 2, 1),
		eLocalAPIC(2, 4, 2), // online capable, not enabled
		eIOAPIC(8, 0xFEC00000, 0),
		eOverride(0, 0, 2, 0),
		eOverride(0, 9, 9, 0xD), // active high, level
		eLocalNMI(0xFF, 5, 1),
	)
	stdMCFG = mcfg(MCFGEntry{Base: 0xB0000000, Segment: 0, StartBus: 0, EndBus: 255})
	stdSSDT = sdt("SSDT", 2, []byte{0x10, 0x20, 0x30})
	stdDSDT = sdt("DSDT", 2, make([]byte, 100))
)

// standard builds the standard machine with an RSDP of revision rev at
// rsdpAt: v1 lists everything in an RSDT; v2 lists everything in an XSDT
// and only the SSDT in the RSDT, so that tests can tell which was used.
func (s *system) standard(rev uint8, rsdpAt uint64) {
	dsdt := s.place(stdDSDT)
	tables := []uint64{
		s.place(fullFADT(uint32(dsdt), 0)),
		s.place(stdMADT),
		s.place(stdMCFG),
		s.place(stdSSDT),
	}
	if rev < 2 {
		s.placeAt(rsdpAt, rsdpV1(uint32(s.place(rsdt(tables...)))))
		return
	}
	r := s.place(rsdt(tables[3]))
	x := s.place(xsdt(tables...))
	s.placeAt(rsdpAt, rsdpV2(uint32(r), x))
}
