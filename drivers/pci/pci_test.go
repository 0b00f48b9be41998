package pci

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// Configuration mechanism #1 as the spec (PCI 3.0 §3.2.2.3.2) lays it
// out, spelled out here rather than taken from the package.
const (
	specAddrPort = 0xCF8
	specDataPort = 0xCFC
)

type bdf struct{ bus, slot, fn uint8 }

func (d bdf) String() string { return fmt.Sprintf("%02x:%02x.%d", d.bus, d.slot, d.fn) }

// fakeSpace is configuration space behind ports 0xCF8/0xCFC: a 256-byte
// array per present function, little-endian. Absent functions read as
// all ones and ignore writes. Every access is checked to be well formed.
type fakeSpace struct {
	t     *testing.T
	funcs map[bdf]*[256]byte
	addr  uint32
	reads int // dword reads through 0xCFC
}

func newFakeSpace(t *testing.T) *fakeSpace {
	return &fakeSpace{t: t, funcs: map[bdf]*[256]byte{}}
}

// add creates a function with the given vendor, device and header type.
func (f *fakeSpace) add(bus, slot, fn uint8, vendor, device uint16, header uint8) *[256]byte {
	var s [256]byte
	binary.LittleEndian.PutUint16(s[0x00:], vendor)
	binary.LittleEndian.PutUint16(s[0x02:], device)
	s[0x0E] = header
	f.funcs[bdf{bus, slot, fn}] = &s
	return &s
}

// decode splits the last address written to 0xCF8.
func (f *fakeSpace) decode() (*[256]byte, uint8) {
	a := f.addr
	if a&(1<<31) == 0 {
		f.t.Errorf("data port used with address %#08x: enable bit 31 clear", a)
	}
	if a&3 != 0 {
		f.t.Errorf("address %#08x: bits 0-1 must be 0 for a type 0 access", a)
	}
	d := bdf{bus: uint8(a >> 16), slot: uint8(a>>11) & 0x1F, fn: uint8(a>>8) & 7}
	return f.funcs[d], uint8(a & 0xFC)
}

func (f *fakeSpace) In32(port uint16) uint32 {
	if port != specDataPort {
		f.t.Errorf("In32(%#x), want only the data port %#x", port, specDataPort)
		return 0xFFFFFFFF
	}
	f.reads++
	s, reg := f.decode()
	if s == nil {
		return 0xFFFFFFFF
	}
	return binary.LittleEndian.Uint32(s[reg:])
}

func (f *fakeSpace) Out32(port uint16, v uint32) {
	switch port {
	case specAddrPort:
		f.addr = v
	case specDataPort:
		if s, reg := f.decode(); s != nil {
			binary.LittleEndian.PutUint32(s[reg:], v)
		}
	default:
		f.t.Errorf("Out32(%#x, %#x), want only ports %#x and %#x", port, v, specAddrPort, specDataPort)
	}
}

func found(devs []Device) []string {
	var out []string
	for _, d := range devs {
		out = append(out, fmt.Sprintf("%v %04x:%04x", bdf{d.Bus, d.Slot, d.Func}, d.Vendor, d.ID))
	}
	return out
}

