package pci

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

func found(devs []Device) []string {
	var out []string
	for _, d := range devs {
		out = append(out, fmt.Sprintf("%v %04x:%04x", bdf{d.Bus, d.Slot, d.Func}, d.Vendor, d.ID))
	}
	return out
}

type scanFn struct {
	bus, slot, fn  uint8
	vendor, device uint16
	header         uint8
	secondary      uint8 // for bridges
}

var scanTests = []struct {
	name  string
	funcs []scanFn
	want  []string
}{
	{"empty bus", nil, nil},
	{
		"single-function devices",
		[]scanFn{
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
		[]scanFn{
			{0, 3, 0, 0x1AF4, 0x1000, 0x00, 0},
			{0, 3, 1, 0x1AF4, 0x1000, 0x00, 0},
		},
		[]string{"00:03.0 1af4:1000"},
	},
	{
		"multi-function device with functions 0 and 3",
		[]scanFn{
			{0, 31, 0, 0x8086, 0x2918, 0x80, 0},
			{0, 31, 3, 0x8086, 0x2930, 0x00, 0},
		},
		[]string{"00:1f.0 8086:2918", "00:1f.3 8086:2930"},
	},
	{
		"function 0 absent: slot skipped",
		[]scanFn{
			{0, 4, 1, 0x1AF4, 0x1041, 0x80, 0},
			{0, 5, 0, 0x1AF4, 0x1042, 0x00, 0},
		},
		[]string{"00:05.0 1af4:1042"},
	},
	{
		"bridge to bus 2",
		[]scanFn{
			{0, 1, 0, 0x1B36, 0x0001, 0x01, 2},
			{0, 6, 0, 0x1AF4, 0x1043, 0x00, 0},
			{2, 0, 0, 0x1AF4, 0x1041, 0x00, 0},
			{2, 7, 0, 0x1AF4, 0x1042, 0x00, 0},
			{3, 0, 0, 0x1AF4, 0x1044, 0x00, 0}, // behind no bridge
		},
		[]string{"00:01.0 1b36:0001", "02:00.0 1af4:1041", "02:07.0 1af4:1042", "00:06.0 1af4:1043"},
	},
	{
		"bridge behind a bridge, high bus",
		[]scanFn{
			{0, 28, 0, 0x8086, 0x2940, 0x81, 1},
			{0, 28, 1, 0x8086, 0x2942, 0x01, 0xF0},
			{1, 0, 0, 0x1B36, 0x000E, 0x01, 0xFF},
			{0xFF, 0, 0, 0x1AF4, 0x1041, 0x00, 0},
			{0xF0, 0, 0, 0x1AF4, 0x1042, 0x00, 0},
		},
		[]string{"00:1c.0 8086:2940", "00:1c.1 8086:2942", "01:00.0 1b36:000e", "ff:00.0 1af4:1041", "f0:00.0 1af4:1042"},
	},
	{
		"multi-function bridge",
		[]scanFn{
			{0, 1, 0, 0x8086, 0x0001, 0x81, 5},
			{0, 1, 1, 0x8086, 0x0002, 0x00, 0},
			{5, 0, 0, 0x1AF4, 0x1041, 0x00, 0},
		},
		[]string{"00:01.0 8086:0001", "05:00.0 1af4:1041", "00:01.1 8086:0002"},
	},
	{
		"bridge whose secondary bus is 0",
		[]scanFn{
			{0, 1, 0, 0x1B36, 0x0001, 0x01, 0},
			{0, 2, 0, 0x1AF4, 0x1041, 0x00, 0},
		},
		[]string{"00:01.0 1b36:0001", "00:02.0 1af4:1041"},
	},
	{
		"bridges pointing at each other",
		[]scanFn{
			{0, 1, 0, 0x1B36, 0x0001, 0x01, 1},
			{1, 0, 0, 0x1B36, 0x0001, 0x01, 0},
			{1, 1, 0, 0x1B36, 0x0001, 0x01, 1},
		},
		[]string{"00:01.0 1b36:0001", "01:00.0 1b36:0001", "01:01.0 1b36:0001"},
	},
}

func TestScan(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range scanTests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFakeSpace(t)
				for _, d := range tt.funcs {
					f.add(d.bus, d.slot, d.fn, d.vendor, d.device, d.header).s[0x19] = d.secondary
				}
				a := m.new(f)
				devs := Scan(a)
				// Order is not part of the contract; duplicates are.
				got, want := found(devs), slices.Clone(tt.want)
				slices.Sort(got)
				slices.Sort(want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Scan() = %q, want %q", got, want)
				}
				for _, d := range devs {
					if d.Access != a {
						t.Errorf("Scan(): device %v has Access %v, want the one scanned", bdf{d.Bus, d.Slot, d.Func}, d.Access)
					}
				}
			})
		}
	})
}

