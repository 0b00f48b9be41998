package mm

import (
	"fmt"
	"testing"
)

// fakePhys is physical memory [base, base+8*len(w)) as 64-bit words.
// Out-of-range or unaligned accesses panic: the code under test must
// only touch frames it was given.
type fakePhys struct {
	base  uintptr
	w     []uint64
	loads int
}

const (
	physBase = 0x100000
	physSize = 8 << 20
)

func newPhys() *fakePhys { return &fakePhys{base: physBase, w: make([]uint64, physSize/8)} }

func (p *fakePhys) idx(pa uintptr) int {
	if pa < p.base || pa-p.base >= uintptr(8*len(p.w)) || pa%8 != 0 {
		panic(fmt.Sprintf("fakePhys: access at %#x outside [%#x, %#x) or unaligned", pa, p.base, p.base+uintptr(8*len(p.w))))
	}
	return int(pa-p.base) / 8
}

func (p *fakePhys) Load64(pa uintptr) uint64 { p.loads++; return p.w[p.idx(pa)] }

func (p *fakePhys) Store64(pa uintptr, v uint64) { p.w[p.idx(pa)] = v }

func (p *fakePhys) ZeroPage(pa uintptr) {
	if pa%PageSize != 0 {
		panic(fmt.Sprintf("fakePhys: ZeroPage(%#x) not page-aligned", pa))
	}
	i := p.idx(pa)
	clear(p.w[i : i+PageSize/8])
}

// fill writes v into every word.
func (p *fakePhys) fill(v uint64) {
	for i := range p.w {
		p.w[i] = v
	}
}

// pageIsZero reports whether the frame at pa holds only zeroes.
func (p *fakePhys) pageIsZero(pa uintptr) bool {
	i := p.idx(pa)
	for _, v := range p.w[i : i+PageSize/8] {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestFramesAddRange(t *testing.T) {
	tests := []struct {
		base, end uintptr
		total     uint64
		first     uintptr
	}{
		{0x100000, 0x102000, 2, 0x100000},
		{0x100001, 0x103fff, 2, 0x101000}, // rounded inwards to [0x101000, 0x103000)
		{0x100fff, 0x102001, 1, 0x101000},
		{0x100000, 0x100fff, 0, 0},
		{0x102000, 0x101000, 0, 0},
		{0x101000, 0x101000, 0, 0},
	}
	for _, tt := range tests {
		f := Frames{Mem: newPhys()}
		f.AddRange(tt.base, tt.end)
		if f.Total != tt.total {
			t.Errorf("AddRange(%#x, %#x): Total = %d, want %d", tt.base, tt.end, f.Total, tt.total)
		}
		pa, ok := f.Alloc()
		if want := tt.total > 0; ok != want || pa != tt.first {
			t.Errorf("AddRange(%#x, %#x); Alloc() = %#x, %v, want %#x, %v", tt.base, tt.end, pa, ok, tt.first, want)
		}
	}
}

func TestFramesMaxRanges(t *testing.T) {
	f := Frames{Mem: newPhys()}
	for i := 0; i < MaxRanges+5; i++ {
		base := uintptr(physBase + 2*i*PageSize)
		f.AddRange(base, base+PageSize)
	}
	if f.Total != MaxRanges {
		t.Errorf("after %d one-page AddRanges: Total = %d, want %d", MaxRanges+5, f.Total, MaxRanges)
	}
	n := 0
	for {
		pa, ok := f.Alloc()
		if !ok {
			break
		}
		if want := uintptr(physBase + 2*n*PageSize); pa != want {
			t.Errorf("Alloc() #%d = %#x, want %#x", n, pa, want)
		}
		n++
	}
	if n != MaxRanges {
		t.Errorf("Alloc() succeeded %d times, want %d", n, MaxRanges)
	}
}

func TestFramesAlloc(t *testing.T) {
	p := newPhys()
	p.fill(0xdeadbeefcafef00d)
	f := Frames{Mem: p}
	f.AddRange(0x200000, 0x200000+8*PageSize)
	f.AddRange(0x300000, 0x300000+2*PageSize)
	if f.Total != 10 || f.Available() != 10 {
		t.Fatalf("Total, Available() = %d, %d, want 10, 10", f.Total, f.Available())
	}
	seen := map[uintptr]bool{}
	var got []uintptr
	for i := 0; i < 10; i++ {
		pa, ok := f.Alloc()
		if !ok {
			t.Fatalf("Alloc() #%d = _, false, want a frame", i)
		}
		if pa%PageSize != 0 || seen[pa] {
			t.Errorf("Alloc() #%d = %#x: want a page-aligned frame not handed out before", i, pa)
		}
		if !p.pageIsZero(pa) {
			t.Errorf("Alloc() #%d = %#x: frame not zeroed", i, pa)
		}
		inRange := pa >= 0x200000 && pa < 0x200000+8*PageSize || pa >= 0x300000 && pa < 0x300000+2*PageSize
		if !inRange {
			t.Errorf("Alloc() #%d = %#x: outside the ranges given", i, pa)
		}
		seen[pa] = true
		got = append(got, pa)
		p.Store64(pa, 0x1111) // dirty it for the reuse check below
		if f.InUse != uint64(i+1) || f.Peak != uint64(i+1) {
			t.Errorf("after %d Allocs: InUse, Peak = %d, %d, want %d, %d", i+1, f.InUse, f.Peak, i+1, i+1)
		}
	}
	if pa, ok := f.Alloc(); ok {
		t.Errorf("Alloc() on exhausted allocator = %#x, true, want false", pa)
	}
	if f.InUse != 10 || f.Available() != 0 {
		t.Errorf("after exhaustion: InUse, Available() = %d, %d, want 10, 0", f.InUse, f.Available())
	}

	// Free three; they come back (zeroed again), then exhaustion again.
	freed := map[uintptr]bool{got[2]: true, got[5]: true, got[9]: true}
	for pa := range freed {
		f.Free(pa)
	}
	if f.InUse != 7 || f.Peak != 10 || f.Available() != 3 {
		t.Errorf("after 3 Frees: InUse, Peak, Available() = %d, %d, %d, want 7, 10, 3", f.InUse, f.Peak, f.Available())
	}
	for i := 0; i < 3; i++ {
		pa, ok := f.Alloc()
		if !ok || !freed[pa] {
			t.Fatalf("Alloc() after Free = %#x, %v, want one of the freed frames", pa, ok)
		}
		if !p.pageIsZero(pa) {
			t.Errorf("Alloc() after Free = %#x: frame not zeroed", pa)
		}
		delete(freed, pa)
	}
	if pa, ok := f.Alloc(); ok {
		t.Errorf("Alloc() after reusing all freed frames = %#x, true, want false", pa)
	}
	if f.Peak != 10 || f.InUse != 10 {
		t.Errorf("InUse, Peak = %d, %d, want 10, 10", f.InUse, f.Peak)
	}
}

func TestFramesFreeIsLIFO(t *testing.T) {
	f := Frames{Mem: newPhys()}
	f.AddRange(physBase, physBase+4*PageSize)
	a, _ := f.Alloc()
	b, _ := f.Alloc()
	f.Free(a)
	f.Free(b)
	for i, want := range []uintptr{b, a, physBase + 2*PageSize} {
		if got, ok := f.Alloc(); !ok || got != want {
			t.Errorf("Alloc() #%d after Free(%#x), Free(%#x) = %#x, %v, want %#x, true", i, a, b, got, ok, want)
		}
	}
}