func TestScan(t *testing.T) {
	type fn struct {
		bus, slot, fn  uint8
		vendor, device uint16
		header         uint8
		secondary      uint8 // for bridges
	}
	tests := []struct {
		name  string
		funcs []fn
		want  []string
	}{
		{"empty bus", nil, nil},
		{
			"single-function devices",
			[]fn{
				{0, 0, 0, 0x8086, 0x29C0, 0x00, 0},
				{0, 2, 0, 0x1234, 0x1111, 0x00, 0},
				{0, 31, 0, 0x1AF4, 0x1041, 0x00, 0},
			},
			[]string{"00:00.0 8086:29c0", "00:02.0 1234:1111", "00:1f.0 1af4:1041"},
		},
		{
			// Without the multi-function bit, functions 1-7 are not
			// probed: some devices decode only the slot and answer for
			// every function number.
			"single-function device with stray function 1",
			[]fn{
				{0, 3, 0, 0x1AF4, 0x1000, 0x00, 0},
				{0, 3, 1, 0x1AF4, 0x1000, 0x00, 0},
			},
			[]string{"00:03.0 1af4:1000"},
		},
		{
			"multi-function device with functions 0 and 3",
			[]fn{
				{0, 31, 0, 0x8086, 0x2918, 0x80, 0},
				{0, 31, 3, 0x8086, 0x2930, 0x00, 0},
			},
			[]string{"00:1f.0 8086:2918", "00:1f.3 8086:2930"},
		},
		{
			"function 0 absent: slot skipped",
			[]fn{
				{0, 4, 1, 0x1AF4, 0x1041, 0x80, 0},
				{0, 5, 0, 0x1AF4, 0x1042, 0x00, 0},
			},
			[]string{"00:05.0 1af4:1042"},
		},
		{
			"bridge to bus 2",
			[]fn{
				{0, 1, 0, 0x1B36, 0x0001, 0x01, 2},
				{0, 6, 0, 0x1AF4, 0x1043, 0x00, 0},
				{2, 0, 0, 0x1AF4, 0x1041, 0x00, 0},
				{2, 7, 0, 0x1AF4, 0x1042, 0x00, 0},
				{3, 0, 0, 0x1AF4, 0x1044, 0x00, 0}, // behind no bridge
			},
			[]string{"00:01.0 1b36:0001", "02:00.0 1af4:1041", "02:07.0 1af4:1042", "00:06.0 1af4:1043"},
		},
		{
			"multi-function bridge",
			[]fn{
				{0, 1, 0, 0x8086, 0x0001, 0x81, 5},
				{0, 1, 1, 0x8086, 0x0002, 0x00, 0},
				{5, 0, 0, 0x1AF4, 0x1041, 0x00, 0},
			},
			[]string{"00:01.0 8086:0001", "05:00.0 1af4:1041", "00:01.1 8086:0002"},
		},
		{
			"bridge whose secondary bus is 0",
			[]fn{
				{0, 1, 0, 0x1B36, 0x0001, 0x01, 0},
				{0, 2, 0, 0x1AF4, 0x1041, 0x00, 0},
			},
			[]string{"00:01.0 1b36:0001", "00:02.0 1af4:1041"},
		},
		{
			"bridges pointing at each other",
			[]fn{
				{0, 1, 0, 0x1B36, 0x0001, 0x01, 1},
				{1, 0, 0, 0x1B36, 0x0001, 0x01, 0},
				{1, 1, 0, 0x1B36, 0x0001, 0x01, 1},
			},
			[]string{"00:01.0 1b36:0001", "01:00.0 1b36:0001", "01:01.0 1b36:0001"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSpace(t)
			for _, d := range tt.funcs {
				s := f.add(d.bus, d.slot, d.fn, d.vendor, d.device, d.header)
				s[0x19] = d.secondary
			}
			devs := Scan(f)
			// Order is not part of the contract; duplicates are.
			got, want := found(devs), slices.Clone(tt.want)
			slices.Sort(got)
			slices.Sort(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Scan() = %q, want %q", got, want)
			}
			for _, d := range devs {
				if d.IO != Ports(f) {
					t.Errorf("Scan(): device %v has IO %v, want the ports scanned", bdf{d.Bus, d.Slot, d.Func}, d.IO)
				}
			}
		})
	}
}

func TestConfigAddress(t *testing.T) {
	tests := []struct {
		bus, slot, fn, off uint8
		want               uint32
	}{
		{0, 0, 0, 0x00, 0x80000000},
		{0, 0, 0, 0x13, 0x80000010},
		{1, 2, 3, 0x04, 0x80011304},
		{0xFF, 31, 7, 0xFF, 0x80FFFFFC},
		{0x12, 0x1A, 5, 0x3E, 0x8012D53C},
	}
	for _, tt := range tests {
		f := &addrRecorder{}
		c := Config{IO: f, Bus: tt.bus, Slot: tt.slot, Func: tt.fn}
		c.Read32(tt.off)
		if f.addr != tt.want {
			t.Errorf("Config{%v}.Read32(%#x) selected address %#08x, want %#08x", bdf{tt.bus, tt.slot, tt.fn}, tt.off, f.addr, tt.want)
		}
	}
}

type addrRecorder struct{ addr uint32 }

func (a *addrRecorder) In32(uint16) uint32 { return 0 }
func (a *addrRecorder) Out32(port uint16, v uint32) {
	if port == specAddrPort {
		a.addr = v
	}
}

