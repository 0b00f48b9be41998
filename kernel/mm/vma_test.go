package mm

import (
	"fmt"
	"reflect"
	"testing"

	"unigo/kernel/abi/linux"
)

const P = PageSize

func vmas(s *VMAs) []VMA {
	var out []VMA
	for i := 0; i < s.Len(); i++ {
		out = append(out, s.At(i))
	}
	return out
}

// op is one Insert (prot >= 0) or Remove (prot < 0) of [start, end) in pages.
type op struct {
	start, end uintptr
	prot       int
}

func (o op) apply(s *VMAs) bool {
	if o.prot < 0 {
		return s.Remove(o.start*P, o.end*P)
	}
	return s.Insert(o.start*P, o.end*P, uint32(o.prot))
}

func (o op) String() string {
	if o.prot < 0 {
		return fmt.Sprintf("Remove(%d, %d)", o.start, o.end)
	}
	return fmt.Sprintf("Insert(%d, %d, %d)", o.start, o.end, o.prot)
}

func TestVMAsInsertRemove(t *testing.T) {
	const R, RW, X = linux.PROT_READ, linux.PROT_READ | linux.PROT_WRITE, linux.PROT_READ | linux.PROT_EXEC
	tests := []struct {
		name string
		ops  []op
		want []VMA
	}{
		{"one", []op{{10, 20, RW}}, []VMA{{10 * P, 20 * P, RW}}},
		{"sorted", []op{{30, 40, R}, {10, 20, RW}, {50, 60, X}},
			[]VMA{{10 * P, 20 * P, RW}, {30 * P, 40 * P, R}, {50 * P, 60 * P, X}}},
		{"merge below", []op{{10, 20, RW}, {20, 30, RW}}, []VMA{{10 * P, 30 * P, RW}}},
		{"merge above", []op{{20, 30, RW}, {10, 20, RW}}, []VMA{{10 * P, 30 * P, RW}}},
		{"merge both", []op{{10, 20, RW}, {30, 40, RW}, {20, 30, RW}}, []VMA{{10 * P, 40 * P, RW}}},
		{"no merge across prot", []op{{10, 20, RW}, {20, 30, R}}, []VMA{{10 * P, 20 * P, RW}, {20 * P, 30 * P, R}}},
		{"no merge across gap", []op{{10, 20, RW}, {21, 30, RW}}, []VMA{{10 * P, 20 * P, RW}, {21 * P, 30 * P, RW}}},
		{"replace middle", []op{{10, 40, RW}, {20, 30, R}},
			[]VMA{{10 * P, 20 * P, RW}, {20 * P, 30 * P, R}, {30 * P, 40 * P, RW}}},
		{"replace middle, same prot", []op{{10, 40, RW}, {20, 30, RW}}, []VMA{{10 * P, 40 * P, RW}}},
		{"replace and restore merges", []op{{10, 40, RW}, {20, 30, R}, {20, 30, RW}}, []VMA{{10 * P, 40 * P, RW}}},
		{"replace across several", []op{{10, 20, R}, {25, 30, X}, {35, 40, R}, {15, 38, RW}},
			[]VMA{{10 * P, 15 * P, R}, {15 * P, 38 * P, RW}, {38 * P, 40 * P, R}}},
		{"cover all", []op{{10, 20, R}, {25, 30, X}, {5, 50, RW}}, []VMA{{5 * P, 50 * P, RW}}},
		{"prot none is a mapping", []op{{10, 20, 0}}, []VMA{{10 * P, 20 * P, 0}}},
		{"remove all", []op{{10, 20, RW}, {10, 20, -1}}, nil},
		{"remove middle", []op{{10, 40, RW}, {20, 30, -1}}, []VMA{{10 * P, 20 * P, RW}, {30 * P, 40 * P, RW}}},
		{"remove head", []op{{10, 40, RW}, {5, 20, -1}}, []VMA{{20 * P, 40 * P, RW}}},
		{"remove tail", []op{{10, 40, RW}, {30, 50, -1}}, []VMA{{10 * P, 30 * P, RW}}},
		{"remove across", []op{{10, 20, R}, {25, 30, X}, {35, 40, R}, {15, 38, -1}},
			[]VMA{{10 * P, 15 * P, R}, {38 * P, 40 * P, R}}},
		{"remove in gap", []op{{10, 20, R}, {30, 40, R}, {22, 28, -1}}, []VMA{{10 * P, 20 * P, R}, {30 * P, 40 * P, R}}},
		{"remove on empty", []op{{10, 20, -1}}, nil},
		{"remove does not merge", []op{{10, 20, RW}, {20, 30, R}, {30, 40, RW}, {20, 30, -1}, {20, 30, RW}},
			[]VMA{{10 * P, 40 * P, RW}}},
	}
	for _, tt := range tests {
		var s VMAs
		for _, o := range tt.ops {
			if !o.apply(&s) {
				t.Fatalf("%s: %v = false, want true", tt.name, o)
			}
		}
		if got := vmas(&s); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v gives %v, want %v", tt.name, tt.ops, got, tt.want)
		}
	}
}

