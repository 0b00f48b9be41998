package acpi

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

func setEBDA(s *system, segment uint16) {
	s.placeAt(0x40E, le(segment))
}

func TestFindRSDP(t *testing.T) {
	badV1 := rsdpV1(0x1000)
	badV1[8]++
	badExt := rsdpV2(0x1000, 0x2000)
	badExt[32]++
	tests := []struct {
		name    string
		ebdaSeg uint16
		put     map[uint64][]byte
		want    uint64 // 0: ErrNoRSDP
	}{
		{"in the EBDA", 0x9FC0, map[uint64][]byte{0x9FC40: rsdpV2(0x1000, 0x2000)}, 0x9FC40},
		{"at the EBDA's start", 0x9FC0, map[uint64][]byte{0x9FC00: rsdpV1(0x1000)}, 0x9FC00},
		{"in the BIOS area", 0x9FC0, map[uint64][]byte{0xF5A10: rsdpV1(0x1000)}, 0xF5A10},
		{"at the BIOS area's start", 0, map[uint64][]byte{0xE0000: rsdpV2(0x1000, 0x2000)}, 0xE0000},
		{"near the BIOS area's end", 0, map[uint64][]byte{0xFFFE0: rsdpV1(0x1000)}, 0xFFFE0},
		{"across a 4 KiB boundary", 0, map[uint64][]byte{0xE0FF0: rsdpV2(0x1000, 0x2000)}, 0xE0FF0},
		{"past the BIOS area's end", 0, map[uint64][]byte{0xFFFF0: rsdpV1(0x1000)[:16], 0x100000: rsdpV1(0x1000)[16:]}, 0},
		{"EBDA before BIOS area", 0x9FC0, map[uint64][]byte{0x9FFF0 - 0x10: rsdpV1(0x1000), 0xE0000: rsdpV1(0x1000)}, 0x9FFE0},
		{"EBDA segment 0: only the BIOS area", 0, map[uint64][]byte{0x100: rsdpV1(0x1000), 0xF0000: rsdpV1(0x2000)}, 0xF0000},
		{"past the EBDA's first KiB", 0x9F00, map[uint64][]byte{0x9F000 + 1024: rsdpV1(0x1000)}, 0},
		{"not 16-byte aligned", 0x9FC0, map[uint64][]byte{0xE0008: rsdpV1(0x1000)}, 0},
		{"bad checksum", 0x9FC0, map[uint64][]byte{0xE0000: badV1}, 0},
		{"bad extended checksum", 0x9FC0, map[uint64][]byte{0xE0000: badExt}, 0},
		{"bad candidate skipped", 0x9FC0, map[uint64][]byte{0x9FC00: badV1, 0xE0010: badExt, 0xE0040: rsdpV2(0x1000, 0x2000)}, 0xE0040},
		{"nothing", 0x9FC0, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSystem(t)
			setEBDA(s, tt.ebdaSeg)
			for a, b := range tt.put {
				s.placeAt(a, b)
			}
			got, err := FindRSDP(s.mem)
			if tt.want == 0 {
				if !errors.Is(err, ErrNoRSDP) {
					t.Errorf("FindRSDP() = %#x, %v, want ErrNoRSDP", got, err)
				}
				return
			}
			if got != tt.want || err != nil {
				t.Errorf("FindRSDP() = %#x, %v, want %#x", got, err, tt.want)
			}
		})
	}
}

// FindRSDP on memory with nothing readable (a UEFI machine without the
// legacy areas, or a Memory that refuses low addresses) must just fail.
func TestFindRSDPNoMemory(t *testing.T) {
	m := &fakeMem{}
	if got, err := FindRSDP(m); !errors.Is(err, ErrNoRSDP) {
		t.Errorf("FindRSDP(no memory) = %#x, %v, want ErrNoRSDP", got, err)
	}
	// An EBDA segment pointing at the top of memory is not searched past 640 KiB.
	s := newSystem(t)
	setEBDA(s, 0xFFFF)
	if got, err := FindRSDP(s.mem); !errors.Is(err, ErrNoRSDP) {
		t.Errorf("FindRSDP(EBDA segment 0xFFFF) = %#x, %v, want ErrNoRSDP", got, err)
	}
}