func testConfig(t *testing.T) (Config, *[256]byte) {
	f := newFakeSpace(t)
	s := f.add(0, 3, 0, 0x1AF4, 0x1041, 0)
	return Config{IO: f, Bus: 0, Slot: 3, Func: 0}, s
}

func TestReadWidths(t *testing.T) {
	c, s := testConfig(t)
	copy(s[0x40:], []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88})
	for _, tt := range []struct {
		off  uint8
		want uint8
	}{{0x40, 0x11}, {0x41, 0x22}, {0x42, 0x33}, {0x43, 0x44}, {0x44, 0x55}, {0x47, 0x88}} {
		if got := c.Read8(tt.off); got != tt.want {
			t.Errorf("Read8(%#x) = %#02x, want %#02x", tt.off, got, tt.want)
		}
	}
	for _, tt := range []struct {
		off  uint8
		want uint16
	}{{0x40, 0x2211}, {0x42, 0x4433}, {0x44, 0x6655}, {0x46, 0x8877}} {
		if got := c.Read16(tt.off); got != tt.want {
			t.Errorf("Read16(%#x) = %#04x, want %#04x", tt.off, got, tt.want)
		}
	}
	for _, tt := range []struct {
		off  uint8
		want uint32
	}{{0x40, 0x44332211}, {0x44, 0x88776655}, {0x46, 0x88776655}} {
		if got := c.Read32(tt.off); got != tt.want {
			t.Errorf("Read32(%#x) = %#08x, want %#08x", tt.off, got, tt.want)
		}
	}
}

func TestWrite16(t *testing.T) {
	tests := []struct {
		off  uint8
		v    uint16
		want [4]byte
	}{
		{0x40, 0xBEEF, [4]byte{0xEF, 0xBE, 0x33, 0x44}},
		{0x42, 0xBEEF, [4]byte{0x11, 0x22, 0xEF, 0xBE}},
		{0x42, 0x0000, [4]byte{0x11, 0x22, 0x00, 0x00}},
	}
	for _, tt := range tests {
		c, s := testConfig(t)
		copy(s[0x3C:], []byte{0xA1, 0xA2, 0xA3, 0xA4, 0x11, 0x22, 0x33, 0x44, 0xB1, 0xB2, 0xB3, 0xB4})
		c.Write16(tt.off, tt.v)
		if got := [4]byte(s[0x40:0x44]); got != tt.want {
			t.Errorf("Write16(%#x, %#04x): dword 0x40 = % x, want % x", tt.off, tt.v, got, tt.want)
		}
		if got := [4]byte(s[0x3C:0x40]); got != [4]byte{0xA1, 0xA2, 0xA3, 0xA4} {
			t.Errorf("Write16(%#x, %#04x): dword 0x3C = % x, want it untouched", tt.off, tt.v, got)
		}
		if got := [4]byte(s[0x44:0x48]); got != [4]byte{0xB1, 0xB2, 0xB3, 0xB4} {
			t.Errorf("Write16(%#x, %#04x): dword 0x44 = % x, want it untouched", tt.off, tt.v, got)
		}
	}
}

func TestBAR(t *testing.T) {
	tests := []struct {
		name     string
		bars     [6]uint32
		i        int
		wantAddr uint64
		want64   bool
	}{
		{"32-bit memory", [6]uint32{0xFEB00000}, 0, 0xFEB00000, false},
		{"32-bit prefetchable memory", [6]uint32{0, 0xFD000008}, 1, 0xFD000000, false},
		{"64-bit memory", [6]uint32{4: 0xFE00000C, 5: 0x00000008}, 4, 0x8FE000000, true},
		{"64-bit memory below 4 GiB", [6]uint32{2: 0xC0004004}, 2, 0xC0004000, true},
		{"64-bit memory, low half zero", [6]uint32{0: 0x00000004, 1: 0x00000010}, 0, 0x1000000000, true},
		{"I/O", [6]uint32{0xC041}, 0, 0, false},
		{"I/O next to memory", [6]uint32{0xC041, 0xFEB00000}, 0, 0, false},
		{"unimplemented", [6]uint32{}, 3, 0, false},
		{"last BAR", [6]uint32{5: 0xFEA01000}, 5, 0xFEA01000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := testConfig(t)
			for i, v := range tt.bars {
				binary.LittleEndian.PutUint32(s[0x10+4*i:], v)
			}
			addr, is64 := c.BAR(tt.i)
			if addr != tt.wantAddr || is64 != tt.want64 {
				t.Errorf("BAR(%d) = %#x, %v, want %#x, %v", tt.i, addr, is64, tt.wantAddr, tt.want64)
			}
		})
	}
}

