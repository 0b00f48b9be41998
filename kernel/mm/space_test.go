package mm

import (
	"reflect"
	"testing"

	"unigo/kernel/abi/linux"
)

const (
	testKernelEnd = 1 << 32
	testMmapLo    = 1 << 40
	testMmapHi    = 1 << 41
	RW            = linux.PROT_READ | linux.PROT_WRITE
)

// newSpace returns a Space over fake memory with frames frames to give out
// (after the root table).
func newSpace(t *testing.T, frames int) (*Space, *fakePhys) {
	t.Helper()
	p := newPhys()
	f := &Frames{Mem: p}
	f.AddRange(physBase, physBase+uintptr(frames+1)*PageSize)
	pt, ok := NewPageTable(f)
	if !ok {
		t.Fatalf("NewPageTable = _, false, want a root")
	}
	return &Space{PT: pt, KernelEnd: testKernelEnd, MmapLo: testMmapLo, MmapHi: testMmapHi}, p
}

// mustMmap maps or fails the test.
func mustMmap(t *testing.T, s *Space, addr, length uintptr, prot uint32, fixed bool) uintptr {
	t.Helper()
	a, e := s.Mmap(addr, length, prot, fixed, false)
	if e != 0 {
		t.Fatalf("Mmap(%#x, %#x, %d, %v) = _, %d, want OK", addr, length, prot, fixed, e)
	}
	return a
}

func mustFault(t *testing.T, s *Space, addr uintptr, write bool) {
	t.Helper()
	if r := s.Fault(addr, write, false); r != FaultMapped {
		t.Fatalf("Fault(%#x, write=%v) = %d, want FaultMapped", addr, write, r)
	}
}

func spaceVMAs(s *Space) []VMA { return vmas(&s.VMAs) }

func TestSpaceMmap(t *testing.T) {
	s, _ := newSpace(t, 64)
	a := mustMmap(t, s, 0, 3*P+5, RW, false)
	if a%P != 0 || a < testMmapLo || a+4*P > testMmapHi {
		t.Errorf("Mmap(0, 3 pages + 5) = %#x, want a page-aligned address with 4 pages in [%#x, %#x)", a, testMmapLo, testMmapHi)
	}
	if a != testMmapHi-4*P {
		t.Errorf("Mmap(0, 3 pages + 5) = %#x, want the top of the mmap area %#x", a, testMmapHi-4*P)
	}
	b := mustMmap(t, s, 0, P, linux.PROT_READ, false)
	if b+P > a || b < testMmapLo {
		t.Errorf("second Mmap(0, 1 page) = %#x, want below %#x", b, a)
	}
	// A free hint is taken, rounded down when not fixed.
	const hint = 0x5000_0000_0000
	if got := mustMmap(t, s, hint, 2*P, RW, false); got != hint {
		t.Errorf("Mmap(hint %#x) = %#x, want the hint", uintptr(hint), got)
	}
	if got := mustMmap(t, s, hint+10*P+123, P, RW, false); got != hint+10*P {
		t.Errorf("Mmap(unaligned hint %#x) = %#x, want %#x", uintptr(hint+10*P+123), got, uintptr(hint+10*P))
	}
	// Hints that are taken, in the kernel's range, or null fall back to the search.
	for _, h := range []uintptr{hint + P, 0x1000, testKernelEnd - P, 0} {
		got := mustMmap(t, s, h, P, RW, false)
		if got < testMmapLo || got >= testMmapHi {
			t.Errorf("Mmap(hint %#x) = %#x, want an address in [%#x, %#x)", h, got, testMmapLo, testMmapHi)
		}
	}
	want := []VMA{{b - 4*P, b, RW}, {b, b + P, linux.PROT_READ}, {a, a + 4*P, RW}}
	if got := spaceVMAs(s); !reflect.DeepEqual(got[:3], want) || got[3] != (VMA{hint, hint + 2*P, RW}) {
		t.Errorf("VMAs = %#v, want %#v then the hinted ones", got, want)
	}
}

