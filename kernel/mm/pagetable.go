package mm

// Page-table entry bits (Intel SDM vol. 3, 4.5, tables 4-14 to 4-20).
const (
	PTEPresent  = 1 << 0
	PTEWritable = 1 << 1
	PTEUser     = 1 << 2
	PTEWriteThr = 1 << 3
	PTENoCache  = 1 << 4
	PTELarge    = 1 << 7 // PS: a 2 MiB page in a PDE
	PTEGlobal   = 1 << 8
	// PTEKept is one of the bits the CPU ignores (bit 9): the entry is
	// not present but keeps its frame (mprotect(PROT_NONE) of touched memory).
	PTEKept     = 1 << 9
	PTENoExec   = 1 << 63
	pteAddrMask = 0x000FFFFFFFFFF000
)

// PageTable is a 4-level x86-64 page table rooted at Root.
type PageTable struct {
	Root   uintptr
	Frames *Frames
}

func index(va uintptr, level int) uintptr { return va >> (12 + 9*uint(level)) & 511 }

// NewPageTable allocates an empty root.
func NewPageTable(f *Frames) (PageTable, bool) {
	root, ok := f.Alloc()
	return PageTable{Root: root, Frames: f}, ok
}

// walk returns the physical address of the entry for va at level stop
// (0: PTE, 1: PDE), creating intermediate tables when create is set.
// ok is false when a table is missing (and not created) or a large page
// is in the way.
func (pt *PageTable) walk(va uintptr, stop int, create bool) (entry uintptr, ok bool) {
	m := pt.Frames.Mem
	table := pt.Root
	for level := 3; level > stop; level-- {
		e := table + index(va, level)*8
		v := m.Load64(e)
		if v&PTEPresent == 0 {
			if !create {
				return 0, false
			}
			next, ok := pt.Frames.Alloc()
			if !ok {
				return 0, false
			}
			v = uint64(next) | PTEPresent | PTEWritable
			m.Store64(e, v)
		} else if v&PTELarge != 0 {
			return 0, false
		}
		table = uintptr(v & pteAddrMask)
	}
	return table + index(va, stop)*8, true
}

// Map maps the 4 KiB page at va to pa with flags (PTEPresent is implied).
func (pt *PageTable) Map(va, pa uintptr, flags uint64) bool {
	e, ok := pt.walk(va, 0, true)
	if !ok {
		return false
	}
	pt.Frames.Mem.Store64(e, uint64(pa)|flags|PTEPresent)
	return true
}

// MapLarge maps the 2 MiB page at va to pa.
func (pt *PageTable) MapLarge(va, pa uintptr, flags uint64) bool {
	e, ok := pt.walk(va, 1, true)
	if !ok {
		return false
	}
	pt.Frames.Mem.Store64(e, uint64(pa)|flags|PTEPresent|PTELarge)
	return true
}

// Entry returns the raw PTE for a 4 KiB page and its address (0, 0 if none).
func (pt *PageTable) Entry(va uintptr) (pte uint64, at uintptr) {
	e, ok := pt.walk(va, 0, false)
	if !ok {
		return 0, 0
	}
	return pt.Frames.Mem.Load64(e), e
}

// SetEntry overwrites the PTE at the address Entry returned.
func (pt *PageTable) SetEntry(at uintptr, pte uint64) { pt.Frames.Mem.Store64(at, pte) }

// Translate returns the physical address va maps to.
func (pt *PageTable) Translate(va uintptr) (pa uintptr, ok bool) {
	m := pt.Frames.Mem
	table := pt.Root
	for level := 3; level >= 0; level-- {
		v := m.Load64(table + index(va, level)*8)
		if v&PTEPresent == 0 {
			return 0, false
		}
		if level == 1 && v&PTELarge != 0 {
			return uintptr(v&pteAddrMask)&^(LargePageSize-1) | va&(LargePageSize-1), true
		}
		table = uintptr(v & pteAddrMask)
	}
	return table | va&(PageSize-1), true
}

// Range calls fn for every 4 KiB entry that maps something (present or
// kept) in [start, end), skipping absent tables whole, so that a range of
// terabytes of untouched reservation costs a few steps.
func (pt *PageTable) Range(start, end uintptr, fn func(va uintptr, at uintptr, pte uint64)) {
	m := pt.Frames.Mem
	va := start
	for va < end {
		table := pt.Root
		level := 3
		for ; level > 0; level-- {
			v := m.Load64(table + index(va, level)*8)
			if v&PTEPresent == 0 || v&PTELarge != 0 {
				break
			}
			table = uintptr(v & pteAddrMask)
		}
		span := uintptr(1) << (12 + 9*uint(level))
		if level > 0 { // missing (or large) table: skip what it would cover
			next := (va + span) &^ (span - 1)
			if next <= va {
				return
			}
			va = next
			continue
		}
		at := table + index(va, 0)*8
		if v := m.Load64(at); v&(PTEPresent|PTEKept) != 0 {
			fn(va, at, v)
		}
		va += PageSize
	}
}