func TestEnableMemory(t *testing.T) {
	tests := []struct {
		cmd, want uint16
	}{
		{0x0000, 0x0006},
		{0x0001, 0x0007}, // I/O decoding stays on
		{0x0400, 0x0406}, // so does INTx disable
		{0x0006, 0x0006},
		{0x0147, 0x0147},
	}
	for _, tt := range tests {
		c, s := testConfig(t)
		binary.LittleEndian.PutUint16(s[0x04:], tt.cmd)
		binary.LittleEndian.PutUint16(s[0x06:], 0x0010)
		c.EnableMemory()
		if got := binary.LittleEndian.Uint16(s[0x04:]); got != tt.want {
			t.Errorf("EnableMemory() with command %#04x: command = %#04x, want %#04x", tt.cmd, got, tt.want)
		}
		if got := binary.LittleEndian.Uint16(s[0x06:]); got != 0x0010 {
			t.Errorf("EnableMemory() with command %#04x: status = %#04x, want %#04x", tt.cmd, got, 0x0010)
		}
		if got := binary.LittleEndian.Uint16(s[0x00:]); got != 0x1AF4 {
			t.Errorf("EnableMemory() with command %#04x: vendor = %#04x, want %#04x", tt.cmd, got, 0x1AF4)
		}
	}
}

type capVisit struct{ id, off uint8 }

func TestCaps(t *testing.T) {
	type capDef struct{ off, id, next uint8 }
	tests := []struct {
		name   string
		status uint16
		ptr    uint8
		caps   []capDef
		want   []capVisit
	}{
		{
			"list in order",
			0x0010, 0x40,
			[]capDef{{0x40, 0x11, 0x84}, {0x84, 0x09, 0x70}, {0x70, 0x05, 0x00}},
			[]capVisit{{0x11, 0x40}, {0x09, 0x84}, {0x05, 0x70}},
		},
		{
			// Bits 0-1 of the pointers are reserved and must be masked.
			"reserved pointer bits",
			0x0010, 0x43,
			[]capDef{{0x40, 0x01, 0x52}, {0x50, 0x10, 0x00}},
			[]capVisit{{0x01, 0x40}, {0x10, 0x50}},
		},
		{
			"status bit 4 clear",
			0x0000, 0x40,
			[]capDef{{0x40, 0x11, 0x00}},
			nil,
		},
		{
			"other status bits set, bit 4 clear",
			0xFFEF, 0x40,
			[]capDef{{0x40, 0x11, 0x00}},
			nil,
		},
		{
			"empty list",
			0x0010, 0x00,
			nil,
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := testConfig(t)
			binary.LittleEndian.PutUint16(s[0x06:], tt.status)
			s[0x34] = tt.ptr
			for _, d := range tt.caps {
				s[d.off], s[d.off+1] = d.id, d.next
			}
			var got []capVisit
			c.Caps(func(id, off uint8) { got = append(got, capVisit{id, off}) })
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Caps visited %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCapsLoop(t *testing.T) {
	tests := []struct {
		name string
		next map[uint8]uint8 // cap offset -> next
	}{
		{"self loop", map[uint8]uint8{0x40: 0x40}},
		{"two-cap loop", map[uint8]uint8{0x40: 0x50, 0x50: 0x40}},
		{"loop back to the middle", map[uint8]uint8{0x40: 0x50, 0x50: 0x60, 0x60: 0x50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := testConfig(t)
			binary.LittleEndian.PutUint16(s[0x06:], 0x0010)
			s[0x34] = 0x40
			for off, next := range tt.next {
				s[off], s[off+1] = 0x09, next
			}
			var got []capVisit
			c.Caps(func(id, off uint8) {
				got = append(got, capVisit{id, off})
				if len(got) > 1000 {
					t.Fatalf("Caps visited more than 1000 capabilities")
				}
			})
			if len(got) == 0 || len(got) > 48 {
				t.Errorf("Caps on a looping list made %d visits, want between 1 and 48", len(got))
			}
			if len(got) > 0 && got[0] != (capVisit{0x09, 0x40}) {
				t.Errorf("Caps first visit = %v, want %v", got[0], capVisit{0x09, 0x40})
			}
		})
	}
}
