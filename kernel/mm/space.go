package mm

import "unigo/kernel/abi/linux"

// Fault outcomes.
type FaultResult uint8

const (
	FaultMapped   FaultResult = iota // the access may be retried
	FaultNoVMA                       // no mapping: SIGSEGV, SEGV_MAPERR
	FaultAccess                      // mapping forbids it: SIGSEGV, SEGV_ACCERR
	FaultNoMemory                    // out of frames
)

// Space is the single address space: the kernel's identity map of RAM at
// [0, KernelEnd) and the program's mappings above it, demand-paged.
type Space struct {
	VMAs      VMAs
	PT        PageTable
	KernelEnd uintptr // [0, KernelEnd) is the identity map, never given to mmap
	MmapLo    uintptr // mmap(NULL) searches [MmapLo, MmapHi) top-down
	MmapHi    uintptr
	Faults    uint64 // demand-paging faults served
	// Reserve is how many frames must stay free after a commit (see charge).
	Reserve uint64
}

// charge decides whether n bytes may become writable memory. The Go
// runtime reserves address space PROT_NONE and commits it with
// MAP_FIXED read-write mmaps (or mprotect) as its heap grows, in chunks
// it then uses at once, while it maps sparse metadata (a 32 MiB arena
// index of which it touches a few pages) without MAP_FIXED. So commits of
// reserved space are charged against the frames free now, less Reserve:
// when the heap outgrows memory the runtime's own mmap sees ENOMEM and it
// reports "fatal error: out of memory" itself. Fresh mappings are not
// charged, like Linux's heuristic overcommit.
func (s *Space) charge(n uintptr) bool {
	if s.Reserve == 0 {
		return true
	}
	return uint64(n/PageSize)+s.Reserve <= s.PT.Frames.Available()
}

// UserLimit is the end of the lower canonical half.
const UserLimit = 1 << 47

func pageRound(v uintptr) uintptr { return (v + PageSize - 1) &^ (PageSize - 1) }

// Mmap maps length bytes of zero-filled anonymous memory. A noreserve
// mapping (MAP_NORESERVE) is not charged against the commit limit.
func (s *Space) Mmap(addr, length uintptr, prot uint32, fixed, noreserve bool) (uintptr, linux.Errno) {
	if length == 0 || addr&(PageSize-1) != 0 && fixed {
		return 0, linux.EINVAL
	}
	length = pageRound(length)
	if length == 0 || length > UserLimit {
		return 0, linux.ENOMEM
	}
	ok := addr >= s.KernelEnd && addr+length <= UserLimit && addr+length > addr
	if fixed {
		if !ok {
			return 0, linux.ENOMEM
		}
	} else {
		addr &^= PageSize - 1
		if !ok || addr == 0 || s.VMAs.Overlaps(addr, addr+length) {
			var found bool
			if addr, found = s.VMAs.FreeRange(length, s.MmapLo, s.MmapHi); !found {
				return 0, linux.ENOMEM
			}
		}
	}
	if fixed && prot&linux.PROT_WRITE != 0 && !noreserve && !s.charge(length) {
		return 0, linux.ENOMEM
	}
	if fixed {
		s.release(addr, addr+length)
	}
	if !s.VMAs.Insert(addr, addr+length, prot) {
		return 0, linux.ENOMEM
	}
	return addr, 0
}

// Munmap removes mappings and gives their frames back.
func (s *Space) Munmap(addr, length uintptr) linux.Errno {
	if addr&(PageSize-1) != 0 || length == 0 || addr < s.KernelEnd {
		return linux.EINVAL
	}
	end := addr + pageRound(length)
	if end <= addr { // the length wraps around the address space
		return linux.EINVAL
	}
	s.release(addr, end)
	if !s.VMAs.Remove(addr, end) {
		return linux.ENOMEM
	}
	return 0
}

// Discard frees the frames under [addr, addr+length) but keeps the
// mappings: the next touch sees zeroes (madvise MADV_DONTNEED / MADV_FREE).
func (s *Space) Discard(addr, length uintptr) linux.Errno {
	if addr&(PageSize-1) != 0 || addr < s.KernelEnd {
		return linux.EINVAL
	}
	s.release(addr, addr+pageRound(length))
	return 0
}

