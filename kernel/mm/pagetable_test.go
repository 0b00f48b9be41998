package mm

import (
	"reflect"
	"testing"
)

// newPT returns a page table over fresh fake memory, all of it given to the allocator.
func newPT(t *testing.T) (*PageTable, *fakePhys) {
	t.Helper()
	p := newPhys()
	f := &Frames{Mem: p}
	f.AddRange(physBase, physBase+physSize)
	pt, ok := NewPageTable(f)
	if !ok {
		t.Fatalf("NewPageTable = _, false, want a root")
	}
	return &pt, p
}

func TestPageTableMapTranslate(t *testing.T) {
	pt, _ := newPT(t)
	maps := []struct {
		va, pa uintptr
		flags  uint64
	}{
		{0x1000, 0x7000, PTEWritable},
		{0x2000, 0x8000, 0},
		{0x7fff_ffff_f000, 0xabc000, PTEWritable | PTEUser},
		{1 << 40, 0x1234_5000, PTEWritable | PTENoExec},
		{0x40_0000_0000, 0x3000, 0}, // another PML4 slot
	}
	for _, m := range maps {
		if !pt.Map(m.va, m.pa, m.flags) {
			t.Fatalf("Map(%#x, %#x, %#x) = false, want true", m.va, m.pa, m.flags)
		}
	}
	for _, m := range maps {
		for _, off := range []uintptr{0, 1, 0x123, PageSize - 1} {
			if got, ok := pt.Translate(m.va + off); !ok || got != m.pa+off {
				t.Errorf("Translate(%#x) = %#x, %v, want %#x, true", m.va+off, got, ok, m.pa+off)
			}
		}
		pte, at := pt.Entry(m.va)
		if want := uint64(m.pa) | m.flags | PTEPresent; pte != want || at == 0 {
			t.Errorf("Entry(%#x) = %#x, %#x, want %#x and its address", m.va, pte, at, want)
		}
	}
	for _, va := range []uintptr{0, 0x3000, 0x7fff_ffff_e000, 1<<40 + PageSize, 1 << 39, 0x40_0000_1000} {
		if got, ok := pt.Translate(va); ok {
			t.Errorf("Translate(%#x) = %#x, true, want false (unmapped)", va, got)
		}
		if pte, at := pt.Entry(va); pte != 0 {
			t.Errorf("Entry(%#x) = %#x, %#x, want 0 (unmapped)", va, pte, at)
		}
	}
	// Remapping replaces the entry.
	pt.Map(0x1000, 0x9000, 0)
	if got, ok := pt.Translate(0x1008); !ok || got != 0x9008 {
		t.Errorf("Translate(0x1008) after remap = %#x, %v, want 0x9008, true", got, ok)
	}
}

func TestPageTableEntryAbsentTables(t *testing.T) {
	pt, _ := newPT(t)
	before := pt.Frames.InUse
	if pte, at := pt.Entry(0x5000_0000); pte != 0 || at != 0 {
		t.Errorf("Entry on an empty table = %#x, %#x, want 0, 0", pte, at)
	}
	if pt.Frames.InUse != before {
		t.Errorf("Entry allocated %d frames, want 0", pt.Frames.InUse-before)
	}
	// Map needs a PDPT, a PD and a PT.
	pt.Map(0x5000_0000, 0x1000, 0)
	if got := pt.Frames.InUse - before; got != 3 {
		t.Errorf("first Map allocated %d table frames, want 3", got)
	}
	pt.Map(0x5000_1000, 0x2000, 0)
	if got := pt.Frames.InUse - before; got != 3 {
		t.Errorf("second Map in the same table allocated %d frames in all, want 3", got)
	}
}

func TestPageTableSetEntry(t *testing.T) {
	pt, _ := newPT(t)
	pt.Map(0x10000, 0x20000, PTEWritable)
	pte, at := pt.Entry(0x10000)
	pt.SetEntry(at, pte&^PTEPresent|PTEKept)
	if got, ok := pt.Translate(0x10000); ok {
		t.Errorf("Translate after clearing Present = %#x, true, want false", got)
	}
	if got, _ := pt.Entry(0x10000); got != 0x20000|PTEWritable|PTEKept {
		t.Errorf("Entry after SetEntry = %#x, want %#x", got, 0x20000|PTEWritable|PTEKept)
	}
}