func TestVMAsFindOverlaps(t *testing.T) {
	var s VMAs
	s.Insert(10*P, 20*P, linux.PROT_READ)
	s.Insert(30*P, 40*P, linux.PROT_WRITE)
	s.Insert(40*P, 50*P, linux.PROT_READ)
	finds := []struct {
		addr  uintptr
		i     int
		found bool
	}{
		{0, 0, false}, {10*P - 1, 0, false}, {10 * P, 0, true}, {20*P - 1, 0, true}, {20 * P, 1, false},
		{30 * P, 1, true}, {40*P - 1, 1, true}, {40 * P, 2, true}, {50*P - 1, 2, true}, {50 * P, 3, false}, {^uintptr(0), 3, false},
	}
	for _, f := range finds {
		if i, found := s.Find(f.addr); i != f.i || found != f.found {
			t.Errorf("Find(%#x) = %d, %v, want %d, %v", f.addr, i, found, f.i, f.found)
		}
	}
	overlaps := []struct {
		start, end uintptr
		want       bool
	}{
		{0, 10 * P, false}, {0, 10*P + 1, true}, {15 * P, 16 * P, true}, {19 * P, 31 * P, true},
		{20 * P, 30 * P, false}, {21 * P, 29 * P, false}, {45 * P, 60 * P, true}, {50 * P, 60 * P, false}, {5 * P, 60 * P, true},
	}
	for _, o := range overlaps {
		if got := s.Overlaps(o.start, o.end); got != o.want {
			t.Errorf("Overlaps(%#x, %#x) = %v, want %v", o.start, o.end, got, o.want)
		}
	}
}

func TestVMAsFreeRange(t *testing.T) {
	var s VMAs
	s.Insert(100*P, 110*P, linux.PROT_READ)
	s.Insert(150*P, 160*P, linux.PROT_READ)
	s.Insert(163*P, 170*P, linux.PROT_READ)
	s.Insert(195*P, 210*P, linux.PROT_READ)
	s.Insert(300*P, 310*P, linux.PROT_READ)
	// Inside [105, 200) the gaps are [110, 150), [160, 163) and [170, 195).
	tests := []struct {
		size, lo, hi uintptr
		want         uintptr
		ok           bool
	}{
		{P, 105 * P, 200 * P, 194 * P, true},
		{1, 105 * P, 200 * P, 195*P - 1, true}, // sizes are not rounded
		{3 * P, 105 * P, 200 * P, 192 * P, true},
		{25 * P, 105 * P, 200 * P, 170 * P, true},
		{25*P + 1, 105 * P, 200 * P, 150*P - (25*P + 1), true},
		{26 * P, 105 * P, 200 * P, 124 * P, true},
		{40 * P, 105 * P, 200 * P, 110 * P, true},
		{40*P + 1, 105 * P, 200 * P, 0, false},
		{1 << 40, 105 * P, 200 * P, 0, false},
		{^uintptr(0) &^ (P - 1), 105 * P, 200 * P, 0, false},
		{3 * P, 105 * P, 165 * P, 160 * P, true}, // hi inside [163, 170)
		{4 * P, 105 * P, 165 * P, 146 * P, true},
		{P, 105 * P, 150 * P, 149 * P, true}, // the mapping at hi is not in the way
		{38 * P, 112 * P, 160 * P, 112 * P, true},
		{39 * P, 112 * P, 160 * P, 0, false}, // lo cuts the gap
		{P, 0, 100 * P, 99 * P, true},        // below every mapping
		{100 * P, 0, 100 * P, 0, true},
		{P, 400 * P, 500 * P, 499 * P, true}, // above every mapping
		{P, 150 * P, 160 * P, 0, false},      // inside a mapping
		{P, 150 * P, 150 * P, 0, false},      // empty range
		{P, 200 * P, 100 * P, 0, false},      // inverted range
	}
	for _, tt := range tests {
		got, ok := s.FreeRange(tt.size, tt.lo, tt.hi)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FreeRange(%#x, %#x, %#x) = %#x, %v, want %#x, %v", tt.size, tt.lo, tt.hi, got, ok, tt.want, tt.ok)
		}
		if ok && s.Overlaps(got, got+tt.size) {
			t.Errorf("FreeRange(%#x, %#x, %#x) = %#x, which overlaps a mapping", tt.size, tt.lo, tt.hi, got)
		}
	}
}