// ECAM only reaches the buses its window covers: devices behind a
// bridge to a bus outside the range are not seen, and the window is
// never accessed outside its bounds (the fake window checks).
func TestScanECAMBusRange(t *testing.T) {
	tests := []struct {
		start, end uint8
		want       []string
	}{
		{0, 255, []string{"00:01.0 1b36:0001", "00:02.0 1b36:0001", "02:00.0 1af4:1041", "09:00.0 1af4:1042"}},
		{0, 8, []string{"00:01.0 1b36:0001", "00:02.0 1b36:0001", "02:00.0 1af4:1041"}},
		{0, 0, []string{"00:01.0 1b36:0001", "00:02.0 1b36:0001"}},
		{1, 255, nil}, // Scan starts at bus 0, which this window lacks
	}
	for _, tt := range tests {
		f := newFakeSpace(t)
		f.add(0, 1, 0, 0x1B36, 0x0001, 0x01).s[0x19] = 2
		f.add(0, 2, 0, 0x1B36, 0x0001, 0x01).s[0x19] = 9
		f.add(2, 0, 0, 0x1AF4, 0x1041, 0x00)
		f.add(9, 0, 0, 0x1AF4, 0x1042, 0x00)
		w := &window{fakeSpace: f, start: tt.start, end: tt.end}
		got := found(Scan(ECAM{Window: w, StartBus: tt.start, EndBus: tt.end}))
		slices.Sort(got)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Scan(ECAM buses %#x-%#x) = %q, want %q", tt.start, tt.end, got, tt.want)
		}
	}
}

func TestMech1Address(t *testing.T) {
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
		// The Config form callers built before Access existed.
		c := Config{IO: f, Bus: tt.bus, Slot: tt.slot, Func: tt.fn}
		c.Read32(tt.off)
		if f.addr != tt.want {
			t.Errorf("Config{%v}.Read32(%#x) selected address %#08x, want %#08x", bdf{tt.bus, tt.slot, tt.fn}, tt.off, f.addr, tt.want)
		}
		f.addr = 0
		Mech1{IO: f}.Write32(tt.bus, tt.slot, tt.fn, uint16(tt.off), 0)
		if f.addr != tt.want {
			t.Errorf("Mech1.Write32(%v, %#x) selected address %#08x, want %#08x", bdf{tt.bus, tt.slot, tt.fn}, tt.off, f.addr, tt.want)
		}
	}
}

type addrRecorder struct {
	addr     uint32
	accesses int
}

func (a *addrRecorder) In32(uint16) uint32 { a.accesses++; return 0 }
func (a *addrRecorder) Out32(port uint16, v uint32) {
	a.accesses++
	if port == specAddrPort {
		a.addr = v
	}
}