func TestSpaceMmapErrors(t *testing.T) {
	s, _ := newSpace(t, 8)
	tests := []struct {
		addr, length uintptr
		fixed        bool
		want         linux.Errno
	}{
		{0, 0, false, linux.EINVAL},
		{testMmapLo, 0, true, linux.EINVAL},
		{testMmapLo + 1, P, true, linux.EINVAL},
		{0, ^uintptr(0), false, linux.ENOMEM},
		{0, UserLimit + 1, false, linux.ENOMEM},
		{testKernelEnd - P, P, true, linux.ENOMEM},
		{UserLimit - P, 2 * P, true, linux.ENOMEM},
		{^uintptr(0) &^ (P - 1), P, true, linux.ENOMEM},
	}
	for _, tt := range tests {
		if a, e := s.Mmap(tt.addr, tt.length, RW, tt.fixed, false); e != tt.want {
			t.Errorf("Mmap(%#x, %#x, fixed=%v) = %#x, %d, want %d", tt.addr, tt.length, tt.fixed, a, e, tt.want)
		}
	}
	if s.VMAs.Len() != 0 {
		t.Errorf("failed Mmaps left VMAs %v, want none", spaceVMAs(s))
	}
	// No room in [MmapLo, MmapHi).
	s.MmapHi = s.MmapLo + 4*P
	if a, e := s.Mmap(0, 5*P, RW, false, false); e != linux.ENOMEM {
		t.Errorf("Mmap larger than the mmap area = %#x, %d, want ENOMEM", a, e)
	}
}

func TestSpaceMmapFixedReplaces(t *testing.T) {
	s, p := newSpace(t, 64)
	a := mustMmap(t, s, 0, 4*P, RW, false)
	mustFault(t, s, a+P, true)
	pa, _ := s.PT.Translate(a + P)
	p.Store64(pa, 42)
	used := s.PT.Frames.InUse
	if got := mustMmap(t, s, a+P, 2*P, linux.PROT_READ, true); got != a+P {
		t.Fatalf("Mmap(MAP_FIXED %#x) = %#x, want %#x", a+P, got, a+P)
	}
	if want := []VMA{{a, a + P, RW}, {a + P, a + 3*P, linux.PROT_READ}, {a + 3*P, a + 4*P, RW}}; !reflect.DeepEqual(spaceVMAs(s), want) {
		t.Errorf("VMAs after MAP_FIXED = %v, want %v", spaceVMAs(s), want)
	}
	if s.PT.Frames.InUse != used-1 {
		t.Errorf("Frames.InUse after MAP_FIXED over a touched page = %d, want %d", s.PT.Frames.InUse, used-1)
	}
	if pte, _ := s.PT.Entry(a + P); pte != 0 {
		t.Errorf("Entry(%#x) after MAP_FIXED = %#x, want 0", a+P, pte)
	}
	mustFault(t, s, a+P, false)
	pa, _ = s.PT.Translate(a + P)
	if v := p.Load64(pa); v != 0 {
		t.Errorf("first word of the new mapping = %d, want 0", v)
	}
}

func TestSpaceFault(t *testing.T) {
	s, _ := newSpace(t, 64)
	rw := mustMmap(t, s, 0, 2*P, RW, false)
	ro := mustMmap(t, s, 0, P, linux.PROT_READ, false)
	none := mustMmap(t, s, 0, P, 0, false)

	before := s.PT.Frames.InUse
	mustFault(t, s, rw+123, true)
	after := s.PT.Frames.InUse
	if after < before+1 {
		t.Errorf("Frames.InUse after a first fault = %d, want at least %d", after, before+1)
	}
	pte, _ := s.PT.Entry(rw)
	if pte&(PTEPresent|PTEWritable) != PTEPresent|PTEWritable {
		t.Errorf("PTE after a write fault on RW memory = %#x, want present and writable", pte)
	}
	mustFault(t, s, rw+456, true)
	mustFault(t, s, rw, false)
	if s.PT.Frames.InUse != after {
		t.Errorf("Frames.InUse after faulting the same page again = %d, want %d", s.PT.Frames.InUse, after)
	}
	if s.Faults != 1 {
		t.Errorf("Faults = %d, want 1", s.Faults)
	}
	mustFault(t, s, rw+P, false)
	if s.PT.Frames.InUse != after+1 {
		t.Errorf("Frames.InUse after faulting the next page = %d, want %d", s.PT.Frames.InUse, after+1)
	}

	mustFault(t, s, ro, false)
	if pte, _ := s.PT.Entry(ro); pte&PTEPresent == 0 || pte&PTEWritable != 0 {
		t.Errorf("PTE after a read fault on read-only memory = %#x, want present, not writable", pte)
	}
	tests := []struct {
		addr  uintptr
		write bool
		want  FaultResult
	}{
		{ro, true, FaultAccess},
		{none, false, FaultAccess},
		{none, true, FaultAccess},
		{none - 1, false, FaultNoVMA}, // mmap allocates top-down: rw, ro, none
		{rw + 2*P, false, FaultNoVMA},
		{0, false, FaultNoVMA},
		{0x1000, true, FaultNoVMA},
		{testMmapLo, false, FaultNoVMA},
	}
	for _, tt := range tests {
		used := s.PT.Frames.InUse
		if got := s.Fault(tt.addr, tt.write, false); got != tt.want {
			t.Errorf("Fault(%#x, write=%v) = %d, want %d", tt.addr, tt.write, got, tt.want)
		}
		if s.PT.Frames.InUse != used {
			t.Errorf("Fault(%#x, write=%v) allocated %d frames, want 0", tt.addr, tt.write, s.PT.Frames.InUse-used)
		}
	}
}