var stdWantMADT = &MADT{
	LocalAPICAddress: 0xFEE00000,
	Flags:            1,
	CPUs: []LocalAPIC{
		{ProcessorUID: 0, APICID: 0, Enabled: true},
		{ProcessorUID: 1, APICID: 2, Enabled: true},
		{ProcessorUID: 2, APICID: 4, OnlineCapable: true},
	},
	IOAPICs:   []IOAPIC{{ID: 8, Address: 0xFEC00000}},
	Overrides: []InterruptOverride{{Bus: 0, Source: 0, GSI: 2}, {Bus: 0, Source: 9, GSI: 9, Flags: 0xD}},
	LocalNMIs: []LocalNMI{{ProcessorUID: AllProcessors, Flags: 5, LINT: 1}},
}

func TestParseStandard(t *testing.T) {
	tests := []struct {
		name     string
		rev      uint8
		wantRoot string
		wantSigs []string
	}{
		{"v1 RSDP, RSDT", 0, "RSDT", []string{"FACP", "APIC", "MCFG", "SSDT", "DSDT"}},
		{"v2 RSDP, XSDT", 2, "XSDT", []string{"FACP", "APIC", "MCFG", "SSDT", "DSDT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSystem(t)
			const at = 0xF0000
			s.standard(tt.rev, at)
			tb, err := Parse(s.mem, at)
			if err != nil {
				t.Fatalf("Parse() error %v", err)
			}
			if tb.Revision != tt.rev || tb.Root != tt.wantRoot || tb.OEMID != "UNIGO " {
				t.Errorf("Parse(): Revision, Root, OEMID = %d, %q, %q, want %d, %q, %q", tb.Revision, tb.Root, tb.OEMID, tt.rev, tt.wantRoot, "UNIGO ")
			}
			if !reflect.DeepEqual(tb.Signatures, tt.wantSigs) {
				t.Errorf("Parse().Signatures = %q, want %q", tb.Signatures, tt.wantSigs)
			}
			if len(tb.Errors) != 0 {
				t.Errorf("Parse().Errors = %v, want none", tb.Errors)
			}
			if !reflect.DeepEqual(tb.MADT, stdWantMADT) {
				t.Errorf("Parse().MADT = %+v, want %+v", tb.MADT, stdWantMADT)
			}
			wantMCFG := []MCFGEntry{{Base: 0xB0000000, EndBus: 255}}
			if !reflect.DeepEqual(tb.MCFG, wantMCFG) {
				t.Errorf("Parse().MCFG = %+v, want %+v", tb.MCFG, wantMCFG)
			}
			if tb.FADT == nil || tb.FADT.SCIInterrupt != 9 || tb.FADT.DSDT != tableBase {
				t.Errorf("Parse().FADT = %+v, want SCIInterrupt 9, DSDT %#x", tb.FADT, tableBase)
			}
			if a, ok := tb.Find("DSDT"); !ok || a != tableBase {
				t.Errorf("Find(DSDT) = %#x, %v, want %#x, true", a, ok, tableBase)
			}
			if a, ok := tb.Find("HPET"); ok {
				t.Errorf("Find(HPET) = %#x, %v, want false", a, ok)
			}
		})
	}
}

// A v2 RSDP with a zero XSDT address falls back to the RSDT.
func TestParseV2WithoutXSDT(t *testing.T) {
	s := newSystem(t)
	ssdt := s.place(stdSSDT)
	madt := s.place(stdMADT)
	r := s.place(rsdt(ssdt, madt))
	s.placeAt(0xE0000, rsdpV2(uint32(r), 0))
	tb, err := Parse(s.mem, 0xE0000)
	if err != nil {
		t.Fatalf("Parse() error %v", err)
	}
	if tb.Root != "RSDT" || !reflect.DeepEqual(tb.Signatures, []string{"SSDT", "APIC"}) {
		t.Errorf("Parse() = Root %q, Signatures %q, want RSDT, [SSDT APIC]", tb.Root, tb.Signatures)
	}
}