func TestVMAsFreeRangeEmpty(t *testing.T) {
	var s VMAs
	if got, ok := s.FreeRange(4*P, 100*P, 200*P); !ok || got != 196*P {
		t.Errorf("FreeRange on an empty set = %#x, %v, want %#x, true", got, ok, 196*P)
	}
	if got, ok := s.FreeRange(101*P, 100*P, 200*P); ok {
		t.Errorf("FreeRange larger than [lo, hi) = %#x, true, want false", got)
	}
	// A mapping covering [lo, hi) leaves nothing.
	s.Insert(50*P, 250*P, linux.PROT_READ)
	if got, ok := s.FreeRange(P, 100*P, 200*P); ok {
		t.Errorf("FreeRange inside a mapping = %#x, true, want false", got)
	}
}

func TestVMAsFull(t *testing.T) {
	var s VMAs
	for i := uintptr(0); i < MaxVMAs; i++ {
		if !s.Insert(2*i*P, (2*i+1)*P, linux.PROT_READ) {
			t.Fatalf("Insert #%d = false, want true", i)
		}
	}
	if s.Insert(2*MaxVMAs*P, (2*MaxVMAs+1)*P, linux.PROT_READ) {
		t.Errorf("Insert into a full set = true, want false")
	}
	// Merging needs no slot.
	if !s.Insert(P, 2*P, linux.PROT_READ) || s.Len() != MaxVMAs-1 {
		t.Errorf("merging Insert into a full set: Len() = %d, want %d", s.Len(), MaxVMAs-1)
	}
	s.Insert(2*MaxVMAs*P, (2*MaxVMAs+1)*P, linux.PROT_READ)
	// A split needs one.
	if s.Remove(2*P+100, 2*P+200) {
		t.Errorf("Remove splitting a mapping of a full set = true, want false")
	}
	if got := vmas(&s)[0]; got != (VMA{0, 3 * P, linux.PROT_READ}) {
		t.Errorf("after a refused split: first VMA = %v, want it unchanged", got)
	}
}

// refPages is the reference model: the prot of each page, or -1 for unmapped.
const refPages = 256

func checkAgainstModel(t *testing.T, s *VMAs, ref *[refPages]int, ops []op) {
	t.Helper()
	for i := 1; i < s.Len(); i++ {
		if a, b := s.At(i-1), s.At(i); a.End > b.Start {
			t.Fatalf("after %v: VMAs %d and %d overlap or are unsorted: %v, %v", ops, i-1, i, a, b)
		}
	}
	for i := 0; i < s.Len(); i++ {
		if v := s.At(i); v.Start >= v.End {
			t.Fatalf("after %v: VMA %d is empty: %v", ops, i, v)
		}
	}
	for pg := 0; pg < refPages; pg++ {
		i, found := s.Find(uintptr(pg) * P)
		got := -1
		if found {
			got = int(s.At(i).Prot)
		}
		if got != ref[pg] {
			t.Fatalf("after %v: prot of page %d = %d, want %d (VMAs %v)", ops, pg, got, ref[pg], vmas(s))
		}
	}
}

func TestVMAsModel(t *testing.T) {
	// A deterministic mix, as a quick stand-in for the fuzzer.
	var s VMAs
	var ref [refPages]int
	for i := range ref {
		ref[i] = -1
	}
	var ops []op
	x := uint32(1)
	for n := 0; n < 5000; n++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		a, b := uintptr(x%refPages), uintptr(x>>8%refPages)
		if a > b {
			a, b = b, a
		}
		if a == b {
			continue
		}
		o := op{a, b, int(x>>16)%5 - 1}
		ops = append(ops[max(0, len(ops)-5):], o)
		if !o.apply(&s) {
			t.Fatalf("%v = false, want true", o)
		}
		for pg := a; pg < b; pg++ {
			ref[pg] = o.prot
		}
		checkAgainstModel(t, &s, &ref, ops)
	}
}

func FuzzVMAs(f *testing.F) {
	f.Add([]byte{10, 20, 3, 20, 30, 3, 15, 25, 0xff})
	f.Add([]byte{0, 255, 1, 100, 101, 0xff, 50, 60, 2, 60, 70, 2, 55, 65, 0xff})
	f.Add([]byte{1, 2, 0, 2, 3, 0, 3, 4, 1, 1, 4, 0xff, 0, 10, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxOps = 64 // keeps each run, and so minimisation, cheap
		data = data[:min(len(data), 3*maxOps)]
		var s VMAs
		var ref [refPages]int
		for i := range ref {
			ref[i] = -1
		}
		var ops []op
		for ; len(data) >= 3; data = data[3:] {
			a, b := uintptr(data[0]), uintptr(data[1])
			if a > b {
				a, b = b, a
			}
			if a == b {
				continue
			}
			prot := int(data[2] & 7)
			if data[2]&0x80 != 0 {
				prot = -1
			}
			o := op{a, b, prot}
			ops = append(ops, o)
			if !o.apply(&s) {
				t.Fatalf("%v = false, want true (only %d VMAs)", o, s.Len())
			}
			for pg := a; pg < b; pg++ {
				ref[pg] = prot
			}
			checkAgainstModel(t, &s, &ref, ops)
		}
	})
}
