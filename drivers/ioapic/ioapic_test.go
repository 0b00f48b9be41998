package ioapic

import (
	"fmt"
	"reflect"
	"testing"
)

// regWrite is one write through the data window: register reg gets v.
type regWrite struct {
	reg, v uint32
}

// fakeIOAPIC models the index register (0x00) and the data window (0x10)
// over a register array (version at 1, 24 redirection entries at 0x10..0x3f).
type fakeIOAPIC struct {
	sel    uint32
	regs   [0x40]uint32
	writes []regWrite
	// maskedAtHighWrite records, for each write to a high word, whether
	// the entry's low word had the mask bit set at that moment.
	maskedAtHighWrite []bool
	err               error
}

func (a *fakeIOAPIC) fail(format string, args ...any) {
	if a.err == nil {
		a.err = fmt.Errorf(format, args...)
	}
}

func (a *fakeIOAPIC) Write32(off uintptr, v uint32) {
	switch off {
	case 0x00:
		a.sel = v
	case 0x10:
		if a.sel >= uint32(len(a.regs)) || a.sel < 0x10 {
			a.fail("write %#x to register %#x: not a redirection entry", v, a.sel)
			return
		}
		if a.sel%2 == 1 {
			a.maskedAtHighWrite = append(a.maskedAtHighWrite, a.regs[a.sel-1]&(1<<16) != 0)
		}
		a.regs[a.sel] = v
		a.writes = append(a.writes, regWrite{a.sel, v})
	default:
		a.fail("Write32(%#x, %#x): not a register", off, v)
	}
}

func (a *fakeIOAPIC) Read32(off uintptr) uint32 {
	switch off {
	case 0x00:
		return a.sel
	case 0x10:
		if a.sel >= uint32(len(a.regs)) {
			a.fail("read of register %#x: out of range", a.sel)
			return 0
		}
		return a.regs[a.sel]
	}
	a.fail("Read32(%#x): not a register", off)
	return 0
}

// newFakeIOAPIC returns an I/O APIC whose entries hold stale settings of
// a live route: unmasked, level-triggered, active-low, vector 0xee,
// destination 0x0f, plus reserved low bits of the high word.
func newFakeIOAPIC() *fakeIOAPIC {
	a := &fakeIOAPIC{}
	a.regs[1] = 0x00170020 // 24 entries, version 0x20
	for n := range 24 {
		a.regs[0x10+2*n] = 1<<15 | 1<<13 | 0xee
		a.regs[0x11+2*n] = 0x0f<<24 | 0xff
	}
	return a
}