func TestSpaceFaultNoMemory(t *testing.T) {
	s, _ := newSpace(t, 5) // 3 table pages, 2 data pages
	a := mustMmap(t, s, 0, 4*P, RW, false)
	mustFault(t, s, a, true)
	mustFault(t, s, a+P, true)
	if got := s.Fault(a+2*P, true, false); got != FaultNoMemory {
		t.Errorf("Fault with no frames left = %d, want FaultNoMemory", got)
	}
	if pte, _ := s.PT.Entry(a + 2*P); pte != 0 {
		t.Errorf("Entry(%#x) after FaultNoMemory = %#x, want 0", a+2*P, pte)
	}
	if s.Munmap(a, P) != 0 {
		t.Fatalf("Munmap = error, want OK")
	}
	mustFault(t, s, a+2*P, true)
}

func TestSpaceMunmap(t *testing.T) {
	s, _ := newSpace(t, 64)
	a := mustMmap(t, s, 0, 4*P, RW, false)
	// A first cycle allocates the page tables, which stay.
	mustFault(t, s, a, true)
	if e := s.Munmap(a, 4*P); e != 0 {
		t.Fatalf("Munmap = %d, want OK", e)
	}
	baseline := s.PT.Frames.InUse

	mustMmap(t, s, a, 4*P, RW, true)
	for i := uintptr(0); i < 4; i++ {
		mustFault(t, s, a+i*P, true)
	}
	if got := s.PT.Frames.InUse; got != baseline+4 {
		t.Fatalf("Frames.InUse after touching 4 pages = %d, want %d", got, baseline+4)
	}
	// Unmapping the middle two pages frees two frames and splits the mapping.
	if e := s.Munmap(a+P, 2*P-100); e != 0 {
		t.Fatalf("Munmap(middle) = %d, want OK", e)
	}
	if got := s.PT.Frames.InUse; got != baseline+2 {
		t.Errorf("Frames.InUse after unmapping 2 pages = %d, want %d", got, baseline+2)
	}
	if want := []VMA{{a, a + P, RW}, {a + 3*P, a + 4*P, RW}}; !reflect.DeepEqual(spaceVMAs(s), want) {
		t.Errorf("VMAs after unmapping the middle = %v, want %v", spaceVMAs(s), want)
	}
	if got := s.Fault(a+P, false, false); got != FaultNoVMA {
		t.Errorf("Fault in the unmapped middle = %d, want FaultNoVMA", got)
	}
	if e := s.Munmap(a, 4*P); e != 0 {
		t.Fatalf("Munmap(all) = %d, want OK", e)
	}
	if got := s.PT.Frames.InUse; got != baseline {
		t.Errorf("Frames.InUse after unmapping everything = %d, want the baseline %d", got, baseline)
	}
	if s.VMAs.Len() != 0 {
		t.Errorf("VMAs after unmapping everything = %v, want none", spaceVMAs(s))
	}
	// Unmapping nothing is fine.
	if e := s.Munmap(a, P); e != 0 {
		t.Errorf("Munmap of an unmapped range = %d, want OK", e)
	}
}