// Mechanism #1 cannot reach offsets 0x100 and up, nor slots above 31 or
// functions above 7: those read as all ones without touching the ports.
func TestMech1OutOfRange(t *testing.T) {
	tests := []struct {
		slot, fn uint8
		off      uint16
	}{
		{0, 0, 0x100}, {0, 0, 0xFFC}, {0, 0, 0xFFFF}, {32, 0, 0}, {0, 8, 0}, {0xFF, 0xFF, 0},
	}
	for _, tt := range tests {
		f := &addrRecorder{}
		m := Mech1{IO: f}
		if got := m.Read32(0, tt.slot, tt.fn, tt.off); got != 0xFFFFFFFF {
			t.Errorf("Mech1.Read32(0, %d, %d, %#x) = %#x, want 0xffffffff", tt.slot, tt.fn, tt.off, got)
		}
		m.Write32(0, tt.slot, tt.fn, tt.off, 0)
		if f.accesses != 0 {
			t.Errorf("Mech1 access to slot %d fn %d offset %#x made %d port accesses, want none", tt.slot, tt.fn, tt.off, f.accesses)
		}
	}
}

// offsetRecorder is a Window that logs offsets.
type offsetRecorder struct{ offs []uintptr }

func (o *offsetRecorder) Read32(off uintptr) uint32 { o.offs = append(o.offs, off); return 0 }
func (o *offsetRecorder) Write32(off uintptr, v uint32) {
	o.offs = append(o.offs, off)
}

func TestECAMOffset(t *testing.T) {
	tests := []struct {
		start, end    uint8
		bus, slot, fn uint8
		off           uint16
		want          uintptr // ^0: no access
	}{
		{0, 255, 0, 0, 0, 0x000, 0x0},
		{0, 255, 0, 0, 0, 0x013, 0x10},
		{0, 255, 1, 2, 3, 0x004, 0x113004},
		{0, 255, 0, 0, 0, 0x100, 0x100},
		{0, 255, 0xFF, 31, 7, 0xFFF, 0xFFFFFFC},
		{0, 255, 0x12, 0x1A, 5, 0x3E, 0x12D503C},
		{0x80, 0xFF, 0x80, 0, 0, 0, 0},
		{0x80, 0xFF, 0x81, 1, 1, 0x104, 0x109104},
		{0x80, 0xFF, 0x7F, 0, 0, 0, ^uintptr(0)},
		{0x10, 0x1F, 0x20, 0, 0, 0, ^uintptr(0)},
		{0x10, 0x1F, 0x1F, 31, 7, 0xFFC, 0xFFFFFC},
		{0, 255, 0, 0, 0, 0x1000, ^uintptr(0)},
		{0, 255, 0, 32, 0, 0, ^uintptr(0)},
		{0, 255, 0, 0, 8, 0, ^uintptr(0)},
		{5, 4, 5, 0, 0, 0, ^uintptr(0)}, // empty range
	}
	for _, tt := range tests {
		for _, write := range []bool{false, true} {
			w := &offsetRecorder{}
			e := ECAM{Window: w, StartBus: tt.start, EndBus: tt.end}
			var got uint32
			if write {
				e.Write32(tt.bus, tt.slot, tt.fn, tt.off, 0)
			} else {
				got = e.Read32(tt.bus, tt.slot, tt.fn, tt.off)
			}
			call := fmt.Sprintf("ECAM{buses %#x-%#x}.Read32(%v, %#x)", tt.start, tt.end, bdf{tt.bus, tt.slot, tt.fn}, tt.off)
			if write {
				call = fmt.Sprintf("ECAM{buses %#x-%#x}.Write32(%v, %#x)", tt.start, tt.end, bdf{tt.bus, tt.slot, tt.fn}, tt.off)
			}
			if tt.want == ^uintptr(0) {
				if len(w.offs) != 0 || !write && got != 0xFFFFFFFF {
					t.Errorf("%s = %#x, accessed %#x, want 0xffffffff and no access", call, got, w.offs)
				}
				continue
			}
			if !reflect.DeepEqual(w.offs, []uintptr{tt.want}) {
				t.Errorf("%s accessed %#x, want [%#x]", call, w.offs, tt.want)
			}
		}
	}
}