// The XSDT's 64-bit entries reach tables above 4 GiB.
func TestParseXSDTAbove4G(t *testing.T) {
	s := newSystem(t)
	madt := s.placeAt(highBase+0x100, stdMADT)
	x := s.place(xsdt(madt))
	s.placeAt(0xE0000, rsdpV2(0, x))
	tb, err := Parse(s.mem, 0xE0000)
	if err != nil {
		t.Fatalf("Parse() error %v", err)
	}
	if !reflect.DeepEqual(tb.MADT, stdWantMADT) || len(tb.Errors) != 0 {
		t.Errorf("Parse() = MADT %+v, Errors %v, want %+v, none", tb.MADT, tb.Errors, stdWantMADT)
	}
	if a, ok := tb.Find("APIC"); a != highBase+0x100 || !ok {
		t.Errorf("Find(APIC) = %#x, %v, want %#x, true", a, ok, highBase+0x100)
	}
}

// Parse fails when the RSDP or the root table is bad.
func TestParseRootErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(s *system) uint64 // returns the RSDP address
		want  error                  // errors.Is target, or nil for any error
	}{
		{"nothing there", func(s *system) uint64 { return 0x5_0000_0000 }, nil},
		{"bad signature", func(s *system) uint64 {
			b := rsdpV1(uint32(s.place(rsdt())))
			b[0] = 'X'
			b[8] = 0
			b[8] = checksum(b)
			return s.placeAt(0xE0000, b)
		}, ErrSignature},
		{"bad checksum", func(s *system) uint64 {
			b := rsdpV1(uint32(s.place(rsdt())))
			b[8]++
			return s.placeAt(0xE0000, b)
		}, ErrChecksum},
		{"bad extended checksum", func(s *system) uint64 {
			b := rsdpV2(0, s.place(xsdt()))
			b[32]++
			return s.placeAt(0xE0000, b)
		}, ErrChecksum},
		{"bytes 20-35 not covered by the extended checksum", func(s *system) uint64 {
			b := rsdpV2(0, s.place(xsdt()))
			b[34] = 1 // reserved byte
			return s.placeAt(0xE0000, b)
		}, ErrChecksum},
		{"RSDP Length below 36", func(s *system) uint64 {
			b := rsdpV2(0, s.place(xsdt()))
			binary.LittleEndian.PutUint32(b[20:], 20)
			b[32] = 0
			b[32] = checksum(b)
			return s.placeAt(0xE0000, b)
		}, ErrLength},
		{"RSDP Length huge", func(s *system) uint64 {
			b := rsdpV2(0, s.place(xsdt()))
			binary.LittleEndian.PutUint32(b[20:], 0xFFFFFFF0)
			b[32] = 0
			b[32] = checksum(b)
			return s.placeAt(0xE0000, b)
		}, ErrLength},
		{"v2 RSDP cut off by the end of memory", func(s *system) uint64 {
			return s.placeAt(lowMemSize-32, rsdpV2(0, s.place(xsdt()))[:32])
		}, nil},
		{"no root table address", func(s *system) uint64 { return s.placeAt(0xE0000, rsdpV2(0, 0)) }, nil},
		{"root table unreadable", func(s *system) uint64 { return s.placeAt(0xE0000, rsdpV2(0, 0x9_0000_0000)) }, nil},
		{"root table checksum", func(s *system) uint64 {
			x := xsdt(s.place(stdMADT))
			x[20]++
			return s.placeAt(0xE0000, rsdpV2(0, s.place(x)))
		}, ErrChecksum},
		{"XSDT address points at an RSDT", func(s *system) uint64 {
			return s.placeAt(0xE0000, rsdpV2(0, s.place(rsdt(s.place(stdMADT)))))
		}, ErrSignature},
		{"root table Length 35", func(s *system) uint64 {
			x := xsdt()
			binary.LittleEndian.PutUint32(x[4:], 35)
			return s.placeAt(0xE0000, rsdpV2(0, s.place(x)))
		}, ErrLength},
		{"root table Length 4 GiB - 1", func(s *system) uint64 {
			x := xsdt()
			binary.LittleEndian.PutUint32(x[4:], 0xFFFFFFFF)
			return s.placeAt(0xE0000, rsdpV2(0, s.place(x)))
		}, ErrLength},
		{"root table runs past memory", func(s *system) uint64 {
			x := rsdt(s.place(stdMADT))
			addr := s.placeAt(tableBase+tableSize-uint64(len(x)), x)
			binary.LittleEndian.PutUint32(x[4:], 4096)
			s.placeAt(addr, x)
			return s.placeAt(0xE0000, rsdpV1(uint32(addr)))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSystem(t)
			at := tt.build(s)
			tb, err := Parse(s.mem, at)
			if err == nil {
				t.Fatalf("Parse() = %+v, nil, want an error", tb)
			}
			if tb != nil {
				t.Errorf("Parse() = %+v, %v, want nil tables with the error", tb, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Parse() error = %v, want %v", err, tt.want)
			}
			if s.mem.maxRead > 64<<10 {
				t.Errorf("Parse() made a read of %d bytes, want reads of at most 64 KiB", s.mem.maxRead)
			}
		})
	}
}