func TestSpaceMunmapErrors(t *testing.T) {
	s, _ := newSpace(t, 64)
	a := mustMmap(t, s, 0, 4*P, RW, false)
	mustFault(t, s, a+P, true)
	tests := []struct {
		addr, length uintptr
		want         linux.Errno
	}{
		{a + 1, P, linux.EINVAL},
		{a, 0, linux.EINVAL},
		{0x1000, P, linux.EINVAL},
		{0, P, linux.EINVAL},
		// Lengths that wrap around the address space (Linux: EINVAL).
		{a + P, ^uintptr(0) - 2*P + 1, linux.EINVAL},
		{a + 2*P, ^uintptr(0) - P + 1, linux.EINVAL},
		{a + P, ^uintptr(0), linux.EINVAL},
	}
	for _, tt := range tests {
		used := s.PT.Frames.InUse
		if got := s.Munmap(tt.addr, tt.length); got != tt.want {
			t.Errorf("Munmap(%#x, %#x) = %d, want %d", tt.addr, tt.length, got, tt.want)
		}
		if want := []VMA{{a, a + 4*P, RW}}; !reflect.DeepEqual(spaceVMAs(s), want) {
			t.Fatalf("after Munmap(%#x, %#x): VMAs = %v, want %v", tt.addr, tt.length, spaceVMAs(s), want)
		}
		if s.PT.Frames.InUse != used {
			t.Errorf("Munmap(%#x, %#x) freed %d frames, want 0", tt.addr, tt.length, used-s.PT.Frames.InUse)
		}
	}
}

func TestSpaceDiscard(t *testing.T) {
	s, p := newSpace(t, 64)
	a := mustMmap(t, s, 0, 3*P, RW, false)
	for i := uintptr(0); i < 3; i++ {
		mustFault(t, s, a+i*P, true)
		pa, _ := s.PT.Translate(a + i*P)
		p.Store64(pa+8, 0x5555)
	}
	used := s.PT.Frames.InUse
	if e := s.Discard(a, 2*P); e != 0 {
		t.Fatalf("Discard = %d, want OK", e)
	}
	if got := s.PT.Frames.InUse; got != used-2 {
		t.Errorf("Frames.InUse after discarding 2 pages = %d, want %d", got, used-2)
	}
	if want := []VMA{{a, a + 3*P, RW}}; !reflect.DeepEqual(spaceVMAs(s), want) {
		t.Errorf("VMAs after Discard = %v, want %v", spaceVMAs(s), want)
	}
	if _, ok := s.PT.Translate(a); ok {
		t.Errorf("Translate(%#x) after Discard = _, true, want false", a)
	}
	mustFault(t, s, a, false)
	pa, ok := s.PT.Translate(a + 8)
	if !ok || p.Load64(pa) != 0 {
		t.Errorf("word after Discard and Fault = %#x (mapped %v), want 0", p.Load64(pa), ok)
	}
	// The page not discarded keeps its contents.
	if pa, _ := s.PT.Translate(a + 2*P + 8); p.Load64(pa) != 0x5555 {
		t.Errorf("word of the page not discarded = %#x, want 0x5555", p.Load64(pa))
	}
	if e := s.Discard(a+1, P); e != linux.EINVAL {
		t.Errorf("Discard(unaligned) = %d, want EINVAL", e)
	}
	if e := s.Discard(0x1000, P); e != linux.EINVAL {
		t.Errorf("Discard(kernel address) = %d, want EINVAL", e)
	}
}