func TestECAMSize(t *testing.T) {
	for _, tt := range []struct {
		start, end uint8
		want       uintptr
	}{{0, 255, 256 << 20}, {0, 0, 1 << 20}, {0x80, 0xFF, 128 << 20}, {5, 4, 0}} {
		if got := (ECAM{StartBus: tt.start, EndBus: tt.end}).Size(); got != tt.want {
			t.Errorf("ECAM{buses %#x-%#x}.Size() = %#x, want %#x", tt.start, tt.end, got, tt.want)
		}
	}
}

// Extended configuration space (0x100-0xFFF) through Config: ECAM
// reaches it, mechanism #1 reads all ones and drops writes.
func TestExtendedSpace(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		c, fn := testConfig(t, m)
		binary.LittleEndian.PutUint32(fn.s[0x100:], 0x12345678)
		binary.LittleEndian.PutUint32(fn.s[0xFFC:], 0x9ABCDEF0)
		binary.LittleEndian.PutUint32(fn.s[0xFC:], 0x0BADF00D)
		want100, wantFFC := uint32(0x12345678), uint32(0x9ABCDEF0)
		if m.name == "mech1" {
			want100, wantFFC = 0xFFFFFFFF, 0xFFFFFFFF
		}
		for _, tt := range []struct {
			off  uint16
			want uint32
		}{{0xFC, 0x0BADF00D}, {0x100, want100}, {0x103, want100}, {0xFFC, wantFFC}, {0x1000, 0xFFFFFFFF}} {
			if got := c.ReadExt32(tt.off); got != tt.want {
				t.Errorf("ReadExt32(%#x) = %#08x, want %#08x", tt.off, got, tt.want)
			}
		}
		c.WriteExt32(0x200, 0xCAFEBABE)
		want := uint32(0xCAFEBABE)
		if m.name == "mech1" {
			want = 0
		}
		if got := fn.u32(0x200); got != want {
			t.Errorf("WriteExt32(0x200, 0xcafebabe): dword 0x200 = %#08x, want %#08x", got, want)
		}
	})
}

// A zero Config (no Access, no IO) reads as no device.
func TestConfigZero(t *testing.T) {
	var c Config
	if got := c.Read16(RegVendor); got != 0xFFFF {
		t.Errorf("Config{}.Read16(RegVendor) = %#x, want 0xffff", got)
	}
	c.Write32(RegCommand, 0)
	c.EnableMemory()
}

func TestReadWidths(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		c, fn := testConfig(t, m)
		copy(fn.s[0x40:], []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88})
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
	})
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
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range tests {
			c, fn := testConfig(t, m)
			copy(fn.s[0x3C:], []byte{0xA1, 0xA2, 0xA3, 0xA4, 0x11, 0x22, 0x33, 0x44, 0xB1, 0xB2, 0xB3, 0xB4})
			c.Write16(tt.off, tt.v)
			if got := [4]byte(fn.s[0x40:0x44]); got != tt.want {
				t.Errorf("Write16(%#x, %#04x): dword 0x40 = % x, want % x", tt.off, tt.v, got, tt.want)
			}
			if got := [4]byte(fn.s[0x3C:0x40]); got != [4]byte{0xA1, 0xA2, 0xA3, 0xA4} {
				t.Errorf("Write16(%#x, %#04x): dword 0x3C = % x, want it untouched", tt.off, tt.v, got)
			}
			if got := [4]byte(fn.s[0x44:0x48]); got != [4]byte{0xB1, 0xB2, 0xB3, 0xB4} {
				t.Errorf("Write16(%#x, %#04x): dword 0x44 = % x, want it untouched", tt.off, tt.v, got)
			}
		}
	})
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
	// Status values: the capability list bit alone, and with RW1C error
	// bits set (detected parity error, signaled system error, received
	// master abort, master data parity error), which writing the status
	// back would clear (PCI 3.0 §6.2.3).
	for _, status := range []uint16{0x0010, 0xE110, 0xF910} {
		forEach(t, func(t *testing.T, m method) {
			for _, tt := range tests {
				c, fn := testConfig(t, m)
				binary.LittleEndian.PutUint16(fn.s[0x04:], tt.cmd)
				binary.LittleEndian.PutUint16(fn.s[0x06:], status)
				c.EnableMemory()
				if got := fn.u16(0x04); got != tt.want {
					t.Errorf("EnableMemory() with command %#04x: command = %#04x, want %#04x", tt.cmd, got, tt.want)
				}
				if got := fn.u16(0x06); got != status {
					t.Errorf("EnableMemory() with command %#04x, status %#04x: status = %#04x, want %#04x", tt.cmd, status, got, status)
				}
				if got := fn.u16(0x00); got != 0x1AF4 {
					t.Errorf("EnableMemory() with command %#04x: vendor = %#04x, want %#04x", tt.cmd, got, 0x1AF4)
				}
			}
		})
	}
}