// Bad tables are skipped and reported; the good ones still count.
func TestParseBadTables(t *testing.T) {
	badSum := sdt("SSDT", 2, []byte{1, 2, 3})
	badSum[38]++
	short := sdt("HPET", 1, nil)
	binary.LittleEndian.PutUint32(short[4:], 35)
	huge := sdt("SSDT", 1, []byte{1})
	binary.LittleEndian.PutUint32(huge[4:], 0x7FFFFFFF)
	tooLong := sdt("SSDT", 1, []byte{1})
	binary.LittleEndian.PutUint32(tooLong[4:], MaxTableLen+1)
	past := sdt("SSDT", 1, nil)
	binary.LittleEndian.PutUint32(past[4:], 200000) // within the cap, past the end of memory
	secondMADT := madt(0xFEE00000, 0, eLocalAPIC(9, 9, 1))
	badMADT := madt(0, 0)
	binary.LittleEndian.PutUint32(badMADT[4:], 40) // below the MADT's fixed 44 bytes
	badMADT = seal(badMADT[:40])

	s := newSystem(t)
	addrs := []uint64{
		s.place(stdMADT),
		s.place(badSum),
		s.place(short),
		s.place(huge),
		s.place(tooLong),
		0,                // null entry
		0x7_0000_0000,    // nothing there
		s.place(stdMCFG), //
		s.place(secondMADT),
		s.place(stdSSDT),
	}
	addrs = append(addrs, addrs[len(addrs)-1]) // listed twice
	addrs = append(addrs, s.placeAt(tableBase+tableSize-36, past))
	x := s.place(xsdt(addrs...))
	s.placeAt(0xE0000, rsdpV2(0, x))
	tb, err := Parse(s.mem, 0xE0000)
	if err != nil {
		t.Fatalf("Parse() error %v", err)
	}
	if want := []string{"APIC", "MCFG", "SSDT"}; !reflect.DeepEqual(tb.Signatures, want) {
		t.Errorf("Parse().Signatures = %q, want %q", tb.Signatures, want)
	}
	if !reflect.DeepEqual(tb.MADT, stdWantMADT) {
		t.Errorf("Parse().MADT = %+v, want the first one, %+v", tb.MADT, stdWantMADT)
	}
	wantErrs := []error{ErrChecksum, ErrLength, ErrLength, ErrLength, nil, nil, nil, nil, nil}
	if len(tb.Errors) != len(wantErrs) {
		t.Fatalf("Parse().Errors = %d errors, want %d: %v", len(tb.Errors), len(wantErrs), tb.Errors)
	}
	for i, w := range wantErrs {
		var te *TableError
		if !errors.As(tb.Errors[i], &te) {
			t.Errorf("Parse().Errors[%d] = %v, want a *TableError", i, tb.Errors[i])
		}
		if w != nil && !errors.Is(tb.Errors[i], w) {
			t.Errorf("Parse().Errors[%d] = %v, want %v", i, tb.Errors[i], w)
		}
	}
	if s.mem.maxRead > 64<<10 || s.mem.bytesRead > 1<<20 {
		t.Errorf("Parse() read %d bytes, at most %d at once, want little", s.mem.bytesRead, s.mem.maxRead)
	}
	if tb.FADT != nil {
		t.Errorf("Parse().FADT = %+v, want nil", tb.FADT)
	}
	t.Logf("errors: %v", tb.Errors)

	// A MADT too short for its fixed fields is reported and left nil.
	s = newSystem(t)
	s.placeAt(0xE0000, rsdpV1(uint32(s.place(rsdt(s.place(badMADT))))))
	if tb, err := Parse(s.mem, 0xE0000); err != nil || tb.MADT != nil || len(tb.Errors) != 1 || !errors.Is(tb.Errors[0], ErrLength) {
		t.Errorf("Parse(MADT of 40 bytes) = MADT %+v, Errors %v, %v; want nil MADT, one ErrLength", tb.MADT, tb.Errors, err)
	}
}