func TestPageTableMapLarge(t *testing.T) {
	pt, _ := newPT(t)
	const va, pa = 0x4000_0000, 0x8000_0000
	if !pt.MapLarge(va, pa, PTEWritable|PTEGlobal) {
		t.Fatalf("MapLarge(%#x, %#x) = false, want true", va, pa)
	}
	for _, off := range []uintptr{0, 0x1234, 0x1f_ffff} {
		if got, ok := pt.Translate(va + off); !ok || got != pa+off {
			t.Errorf("Translate(%#x) = %#x, %v, want %#x, true", va+off, got, ok, pa+off)
		}
	}
	if got, ok := pt.Translate(va + LargePageSize); ok {
		t.Errorf("Translate(%#x) = %#x, true, want false", va+LargePageSize, got)
	}
	// A 4 KiB mapping or entry inside the large page is refused.
	if pt.Map(va+PageSize, 0x1000, 0) {
		t.Errorf("Map(%#x) inside a large page = true, want false", va+PageSize)
	}
	if pte, at := pt.Entry(va + PageSize); pte != 0 || at != 0 {
		t.Errorf("Entry(%#x) inside a large page = %#x, %#x, want 0, 0", va+PageSize, pte, at)
	}
}

type visit struct {
	va  uintptr
	pte uint64
}

func collect(pt *PageTable, start, end uintptr) []visit {
	var got []visit
	pt.Range(start, end, func(va, at uintptr, pte uint64) {
		if e, a := pt.Entry(va); a != at || e != pte {
			got = append(got, visit{va, 0xbad})
			return
		}
		got = append(got, visit{va, pte})
	})
	return got
}

func TestPageTableRange(t *testing.T) {
	pt, _ := newPT(t)
	const base = 0x10_0000_0000
	pt.Map(base, 0x11000, PTEWritable)
	pt.Map(base+PageSize, 0x12000, 0)
	pt.Map(base+5*PageSize, 0x13000, 0)
	pt.Map(base+6*PageSize, 0x14000, 0) // made absent and not kept below: skipped
	pt.Map(base+7*PageSize, 0x15000, 0) // kept: visited
	_, at := pt.Entry(base + 6*PageSize)
	pt.SetEntry(at, 0x14000)
	_, at = pt.Entry(base + 7*PageSize)
	pt.SetEntry(at, 0x15000|PTEKept)
	pt.MapLarge(base+LargePageSize, 0x20_0000, 0) // large pages are not 4 KiB entries: skipped
	pt.Map(base+2*LargePageSize, 0x16000, 0)

	const p = PTEPresent
	tests := []struct {
		start, end uintptr
		want       []visit
	}{
		{base, base + 8*PageSize, []visit{{base, 0x11000 | PTEWritable | p}, {base + PageSize, 0x12000 | p},
			{base + 5*PageSize, 0x13000 | p}, {base + 7*PageSize, 0x15000 | PTEKept}}},
		{base + PageSize, base + 5*PageSize, []visit{{base + PageSize, 0x12000 | p}}},
		{base + 2*PageSize, base + 5*PageSize, nil},
		{base, base + 1, []visit{{base, 0x11000 | PTEWritable | p}}},
		{base + PageSize, base + PageSize, nil},
		{base + 7*PageSize, base + 3*LargePageSize, []visit{{base + 7*PageSize, 0x15000 | PTEKept}, {base + 2*LargePageSize, 0x16000 | p}}},
		{0, 1 << 47, []visit{{base, 0x11000 | PTEWritable | p}, {base + PageSize, 0x12000 | p},
			{base + 5*PageSize, 0x13000 | p}, {base + 7*PageSize, 0x15000 | PTEKept}, {base + 2*LargePageSize, 0x16000 | p}}},
	}
	for _, tt := range tests {
		if got := collect(pt, tt.start, tt.end); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Range(%#x, %#x) visited %#v, want %#v", tt.start, tt.end, got, tt.want)
		}
	}
}

func TestPageTableRangeSkipsAbsentTables(t *testing.T) {
	pt, p := newPT(t)
	const lo = 1 << 40
	a, b := uintptr(lo+0x1234_5000), uintptr(lo+0xff_0000_0000)
	pt.Map(a, 0x1000, 0)
	pt.Map(b, 0x2000, 0)
	p.loads = 0
	got := collect(pt, lo, lo+1<<40)
	want := []visit{{a, 0x1000 | PTEPresent}, {b, 0x2000 | PTEPresent}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Range over 1 TiB visited %#v, want %#v", got, want)
	}
	// Two 4 KiB tables of 512 entries each, plus the upper levels: a few
	// thousand loads. Walking 2^28 pages would take hundreds of millions.
	if p.loads > 10000 {
		t.Errorf("Range over 1 TiB with 2 pages mapped made %d loads, want at most 10000", p.loads)
	}
	// The end of the address space does not wrap around.
	p.loads = 0
	n := 0
	pt.Range(^uintptr(0)-(1<<39)+1, ^uintptr(0), func(uintptr, uintptr, uint64) { n++ })
	if n != 0 || p.loads > 10 {
		t.Errorf("Range over the last PML4 slot: %d visits, %d loads, want 0 visits and a few loads", n, p.loads)
	}
}