func TestSpaceMprotect(t *testing.T) {
	s, p := newSpace(t, 64)
	a := mustMmap(t, s, 0, 3*P, RW, false)
	mustFault(t, s, a+P, true)
	pa, _ := s.PT.Translate(a + P)
	p.Store64(pa, 0x77)
	used := s.PT.Frames.InUse

	if e := s.Mprotect(a+P, P, 0); e != 0 {
		t.Fatalf("Mprotect(PROT_NONE) = %d, want OK", e)
	}
	if want := []VMA{{a, a + P, RW}, {a + P, a + 2*P, 0}, {a + 2*P, a + 3*P, RW}}; !reflect.DeepEqual(spaceVMAs(s), want) {
		t.Errorf("VMAs after Mprotect(PROT_NONE) = %v, want %v", spaceVMAs(s), want)
	}
	pte, _ := s.PT.Entry(a + P)
	if pte&PTEPresent != 0 || pte&PTEKept == 0 || uintptr(pte&pteAddrMask) != pa {
		t.Errorf("PTE after Mprotect(PROT_NONE) = %#x, want not present, kept, frame %#x", pte, pa)
	}
	if s.PT.Frames.InUse != used {
		t.Errorf("Frames.InUse after Mprotect(PROT_NONE) = %d, want %d", s.PT.Frames.InUse, used)
	}
	if got := s.Fault(a+P, false, false); got != FaultAccess {
		t.Errorf("Fault on PROT_NONE = %d, want FaultAccess", got)
	}

	if e := s.Mprotect(a+P, P, RW); e != 0 {
		t.Fatalf("Mprotect(RW) = %d, want OK", e)
	}
	if want := []VMA{{a, a + 3*P, RW}}; !reflect.DeepEqual(spaceVMAs(s), want) {
		t.Errorf("VMAs after Mprotect back to RW = %v, want %v", spaceVMAs(s), want)
	}
	pte, _ = s.PT.Entry(a + P)
	if pte&(PTEPresent|PTEWritable) != PTEPresent|PTEWritable || uintptr(pte&pteAddrMask) != pa {
		t.Errorf("PTE after Mprotect back to RW = %#x, want present, writable, frame %#x", pte, pa)
	}
	if got, _ := s.PT.Translate(a + P); got != pa || p.Load64(pa) != 0x77 {
		t.Errorf("after Mprotect back to RW: frame %#x holding %#x, want %#x holding 0x77", got, p.Load64(got), pa)
	}

	// Read-only: present but not writable; a write faults with FaultAccess.
	if e := s.Mprotect(a, 3*P, linux.PROT_READ); e != 0 {
		t.Fatalf("Mprotect(PROT_READ) = %d, want OK", e)
	}
	if pte, _ := s.PT.Entry(a + P); pte&PTEPresent == 0 || pte&PTEWritable != 0 {
		t.Errorf("PTE after Mprotect(PROT_READ) = %#x, want present, not writable", pte)
	}
	if got := s.Fault(a+P, true, false); got != FaultAccess {
		t.Errorf("write Fault after Mprotect(PROT_READ) = %d, want FaultAccess", got)
	}
	// Kept but not present (PROT_NONE), then a fault after PROT_READ restores it.
	s.Mprotect(a+P, P, 0)
	_, at := s.PT.Entry(a + P)
	s.PT.SetEntry(at, uint64(pa)|PTEKept)
	s.VMAs.Insert(a+P, a+2*P, linux.PROT_READ) // the VMA changes, the PTE not yet
	mustFault(t, s, a+P, false)
	if pte, _ := s.PT.Entry(a + P); pte != uint64(pa)|PTEPresent {
		t.Errorf("PTE after a fault on a kept frame = %#x, want %#x", pte, uint64(pa)|PTEPresent)
	}
	if s.PT.Frames.InUse != used {
		t.Errorf("Frames.InUse after all the Mprotects = %d, want %d", s.PT.Frames.InUse, used)
	}
}

func TestSpaceMprotectErrors(t *testing.T) {
	s, _ := newSpace(t, 64)
	a := mustMmap(t, s, 0, 4*P, RW, false)
	tests := []struct {
		addr, length uintptr
		want         linux.Errno
	}{
		{a + 1, P, linux.EINVAL},
		{0x1000, P, linux.EINVAL},
		{a + 3*P, 2 * P, linux.ENOMEM},
		{a - P, 2 * P, linux.ENOMEM},
		{a + P, 0, 0},
		// Lengths that wrap around the address space (Linux: ENOMEM).
		{a + P, ^uintptr(0) - 2*P + 1, linux.ENOMEM},
		{a + 2*P, ^uintptr(0) - P + 1, linux.ENOMEM},
		{a + P, ^uintptr(0), linux.ENOMEM},
	}
	for _, tt := range tests {
		if got := s.Mprotect(tt.addr, tt.length, linux.PROT_READ); got != tt.want {
			t.Errorf("Mprotect(%#x, %#x) = %d, want %d", tt.addr, tt.length, got, tt.want)
		}
		if want := []VMA{{a, a + 4*P, RW}}; !reflect.DeepEqual(spaceVMAs(s), want) {
			t.Fatalf("after Mprotect(%#x, %#x): VMAs = %v, want %v", tt.addr, tt.length, spaceVMAs(s), want)
		}
	}
}