// Root table entries beyond MaxTables are not followed.
func TestParseManyEntries(t *testing.T) {
	s := newSystem(t)
	addrs := make([]uint64, MaxTables+50)
	for i := range addrs {
		addrs[i] = 0x10_0000_0000 + uint64(i)*0x1000 // nothing there
	}
	addrs[MaxTables-1] = s.place(stdMADT)
	addrs[MaxTables] = s.place(stdMCFG) // one too far
	s.placeAt(0xE0000, rsdpV2(0, s.place(xsdt(addrs...))))
	tb, err := Parse(s.mem, 0xE0000)
	if err != nil {
		t.Fatalf("Parse() error %v", err)
	}
	if !reflect.DeepEqual(tb.Signatures, []string{"APIC"}) {
		t.Errorf("Parse().Signatures = %q, want [APIC]", tb.Signatures)
	}
	if got := len(tb.Errors); got != MaxTables {
		t.Errorf("Parse(): %d errors, want %d (one for the cap, one per unreadable table)", got, MaxTables)
	}
}

// The XSDT's Length may leave a partial entry: it is ignored and reported.
func TestParseTrailingRootBytes(t *testing.T) {
	s := newSystem(t)
	x := xsdt(s.place(stdMADT))
	x = seal(append(x, 1, 2, 3, 4))
	s.placeAt(0xE0000, rsdpV2(0, s.place(x)))
	tb, err := Parse(s.mem, 0xE0000)
	if err != nil {
		t.Fatalf("Parse() error %v", err)
	}
	if tb.MADT == nil || len(tb.Errors) != 1 || !errors.Is(tb.Errors[0], ErrLength) {
		t.Errorf("Parse() = MADT %v, Errors %v, want a MADT and one ErrLength", tb.MADT != nil, tb.Errors)
	}
}

// The DSDT the FADT names is validated and listed.
func TestParseDSDT(t *testing.T) {
	badDSDT := sdt("DSDT", 2, []byte{1, 2})
	badDSDT[37]++
	tests := []struct {
		name     string
		dsdt     []byte
		wantSigs []string
		wantErr  error
	}{
		{"valid", stdDSDT, []string{"FACP", "DSDT"}, nil},
		{"bad checksum", badDSDT, []string{"FACP"}, ErrChecksum},
		{"wrong signature", stdSSDT, []string{"FACP"}, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSystem(t)
			d := s.place(tt.dsdt)
			f := s.place(fullFADT(0, d))
			s.placeAt(0xE0000, rsdpV2(0, s.place(xsdt(f))))
			tb, err := Parse(s.mem, 0xE0000)
			if err != nil {
				t.Fatalf("Parse() error %v", err)
			}
			if !reflect.DeepEqual(tb.Signatures, tt.wantSigs) {
				t.Errorf("Parse().Signatures = %q, want %q", tb.Signatures, tt.wantSigs)
			}
			if tt.wantErr == nil && len(tb.Errors) != 0 || tt.wantErr != nil && (len(tb.Errors) != 1 || !errors.Is(tb.Errors[0], tt.wantErr)) {
				t.Errorf("Parse().Errors = %v, want %v", tb.Errors, tt.wantErr)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	b := sdt("SSDT", 2, []byte{1, 2, 3})
	h, err := ParseHeader(b)
	want := Header{Signature: "SSDT", Length: 39, Revision: 2, OEMID: "UNIGO ", OEMTableID: "TESTTABL"}
	if h != want || err != nil {
		t.Errorf("ParseHeader() = %+v, %v, want %+v, nil", h, err, want)
	}
	for _, n := range []int{0, 35} {
		if _, err := ParseHeader(b[:n]); !errors.Is(err, ErrLength) {
			t.Errorf("ParseHeader(%d bytes) error = %v, want ErrLength", n, err)
		}
	}
	if _, err := ParseHeader(b[:38]); !errors.Is(err, ErrLength) {
		t.Errorf("ParseHeader(Length 39, 38 bytes) error = %v, want ErrLength", err)
	}
}