func TestEnableIO(t *testing.T) {
	tests := []struct {
		cmd, want uint16
	}{
		{0x0000, 0x0005},
		{0x0002, 0x0007}, // memory decoding stays on
		{0x0400, 0x0405}, // so does INTx disable
		{0x0005, 0x0005},
		{0x0146, 0x0147},
	}
	// Status with RW1C error bits set, which must survive (see TestEnableMemory).
	for _, status := range []uint16{0x0010, 0xF910} {
		forEach(t, func(t *testing.T, m method) {
			for _, tt := range tests {
				c, fn := testConfig(t, m)
				binary.LittleEndian.PutUint16(fn.s[0x04:], tt.cmd)
				binary.LittleEndian.PutUint16(fn.s[0x06:], status)
				c.EnableIO()
				if got := fn.u16(0x04); got != tt.want {
					t.Errorf("EnableIO() with command %#04x: command = %#04x, want %#04x", tt.cmd, got, tt.want)
				}
				if got := fn.u16(0x06); got != status {
					t.Errorf("EnableIO() with command %#04x, status %#04x: status = %#04x, want %#04x", tt.cmd, status, got, status)
				}
			}
		})
	}
}

// Writing the Status register clears exactly the RW1C bits written as 1
// and leaves Command alone; writing Command leaves Status alone.
func TestWrite16CommandStatus(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		c, fn := testConfig(t, m)
		binary.LittleEndian.PutUint16(fn.s[0x04:], 0x0147)
		binary.LittleEndian.PutUint16(fn.s[0x06:], 0xF910)
		c.Write16(RegStatus, 0x8100)
		if cmd, st := fn.u16(0x04), fn.u16(0x06); cmd != 0x0147 || st != 0x7810 {
			t.Errorf("Write16(RegStatus, 0x8100): command, status = %#04x, %#04x, want 0x0147, 0x7810", cmd, st)
		}
		c.Write16(RegCommand, 0x0400)
		if cmd, st := fn.u16(0x04), fn.u16(0x06); cmd != 0x0400 || st != 0x7810 {
			t.Errorf("Write16(RegCommand, 0x0400): command, status = %#04x, %#04x, want 0x0400, 0x7810", cmd, st)
		}
	})
}