func TestSpacePrefault(t *testing.T) {
	s, _ := newSpace(t, 64)
	a := mustMmap(t, s, 0, 4*P, RW, false)
	ro := mustMmap(t, s, 0, P, linux.PROT_READ, false)
	if !s.Prefault(a+100, 2*P, true) {
		t.Fatalf("Prefault(%#x, 2 pages) = false, want true", a+100)
	}
	for i := uintptr(0); i < 4; i++ {
		pte, _ := s.PT.Entry(a + i*P)
		if want := i < 3; (pte&(PTEPresent|PTEWritable) == PTEPresent|PTEWritable) != want {
			t.Errorf("after Prefault: page %d PTE = %#x, want mapped writable = %v", i, pte, want)
		}
	}
	used := s.PT.Frames.InUse
	if !s.Prefault(a, 3*P, true) || s.PT.Frames.InUse != used {
		t.Errorf("Prefault of mapped pages: allocated %d frames, want 0", s.PT.Frames.InUse-used)
	}
	tests := []struct {
		addr, n uintptr
		write   bool
		want    bool
	}{
		{a, 0, true, true},
		{0, 0, false, true},
		{0, 1, false, false},                     // page 0 is never accessible
		{100, 8, true, false},                    // nor any address in it
		{0x400000, 0x1000, true, true},           // the identity map
		{testKernelEnd - P, P, false, true},      // its last page
		{testKernelEnd - P, 2 * P, false, false}, // and the unmapped page after
		{a + 3*P, 2 * P, false, false},           // runs off the mapping
		{ro, 8, false, true},
		{ro, 8, true, false},
		{^uintptr(0) - 10, 20, false, false}, // wraps
	}
	for _, tt := range tests {
		if got := s.Prefault(tt.addr, tt.n, tt.write); got != tt.want {
			t.Errorf("Prefault(%#x, %#x, write=%v) = %v, want %v", tt.addr, tt.n, tt.write, got, tt.want)
		}
	}
}

func TestSpaceInvalidate(t *testing.T) {
	var flushed []uintptr
	SetInvalidate(func(va uintptr) { flushed = append(flushed, va) })
	defer SetInvalidate(func(uintptr) {})
	s, _ := newSpace(t, 64)
	a := mustMmap(t, s, 0, 2*P, RW, false)
	mustFault(t, s, a, true)
	mustFault(t, s, a+P, true)
	flushed = nil
	s.Mprotect(a, 2*P, linux.PROT_READ)
	if want := []uintptr{a, a + P}; !reflect.DeepEqual(flushed, want) {
		t.Errorf("Mprotect flushed %#x, want %#x", flushed, want)
	}
	flushed = nil
	s.Munmap(a+P, P)
	if want := []uintptr{a + P}; !reflect.DeepEqual(flushed, want) {
		t.Errorf("Munmap flushed %#x, want %#x", flushed, want)
	}
}

func TestSpaceCommitReserve(t *testing.T) {
	s, _ := newSpace(t, 10) // 10 frames available
	a := mustMmap(t, s, 0, 32*P, 0, false)
	s.Reserve = 2
	tests := []struct {
		name string
		op   func() linux.Errno
		want linux.Errno
	}{
		{"fixed RW over the limit", func() linux.Errno { _, e := s.Mmap(a, 9*P, RW, true, false); return e }, linux.ENOMEM},
		{"fixed RW at the limit", func() linux.Errno { _, e := s.Mmap(a, 8*P, RW, true, false); return e }, 0},
		{"fixed RW noreserve", func() linux.Errno { _, e := s.Mmap(a+8*P, 9*P, RW, true, true); return e }, 0},
		{"fixed read-only", func() linux.Errno { _, e := s.Mmap(a+17*P, 9*P, linux.PROT_READ, true, false); return e }, 0},
		{"fresh RW mapping", func() linux.Errno { _, e := s.Mmap(0, 100*P, RW, false, false); return e }, 0},
		{"mprotect RW over the limit", func() linux.Errno { return s.Mprotect(a+17*P, 9*P, RW) }, linux.ENOMEM},
		{"mprotect RW at the limit", func() linux.Errno { return s.Mprotect(a+17*P, 8*P, RW) }, 0},
		{"mprotect read-only", func() linux.Errno { return s.Mprotect(a, 32*P, linux.PROT_READ) }, 0},
	}
	for _, tt := range tests {
		before := spaceVMAs(s)
		if got := tt.op(); got != tt.want {
			t.Errorf("%s: = %d, want %d (VMAs %v)", tt.name, got, tt.want, spaceVMAs(s))
		}
		if after := spaceVMAs(s); tt.want != 0 && !reflect.DeepEqual(after, before) {
			t.Errorf("%s: refused, but VMAs changed from %v to %v", tt.name, before, after)
		}
	}
	s.Reserve = 0 // no limit
	if _, e := s.Mmap(a, 32*P, RW, true, false); e != 0 {
		t.Errorf("fixed RW without a reserve = %d, want OK", e)
	}
}
