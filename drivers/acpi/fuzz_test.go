package acpi

import (
	"errors"
	"testing"
)

// The fuzzed memory: the first MiB, zeros except for the fuzzer's bytes
// at the BIOS area, where FindRSDP searches; tables in the seeds point
// inside it.
const (
	fuzzBase = 0xE0000
	fuzzSize = 0x20000
	fuzzMax  = 16 << 10 // longer inputs are cut
	fuzzEnd  = 1 << 20
)

// fuzzMem is that memory, cheap to set up for each input.
type fuzzMem struct {
	data      []byte // at fuzzBase
	bytesRead int
}

func (m *fuzzMem) Read(phys uint64, b []byte) error {
	m.bytesRead += len(b)
	if phys >= fuzzEnd || uint64(len(b)) > fuzzEnd-phys {
		return errors.New("fuzzMem: out of range")
	}
	clear(b)
	// Copy the part of [phys, phys+len(b)) that overlaps the data.
	lo, hi := max(phys, fuzzBase), min(phys+uint64(len(b)), fuzzBase+uint64(len(m.data)))
	if lo < hi {
		copy(b[lo-phys:hi-phys], m.data[lo-fuzzBase:hi-fuzzBase])
	}
	return nil
}

// fuzzSeed builds a firmware image in the fuzzed region with build and
// returns its bytes up to the last one written.
func fuzzSeed(t testing.TB, build func(s *system)) []byte {
	s := &system{t: t, mem: &fakeMem{}, next: fuzzBase + 0x40}
	s.mem.add(fuzzBase, fuzzSize)
	build(s)
	r, _ := s.mem.region(fuzzBase, fuzzSize)
	n := len(r)
	for n > 0 && r[n-1] == 0 {
		n--
	}
	return append([]byte(nil), r[:min(n, fuzzMax)]...)
}

func FuzzParse(f *testing.F) {
	f.Add(fuzzSeed(f, func(s *system) { s.standard(2, fuzzBase) }))
	f.Add(fuzzSeed(f, func(s *system) { s.standard(0, fuzzBase) }))
	f.Add(fuzzSeed(f, func(s *system) {
		addrs := []uint64{s.place(readFirmware(f, "FACP")), s.place(readFirmware(f, "APIC")), s.place(readFirmware(f, "MCFG"))}
		s.placeAt(fuzzBase, rsdpV2(uint32(s.place(rsdt(addrs...))), s.place(xsdt(addrs...))))
	}))
	f.Add([]byte("RSD PTR "))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMax {
			data = data[:fuzzMax]
		}
		m := &fuzzMem{data: data}

		check := func(at uint64) {
			m.bytesRead = 0
			tb, err := Parse(m, at)
			if m.bytesRead > maxReadTotal+2*MaxTableLen {
				t.Errorf("Parse(%#x) read %d bytes, want at most about %d", at, m.bytesRead, maxReadTotal)
			}
			if err != nil {
				if tb != nil {
					t.Errorf("Parse(%#x) = %+v, %v, want nil tables with an error", at, tb, err)
				}
				return
			}
			if len(tb.Signatures) != len(tb.Addresses) {
				t.Errorf("Parse(%#x): %d signatures, %d addresses", at, len(tb.Signatures), len(tb.Addresses))
			}
			if len(tb.Signatures) > MaxTables+1 {
				t.Errorf("Parse(%#x): %d tables, want at most %d", at, len(tb.Signatures), MaxTables+1)
			}
			if tb.MADT != nil {
				_ = tb.MADT.PCATCompat()
				for irq := range 16 {
					tb.MADT.ISAIRQ(uint8(irq))
				}
			}
			if tb.FADT != nil {
				_ = tb.FADT.PM1aControl()
				_ = tb.FADT.ResetSupported()
			}
			for _, e := range tb.MCFG {
				if e.EndBus < e.StartBus {
					t.Errorf("Parse(%#x).MCFG has %+v: end bus below start bus", at, e)
				}
				e.Region()
			}
			for _, e := range tb.Errors {
				_ = e.Error()
			}
		}
		check(fuzzBase)
		if at, err := FindRSDP(m); err == nil && at != fuzzBase {
			check(at)
		}
	})
}

func FuzzMADT(f *testing.F) {
	f.Add(stdMADT[44:], uint32(0xFEE00000), uint32(1))
	f.Add(madt(0, 0, eX2APIC(0x100, 1, 0x100), eX2APICNMI(0xF, 0xFFFFFFFF, 1), eAddrOverride(0xA000), eNMISource(5, 3))[44:], uint32(0), uint32(0))
	f.Add([]byte{0, 0}, uint32(0xFEE00000), uint32(0))
	f.Add([]byte{0, 8, 1, 1, 1, 0, 0, 0, 1, 255}, uint32(0xFEE00000), uint32(0))
	f.Add(readFirmware(f, "APIC")[44:], uint32(0xFEE00000), uint32(0))
	f.Fuzz(func(t *testing.T, entries []byte, lapic, flags uint32) {
		// The entries under a well-formed header, so the walk is what is fuzzed...
		table := madt(lapic, flags, entries)
		m, errs := ParseMADT(table)
		if m == nil {
			t.Fatalf("ParseMADT(%x) = nil, %v, want a MADT", table, errs)
		}
		// Entries are at least 2 bytes, CPUs at least 8.
		if n := len(m.CPUs) + len(m.IOAPICs) + len(m.Overrides) + len(m.NMISources) + len(m.LocalNMIs); n > len(entries)/2 {
			t.Errorf("ParseMADT: %d structures from %d bytes", n, len(entries))
		}
		if len(m.CPUs) > len(entries)/8 {
			t.Errorf("ParseMADT: %d CPUs from %d bytes", len(m.CPUs), len(entries))
		}
		if len(errs) == 0 {
			// A clean walk means the entries tile the table exactly.
			off := 0
			for off+2 <= len(entries) && entries[off+1] >= 2 {
				off += int(entries[off+1])
			}
			if off != len(entries) {
				t.Errorf("ParseMADT(%x): no errors, but entries end at %d of %d", entries, off, len(entries))
			}
		}
		m.ISAIRQ(0)
		// ...and the raw bytes as a whole table, header included.
		ParseMADT(entries)
	})
}