// A bridge's I/O base and limit share a dword with its Secondary
// Status, whose RW1C bits must survive a write of the former; in a
// type-0 header the same dword is BAR 3, written back as read.
func TestWrite16BridgeIOBase(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		f := newFakeSpace(t)
		br := f.add(0, 1, 0, 0x1B36, 0x0001, 0x01)
		binary.LittleEndian.PutUint32(br.s[0x1C:], 0xF900_0000|0x1010)
		c := Config{Access: m.new(f), Slot: 1}
		c.Write16(RegIOBase, 0x2020)
		if got := br.u32(0x1C); got != 0xF9002020 {
			t.Errorf("bridge Write16(RegIOBase, 0x2020): dword 0x1c = %#08x, want 0xf9002020", got)
		}
		dev := f.add(0, 2, 0, 0x1AF4, 0x1041, 0x00)
		binary.LittleEndian.PutUint32(dev.s[0x1C:], 0xF9001010)
		c = Config{Access: m.new(f), Slot: 2}
		c.Write16(0x1C, 0x2020)
		if got := dev.u32(0x1C); got != 0xF9002020 {
			t.Errorf("type-0 Write16(0x1c, 0x2020): dword 0x1c = %#08x, want 0xf9002020", got)
		}
		dev.s[0x0E] = 0x01
		binary.LittleEndian.PutUint32(dev.s[0x1C:], 0xF9001010)
		c.Write16(0x1E, 0x0100)
		if got := dev.u32(0x1C); got != 0xF8001010 {
			t.Errorf("bridge Write16(0x1e, 0x0100): dword 0x1c = %#08x, want 0xf8001010", got)
		}
	})
}

// The form of Config built before Access existed still works, status
// bits included.
func TestConfigIOField(t *testing.T) {
	f := newFakeSpace(t)
	fn := f.add(0, testSlot, 0, 0x1AF4, 0x1041, 0)
	binary.LittleEndian.PutUint16(fn.s[0x06:], 0x8010)
	c := Config{IO: &ports{fakeSpace: f}, Slot: testSlot}
	c.EnableMemory()
	if cmd, st := fn.u16(0x04), fn.u16(0x06); cmd != 0x0006 || st != 0x8010 {
		t.Errorf("Config{IO}.EnableMemory(): command, status = %#04x, %#04x, want 0x0006, 0x8010", cmd, st)
	}
	if got := c.ReadExt32(0x100); got != 0xFFFFFFFF {
		t.Errorf("Config{IO}.ReadExt32(0x100) = %#x, want 0xffffffff", got)
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
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, fn := testConfig(t, m)
				for i, v := range tt.bars {
					binary.LittleEndian.PutUint32(fn.s[0x10+4*i:], v)
				}
				addr, is64 := c.BAR(tt.i)
				if addr != tt.wantAddr || is64 != tt.want64 {
					t.Errorf("BAR(%d) = %#x, %v, want %#x, %v", tt.i, addr, is64, tt.wantAddr, tt.want64)
				}
			})
		}
	})
}

