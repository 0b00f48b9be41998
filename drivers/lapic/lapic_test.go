package lapic

import (
	"reflect"
	"testing"
)

type write struct {
	off uintptr
	v   uint32
}

// fakeAPIC records writes in order and answers reads from regs; an offset
// that is not a register the driver should touch fails the test.
type fakeAPIC struct {
	t      *testing.T
	regs   map[uintptr]uint32
	writes []write
}

var known = map[uintptr]bool{regID: true, regEOI: true, regSVR: true, regLVTTimer: true,
	regInitCount: true, regCurCount: true, regDivide: true}

func (a *fakeAPIC) Read32(off uintptr) uint32 {
	if !known[off] || off == regEOI {
		a.t.Errorf("read of %#x", off)
	}
	return a.regs[off]
}

func (a *fakeAPIC) Write32(off uintptr, v uint32) {
	if !known[off] || off == regID || off == regCurCount {
		a.t.Errorf("write %#x to %#x", v, off)
	}
	a.writes = append(a.writes, write{off, v})
}

func newFake(t *testing.T) *fakeAPIC { return &fakeAPIC{t: t, regs: map[uintptr]uint32{}} }

// The offsets and values are the SDM's (vol. 3, chapter 12; offsets in
// table 12-1), written out here rather than taken from the constants.
func TestEnable(t *testing.T) {
	a := newFake(t)
	Enable(a, 0xFF)
	want := []write{{0x0F0, 0x1FF}, {0x3E0, 0xB}, {0x320, 1 << 16}}
	if !reflect.DeepEqual(a.writes, want) {
		t.Errorf("Enable writes %#x, want %#x (SVR enabled with the spurious vector, divide by 1, timer masked)", a.writes, want)
	}
}

func TestEOI(t *testing.T) {
	a := newFake(t)
	EOI(a)
	if want := []write{{0x0B0, 0}}; !reflect.DeepEqual(a.writes, want) {
		t.Errorf("EOI writes %#x, want %#x", a.writes, want)
	}
}

func TestID(t *testing.T) {
	a := newFake(t)
	a.regs[0x020] = 3<<24 | 0x00ABCDEF // bits 0..23 are reserved
	if got := ID(a); got != 3 {
		t.Errorf("ID = %d, want 3", got)
	}
}

// The timer counts down from the initial count; the LVT must be written
// first, because writing the initial count starts the countdown.
func TestCalibrationCount(t *testing.T) {
	a := newFake(t)
	StartCount(a)
	want := []write{{0x320, 1 << 16}, {0x380, 0xFFFFFFFF}}
	if !reflect.DeepEqual(a.writes, want) {
		t.Errorf("StartCount writes %#x, want %#x (masked, then the largest count)", a.writes, want)
	}
	a.regs[0x390] = 0xFFFFFFFF - 12345
	if got := Elapsed(a); got != 12345 {
		t.Errorf("Elapsed = %d, want 12345", got)
	}
}

func TestOneShot(t *testing.T) {
	a := newFake(t)
	OneShot(a, 0x40, 5000)
	// LVT: the vector, unmasked, one-shot mode (bits 17..18 zero).
	want := []write{{0x320, 0x40}, {0x380, 5000}}
	if !reflect.DeepEqual(a.writes, want) {
		t.Errorf("OneShot writes %#x, want %#x", a.writes, want)
	}
	a.writes = nil
	OneShot(a, 0x40, 0)
	if want := []write{{0x320, 0x40}, {0x380, 0}}; !reflect.DeepEqual(a.writes, want) {
		t.Errorf("OneShot(0) writes %#x, want %#x (a zero count stops the timer)", a.writes, want)
	}
}