// Mprotect changes the protection of mapped pages.
func (s *Space) Mprotect(addr, length uintptr, prot uint32) linux.Errno {
	if addr&(PageSize-1) != 0 || addr < s.KernelEnd {
		return linux.EINVAL
	}
	if length == 0 { // as on Linux; Insert would add an empty VMA
		return 0
	}
	end := addr + pageRound(length)
	if end <= addr { // the length wraps around the address space
		return linux.ENOMEM
	}
	for a := addr; a < end; {
		i, found := s.VMAs.Find(a)
		if !found {
			return linux.ENOMEM
		}
		a = s.VMAs.At(i).End
	}
	if prot&linux.PROT_WRITE != 0 && !s.charge(end-addr) {
		return linux.ENOMEM
	}
	if !s.VMAs.Insert(addr, end, prot) {
		return linux.ENOMEM
	}
	s.PT.Range(addr, end, func(va, at uintptr, pte uint64) {
		s.PT.SetEntry(at, pteFor(pte&pteAddrMask, prot))
		invalidate(va)
	})
	return 0
}

func pteFor(pa uint64, prot uint32) uint64 {
	nx := NoExec
	if prot&linux.PROT_EXEC != 0 {
		nx = 0
	}
	switch {
	case prot == 0:
		return pa | PTEKept
	case prot&linux.PROT_WRITE != 0:
		return pa | PTEPresent | PTEWritable | nx
	}
	return pa | PTEPresent | nx
}

// NoExec is PTENoExec when the CPU supports execute-disable (EFER.NXE is
// on), else 0: the bit is reserved without NX support.
var NoExec uint64

// release frees every frame mapped in [start, end).
func (s *Space) release(start, end uintptr) {
	s.PT.Range(start, end, func(va, at uintptr, pte uint64) {
		s.PT.SetEntry(at, 0)
		invalidate(va)
		s.PT.Frames.Free(uintptr(pte & pteAddrMask))
	})
}

// Fault resolves a page fault at addr.
func (s *Space) Fault(addr uintptr, write, exec bool) FaultResult {
	i, found := s.VMAs.Find(addr)
	if !found || addr < s.KernelEnd {
		return FaultNoVMA
	}
	prot := s.VMAs.At(i).Prot
	if prot == 0 || write && prot&linux.PROT_WRITE == 0 {
		return FaultAccess
	}
	page := addr &^ (PageSize - 1)
	pte, at := s.PT.Entry(page)
	if pte&(PTEPresent|PTEKept) != 0 { // frame exists: fix up its bits
		s.PT.SetEntry(at, pteFor(pte&pteAddrMask, prot))
		invalidate(page)
		return FaultMapped
	}
	pa, ok := s.PT.Frames.Alloc()
	if !ok {
		return FaultNoMemory
	}
	if !s.PT.Map(page, pa, pteFor(0, prot)) {
		s.PT.Frames.Free(pa)
		return FaultNoMemory
	}
	s.Faults++
	return FaultMapped
}

// Prefault makes [addr, addr+n) accessible to the kernel (for copies into
// or out of a program buffer), as the program's own touch would.
func (s *Space) Prefault(addr, n uintptr, write bool) bool {
	if n == 0 {
		return true
	}
	if addr+n < addr {
		return false
	}
	for page := addr &^ (PageSize - 1); page < addr+n; page += PageSize {
		if page < s.KernelEnd { // the identity map (the image itself), but never page 0
			if page == 0 {
				return false
			}
			continue
		}
		pte, _ := s.PT.Entry(page)
		if pte&PTEPresent != 0 && (!write || pte&PTEWritable != 0) {
			continue
		}
		if s.Fault(page, write, false) != FaultMapped {
			return false
		}
	}
	return true
}

// Invalidate flushes the TLB entry of va.
func (s *Space) Invalidate(va uintptr) { invalidate(va) }

// invalidate flushes one TLB entry; a variable so host tests run without a CPU.
var invalidate = func(va uintptr) {}

// SetInvalidate installs the TLB flush (cpu.Invlpg) at boot.
func SetInvalidate(fn func(uintptr)) { invalidate = fn }
