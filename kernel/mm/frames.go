// Package mm manages memory: physical frames, x86-64 page tables, and the
// virtual memory areas (VMAs) behind the Linux mmap family, with demand
// paging: a mapping costs no frame until its first touch.
//
// Hardware access goes through Phys, so the same code runs in the kernel
// (over the identity map, phys_unsafe.go) and under go test (over a slice).
// Nothing here allocates Go memory or stores Go pointers: it runs in trap
// context.
package mm

// PageSize is the base page size; LargePageSize a 2 MiB PDE mapping.
const (
	PageSize      = 4096
	LargePageSize = 2 << 20
)

// Phys reads and writes physical memory.
type Phys interface {
	Load64(pa uintptr) uint64
	Store64(pa uintptr, v uint64)
	ZeroPage(pa uintptr)
}

// MaxRanges bounds the free regions the allocator takes from the memory map.
const MaxRanges = 32

// Frames is a physical page allocator: bump allocation over the usable
// ranges (so boot touches no page it does not use, and the host commits
// only what the guest uses) plus a free list threaded through returned
// frames.
type Frames struct {
	Mem     Phys
	ranges  [MaxRanges]struct{ next, end uintptr }
	nranges int
	free    uintptr // first returned frame; its first word links the next; 0: none
	// Counters, in frames.
	Total, InUse, Peak uint64
}

// AddRange gives [base, end) to the allocator (rounded inwards to pages).
func (f *Frames) AddRange(base, end uintptr) {
	base = (base + PageSize - 1) &^ (PageSize - 1)
	end &^= PageSize - 1
	if end <= base || f.nranges == MaxRanges {
		return
	}
	f.ranges[f.nranges].next, f.ranges[f.nranges].end = base, end
	f.nranges++
	f.Total += uint64(end-base) / PageSize
}

// Alloc returns a zeroed frame, or ok=false when memory is exhausted.
func (f *Frames) Alloc() (pa uintptr, ok bool) {
	if f.free != 0 {
		pa = f.free
		f.free = uintptr(f.Mem.Load64(pa))
	} else {
		for i := 0; i < f.nranges; i++ {
			r := &f.ranges[i]
			if r.next < r.end {
				pa = r.next
				r.next += PageSize
				break
			}
		}
		if pa == 0 {
			return 0, false
		}
	}
	f.Mem.ZeroPage(pa)
	f.InUse++
	if f.InUse > f.Peak {
		f.Peak = f.InUse
	}
	return pa, true
}

// Free returns a frame to the allocator.
func (f *Frames) Free(pa uintptr) {
	f.Mem.Store64(pa, uint64(f.free))
	f.free = pa
	f.InUse--
}

// Available is how many frames Alloc can still hand out.
func (f *Frames) Available() uint64 { return f.Total - f.InUse }

// AllocContiguous returns n physically contiguous zeroed frames, for
// device (DMA) memory that lives as long as the guest: taken only from the
// bump ranges, never returned.
func (f *Frames) AllocContiguous(n uint64) (pa uintptr, ok bool) {
	size := uintptr(n) * PageSize
	for i := 0; i < f.nranges; i++ {
		r := &f.ranges[i]
		if r.end-r.next >= size {
			pa = r.next
			r.next += size
			for p := pa; p < pa+size; p += PageSize {
				f.Mem.ZeroPage(p)
			}
			f.InUse += n
			f.Peak = max(f.Peak, f.InUse)
			return pa, true
		}
	}
	return 0, false
}