func TestSizeBAR(t *testing.T) {
	tests := []struct {
		name   string
		header uint8
		bars   [6]uint32 // values
		masks  [6]uint32 // writable bits: all ones read back as these plus the read-only low bits
		i      int
		want   BARInfo
	}{
		{
			"32-bit memory, 4 KiB", 0,
			[6]uint32{0xFEB01000}, [6]uint32{0xFFFFF000},
			0, BARInfo{Addr: 0xFEB01000, Size: 0x1000},
		},
		{
			"32-bit prefetchable, 16 MiB", 0,
			[6]uint32{1: 0xFD000008}, [6]uint32{1: 0xFF000000},
			1, BARInfo{Addr: 0xFD000000, Size: 16 << 20, Prefetchable: true},
		},
		{
			"64-bit memory above 4 GiB, 16 KiB", 0,
			[6]uint32{4: 0xFE00400C, 5: 0x00000008}, [6]uint32{4: 0xFFFFC000, 5: 0xFFFFFFFF},
			4, BARInfo{Addr: 0x8FE004000, Size: 16 << 10, Is64: true, Prefetchable: true},
		},
		{
			"64-bit memory, 8 GiB", 0,
			[6]uint32{2: 0x0000000C, 3: 0x00000004}, [6]uint32{2: 0x00000000, 3: 0xFFFFFFFE},
			2, BARInfo{Addr: 0x400000000, Size: 8 << 30, Is64: true, Prefetchable: true},
		},
		{
			"64-bit memory, upper half hardwired to 0", 0,
			[6]uint32{0: 0xC0000004}, [6]uint32{0: 0xFFF00000, 1: 0},
			0, BARInfo{Addr: 0xC0000000, Size: 1 << 20, Is64: true},
		},
		{
			"I/O, 32 ports", 0,
			[6]uint32{0x0000C041}, [6]uint32{0xFFFFFFE0},
			0, BARInfo{Addr: 0xC040, Size: 32, IO: true},
		},
		{
			"I/O, 16-bit decoder", 0,
			[6]uint32{1: 0x0000C081}, [6]uint32{1: 0x0000FFC0},
			1, BARInfo{Addr: 0xC080, Size: 64, IO: true},
		},
		{
			"unimplemented", 0,
			[6]uint32{}, [6]uint32{},
			3, BARInfo{},
		},
		{
			"64-bit type in BAR 5: no upper half", 0,
			[6]uint32{5: 0xFE000004}, [6]uint32{5: 0xFFFFF000},
			5, BARInfo{},
		},
		{
			"bridge BAR 1", 1,
			[6]uint32{1: 0xFEA00000}, [6]uint32{1: 0xFFFFF000},
			1, BARInfo{Addr: 0xFEA00000, Size: 0x1000},
		},
		{
			"bridge has no BAR 2 (bus numbers live there)", 1,
			[6]uint32{2: 0x00020100}, [6]uint32{2: 0xFFFFFFFF},
			2, BARInfo{},
		},
		{
			"CardBus header: none", 2,
			[6]uint32{0: 0xFEB00000}, [6]uint32{0: 0xFFFFF000},
			0, BARInfo{},
		},
		{"index -1", 0, [6]uint32{}, [6]uint32{}, -1, BARInfo{}},
		{"index 6", 0, [6]uint32{}, [6]uint32{}, 6, BARInfo{}},
	}
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, fn := testConfig(t, m)
				fn.s[0x0E] = tt.header
				masks := tt.masks
				fn.barMask = &masks
				for i, v := range tt.bars {
					binary.LittleEndian.PutUint32(fn.s[0x10+4*i:], v)
				}
				binary.LittleEndian.PutUint16(fn.s[0x04:], 0x0407)
				binary.LittleEndian.PutUint16(fn.s[0x06:], 0x8010)
				before := fn.s
				got := c.SizeBAR(tt.i)
				if got != tt.want {
					t.Errorf("SizeBAR(%d) = %+v, want %+v", tt.i, got, tt.want)
				}
				if fn.s != before {
					for off := range fn.s {
						if fn.s[off] != before[off] {
							t.Errorf("SizeBAR(%d) left byte %#x = %#02x, want %#02x (restored)", tt.i, off, fn.s[off], before[off])
						}
					}
				}
			})
		}
	})
}

