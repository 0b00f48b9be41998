package pci

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// The configuration mechanisms as the specs lay them out, spelled out
// here rather than taken from the package: mechanism #1 (PCI 3.0
// §3.2.2.3.2) and ECAM (PCIe base spec §7.2.2).
const (
	specAddrPort = 0xCF8
	specDataPort = 0xCFC
	specRW1C     = 0xF900 // Status bits 8, 11-15 are RW1C (PCI 3.0 §6.2.3); the rest read-only
)

type bdf struct{ bus, slot, fn uint8 }

func (d bdf) String() string { return fmt.Sprintf("%02x:%02x.%d", d.bus, d.slot, d.fn) }

// fakeFunc is one function's 4 KiB of configuration space, little-endian.
type fakeFunc struct {
	s [4096]byte
	// barMask, when set, makes the BARs (6 in a type-0 header, 2 in a
	// bridge's) behave as hardware: only the bits in barMask[i] take writes, so writing all
	// ones reads back the size.
	barMask *[6]uint32
}

func (f *fakeFunc) u16(off int) uint16 { return binary.LittleEndian.Uint16(f.s[off:]) }
func (f *fakeFunc) u32(off int) uint32 { return binary.LittleEndian.Uint32(f.s[off:]) }

// fakeSpace is the configuration space of a set of functions. Absent
// functions read as all ones and ignore writes. Writes follow the
// hardware where tests depend on it: RW1C status bits, read-only BAR bits.
type fakeSpace struct {
	t     *testing.T
	funcs map[bdf]*fakeFunc
	reads int // dword reads
}

func newFakeSpace(t *testing.T) *fakeSpace {
	return &fakeSpace{t: t, funcs: map[bdf]*fakeFunc{}}
}

// add creates a function with the given vendor, device and header type.
func (f *fakeSpace) add(bus, slot, fn uint8, vendor, device uint16, header uint8) *fakeFunc {
	var ff fakeFunc
	binary.LittleEndian.PutUint16(ff.s[0x00:], vendor)
	binary.LittleEndian.PutUint16(ff.s[0x02:], device)
	ff.s[0x0E] = header
	f.funcs[bdf{bus, slot, fn}] = &ff
	return &ff
}

func (f *fakeSpace) read(d bdf, off uint16) uint32 {
	f.reads++
	fn := f.funcs[d]
	if fn == nil {
		return 0xFFFFFFFF
	}
	return fn.u32(int(off))
}

func (f *fakeSpace) write(d bdf, off uint16, v uint32) {
	fn := f.funcs[d]
	if fn == nil {
		return
	}
	old := fn.u32(int(off))
	bridge := fn.s[0x0E]&0x7F == 1
	switch {
	case off == 0x04, off == 0x1C && bridge:
		// Status (0x06) or a bridge's Secondary Status (0x1E): writing 1
		// clears an RW1C bit, 0 leaves it; other bits are read-only.
		status := uint16(old>>16) &^ (uint16(v>>16) & specRW1C)
		v = uint32(status)<<16 | v&0xFFFF
	case off >= 0x10 && off < barEnd(bridge) && fn.barMask != nil:
		if v == 0xFFFFFFFF && fn.u16(0x04)&3 != 0 {
			f.t.Errorf("%v: all ones written to BAR at %#x with decoding on (command %#04x)", d, off, fn.u16(0x04))
		}
		m := fn.barMask[(off-0x10)/4]
		v = v&m | old&^m
	}
	binary.LittleEndian.PutUint32(fn.s[off:], v)
}

func barEnd(bridge bool) uint16 {
	if bridge {
		return 0x18
	}
	return 0x28
}

// ports is mechanism #1 over a fakeSpace: ports 0xCF8 and 0xCFC. Every
// access is checked to be well formed.
type ports struct {
	*fakeSpace
	addr uint32
}

// decode splits the last address written to 0xCF8.
func (p *ports) decode() (bdf, uint16) {
	a := p.addr
	if a&(1<<31) == 0 {
		p.t.Errorf("data port used with address %#08x: enable bit 31 clear", a)
	}
	if a&3 != 0 {
		p.t.Errorf("address %#08x: bits 0-1 must be 0 for a type 0 access", a)
	}
	if a&0x7F000000 != 0 {
		p.t.Errorf("address %#08x: bits 24-30 are reserved", a)
	}
	return bdf{bus: uint8(a >> 16), slot: uint8(a>>11) & 0x1F, fn: uint8(a>>8) & 7}, uint16(a & 0xFC)
}

func (p *ports) In32(port uint16) uint32 {
	if port != specDataPort {
		p.t.Errorf("In32(%#x), want only the data port %#x", port, specDataPort)
		return 0xFFFFFFFF
	}
	return p.read(p.decode())
}

func (p *ports) Out32(port uint16, v uint32) {
	switch port {
	case specAddrPort:
		p.addr = v
	case specDataPort:
		d, off := p.decode()
		p.write(d, off, v)
	default:
		p.t.Errorf("Out32(%#x, %#x), want only ports %#x and %#x", port, v, specAddrPort, specDataPort)
	}
}

// window is an ECAM window over a fakeSpace for buses start..end: bus
// start's function 0 of device 0 at offset 0, 1 MiB per bus, 32 KiB per
// device, 4 KiB per function. Accesses outside it are errors.
type window struct {
	*fakeSpace
	start, end uint8
	accesses   int
}

func (w *window) decode(off uintptr) (bdf, uint16, bool) {
	w.accesses++
	if off%4 != 0 {
		w.t.Errorf("ECAM access at %#x: not dword aligned", off)
	}
	if size := (uintptr(w.end) - uintptr(w.start) + 1) << 20; off >= size {
		w.t.Errorf("ECAM access at %#x: outside the %#x-byte window of buses %#x-%#x", off, size, w.start, w.end)
		return bdf{}, 0, false
	}
	return bdf{bus: w.start + uint8(off>>20), slot: uint8(off>>15) & 0x1F, fn: uint8(off>>12) & 7}, uint16(off & 0xFFC), true
}

func (w *window) Read32(off uintptr) uint32 {
	d, o, ok := w.decode(off)
	if !ok {
		return 0xFFFFFFFF
	}
	return w.read(d, o)
}

func (w *window) Write32(off uintptr, v uint32) {
	if d, o, ok := w.decode(off); ok {
		w.write(d, o, v)
	}
}

// method is one way of reaching a fakeSpace.
type method struct {
	name string
	new  func(f *fakeSpace) Access
}

var methods = []method{
	{"mech1", func(f *fakeSpace) Access { return Mech1{IO: &ports{fakeSpace: f}} }},
	{"ecam", func(f *fakeSpace) Access {
		return ECAM{Window: &window{fakeSpace: f, start: 0, end: 255}, StartBus: 0, EndBus: 255}
	}},
}

// forEach runs test once per access method.
func forEach(t *testing.T, test func(t *testing.T, m method)) {
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) { test(t, m) })
	}
}

const testSlot = 3

// testConfig is a Config for a type-0 function at 00:03.0 reached by m.
func testConfig(t *testing.T, m method) (Config, *fakeFunc) {
	f := newFakeSpace(t)
	fn := f.add(0, testSlot, 0, 0x1AF4, 0x1041, 0)
	return Config{Access: m.new(f), Bus: 0, Slot: testSlot, Func: 0}, fn
}