func TestRoute(t *testing.T) {
	tests := []struct {
		gsi          int
		vector, dest uint8
	}{
		{0, 0x20, 0},
		{1, 0x21, 0},
		{5, 0x25, 1},
		{11, 0x2b, 3},
		{23, 0xff, 0xff},
	}
	for _, tt := range tests {
		a := newFakeIOAPIC()
		before := a.regs
		Route(a, tt.gsi, tt.vector, tt.dest)
		if a.err != nil {
			t.Fatalf("Route(%d, %#x, %d): %v", tt.gsi, tt.vector, tt.dest, a.err)
		}
		lo, hi := uint32(0x10+2*tt.gsi), uint32(0x11+2*tt.gsi)
		// Edge-triggered (bit 15 clear), active high (bit 13 clear), unmasked
		// (bit 16 clear), fixed delivery to a physical destination: just the vector.
		if got, want := a.regs[lo], uint32(tt.vector); got != want {
			t.Errorf("Route(%d, %#x, %d): low word = %#x, want %#x", tt.gsi, tt.vector, tt.dest, got, want)
		}
		if got, want := a.regs[hi], uint32(tt.dest)<<24; got != want {
			t.Errorf("Route(%d, %#x, %d): high word = %#x, want %#x", tt.gsi, tt.vector, tt.dest, got, want)
		}
		// No other register changes.
		after := a.regs
		after[lo], after[hi] = before[lo], before[hi]
		if after != before {
			t.Errorf("Route(%d, ...) changed registers other than %#x and %#x", tt.gsi, lo, hi)
		}
		// The entry is masked whenever its destination changes, and the
		// unmasking write of the low word comes last.
		if len(a.maskedAtHighWrite) == 0 {
			t.Errorf("Route(%d, ...) writes %x: no write to the high word %#x", tt.gsi, a.writes, hi)
		}
		for i, masked := range a.maskedAtHighWrite {
			if !masked {
				t.Errorf("Route(%d, ...) writes %x: high word write %d while the entry is unmasked", tt.gsi, a.writes, i)
			}
		}
		if n := len(a.writes); n == 0 || a.writes[n-1] != (regWrite{lo, uint32(tt.vector)}) {
			t.Errorf("Route(%d, ...) writes %x, want the last to be %x", tt.gsi, a.writes, regWrite{lo, uint32(tt.vector)})
		}
		want := []regWrite{{lo, 1 << 16}, {hi, uint32(tt.dest) << 24}, {lo, uint32(tt.vector)}}
		if !reflect.DeepEqual(a.writes, want) {
			t.Errorf("Route(%d, %#x, %d) writes = %x, want %x", tt.gsi, tt.vector, tt.dest, a.writes, want)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		gsi    int
		lo, hi uint32
	}{
		{0, 0x20, 0},                        // routed by Route
		{9, 1<<15 | 1<<13 | 0x31, 3 << 24},  // level, active low
		{23, 1<<16 | 0x40, 0xff << 24},      // already masked
		{2, 0x0000_0930, 1 << 24},           // lowest priority, logical
		{16, 0xfffe_ffff &^ (1 << 16), 0x0}, // every other bit set
	}
	for _, tt := range tests {
		a := newFakeIOAPIC()
		lo, hi := uint32(0x10+2*tt.gsi), uint32(0x11+2*tt.gsi)
		a.regs[lo], a.regs[hi] = tt.lo, tt.hi
		Mask(a, tt.gsi)
		if a.err != nil {
			t.Fatalf("Mask(%d): %v", tt.gsi, a.err)
		}
		if got, want := a.regs[lo], tt.lo|1<<16; got != want {
			t.Errorf("Mask(%d) with low word %#x: low word = %#x, want %#x", tt.gsi, tt.lo, got, want)
		}
		if got := a.regs[hi]; got != tt.hi {
			t.Errorf("Mask(%d): high word = %#x, want %#x unchanged", tt.gsi, got, tt.hi)
		}
		if want := []regWrite{{lo, tt.lo | 1<<16}}; !reflect.DeepEqual(a.writes, want) {
			t.Errorf("Mask(%d) writes = %x, want %x", tt.gsi, a.writes, want)
		}
	}
}

func TestRouteThenMask(t *testing.T) {
	a := newFakeIOAPIC()
	Route(a, 4, 0x24, 2)
	Mask(a, 4)
	if a.err != nil {
		t.Fatal(a.err)
	}
	if got, want := a.regs[0x18], uint32(1<<16|0x24); got != want {
		t.Errorf("after Route(4, 0x24, 2) and Mask(4), low word = %#x, want %#x", got, want)
	}
	if got, want := a.regs[0x19], uint32(2<<24); got != want {
		t.Errorf("after Route(4, 0x24, 2) and Mask(4), high word = %#x, want %#x", got, want)
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		version uint32
		want    int
	}{
		{0x00170020, 24}, // QEMU / 82093AA: max redirection entry 23
		{0x00170011, 24},
		{0x00000020, 1},
		{0x00370020, 56},
		{0x00ff0020, 256},
		{0xff170020, 24}, // reserved high bits ignored
		{0x0017ffff, 24}, // version and reserved bits ignored
	}
	for _, tt := range tests {
		a := newFakeIOAPIC()
		a.regs[1] = tt.version
		if got := Lines(a); got != tt.want {
			t.Errorf("Lines() with version register %#x = %d, want %d", tt.version, got, tt.want)
		}
		if a.err != nil || a.sel != 1 || len(a.writes) != 0 {
			t.Errorf("Lines(): select %#x, window writes %x, error %v, want select 1, no writes", a.sel, a.writes, a.err)
		}
	}
}