// Sizing through Scan's devices, behind a bridge, on both mechanisms.
func TestScanAndSize(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		f := newFakeSpace(t)
		f.add(0, 1, 0, 0x1B36, 0x0001, 0x01).s[0x19] = 3
		nic := f.add(3, 0, 0, 0x1AF4, 0x1041, 0x00)
		nic.barMask = &[6]uint32{1: 0xFFFFF000, 4: 0xFFFFC000, 5: 0xFFFFFFFF}
		binary.LittleEndian.PutUint32(nic.s[0x14:], 0xFEA01000)
		binary.LittleEndian.PutUint32(nic.s[0x20:], 0x0000400C)
		binary.LittleEndian.PutUint32(nic.s[0x24:], 0x00000038)
		var got []BARInfo
		for _, d := range Scan(m.new(f)) {
			if d.Vendor != 0x1AF4 {
				continue
			}
			for i := 0; i < 6; i++ {
				if b := d.SizeBAR(i); b.Size != 0 {
					got = append(got, b)
					if b.Is64 {
						i++
					}
				}
			}
		}
		want := []BARInfo{
			{Addr: 0xFEA01000, Size: 0x1000},
			{Addr: 0x38_0000_4000, Size: 0x4000, Is64: true, Prefetchable: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SizeBAR over the device behind the bridge = %+v, want %+v", got, want)
		}
	})
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
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, fn := testConfig(t, m)
				binary.LittleEndian.PutUint16(fn.s[0x06:], tt.status)
				fn.s[0x34] = tt.ptr
				for _, d := range tt.caps {
					fn.s[d.off], fn.s[d.off+1] = d.id, d.next
				}
				var got []capVisit
				c.Caps(func(id, off uint8) { got = append(got, capVisit{id, off}) })
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Caps visited %v, want %v", got, tt.want)
				}
			})
		}
	})
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
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, fn := testConfig(t, m)
				binary.LittleEndian.PutUint16(fn.s[0x06:], 0x0010)
				fn.s[0x34] = 0x40
				for off, next := range tt.next {
					fn.s[off], fn.s[off+1] = 0x09, next
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
	})
}

type extCapVisit struct {
	id      uint16
	version uint8
	off     uint16
}

func TestExtCaps(t *testing.T) {
	// Extended capability header (PCIe base spec §7.6.3).
	hdr := func(id uint16, version uint8, next uint16) uint32 {
		return uint32(id) | uint32(version)<<16 | uint32(next)<<20
	}
	tests := []struct {
		name string
		caps map[uint16]uint32
		want []extCapVisit
	}{
		{
			"list",
			map[uint16]uint32{0x100: hdr(0x0001, 2, 0x148), 0x148: hdr(0x000B, 1, 0x200), 0x200: hdr(0x0023, 1, 0)},
			[]extCapVisit{{0x0001, 2, 0x100}, {0x000B, 1, 0x148}, {0x0023, 1, 0x200}},
		},
		{"none: header 0", nil, nil},
		{
			"reserved next-pointer bits masked",
			map[uint16]uint32{0x100: hdr(0x0001, 1, 0x203), 0x200: hdr(0x0002, 1, 0)},
			[]extCapVisit{{0x0001, 1, 0x100}, {0x0002, 1, 0x200}},
		},
		{
			"next pointing below 0x100 ends the list",
			map[uint16]uint32{0x100: hdr(0x0001, 1, 0x40)},
			[]extCapVisit{{0x0001, 1, 0x100}},
		},
	}
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, fn := testConfig(t, m)
				for off, h := range tt.caps {
					binary.LittleEndian.PutUint32(fn.s[off:], h)
				}
				var got []extCapVisit
				c.ExtCaps(func(id uint16, version uint8, off uint16) { got = append(got, extCapVisit{id, version, off}) })
				want := tt.want
				if m.name == "mech1" {
					want = nil // extended space is out of reach
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("ExtCaps visited %v, want %v", got, want)
				}
			})
		}
	})
}

func TestExtCapsLoop(t *testing.T) {
	f := newFakeSpace(t)
	fn := f.add(0, 0, 0, 0x8086, 0x1234, 0)
	binary.LittleEndian.PutUint32(fn.s[0x100:], 0x0001|1<<16|0x180<<20)
	binary.LittleEndian.PutUint32(fn.s[0x180:], 0x0002|1<<16|0x100<<20)
	c := Config{Access: ECAM{Window: &window{fakeSpace: f, end: 255}, EndBus: 255}}
	n := 0
	c.ExtCaps(func(uint16, uint8, uint16) {
		n++
		if n > 10000 {
			t.Fatalf("ExtCaps visited more than 10000 capabilities")
		}
	})
	if n == 0 || n > (0x1000-0x100)/4 {
		t.Errorf("ExtCaps on a looping list made %d visits, want between 1 and %d", n, (0x1000-0x100)/4)
	}
}
