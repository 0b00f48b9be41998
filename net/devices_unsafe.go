package net

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"

	"unigo/kernel/sys"
)

// mmioRegs is a virtio-mmio window, identity-mapped uncached by the kernel.
type mmioRegs uintptr

// at turns a device address into a pointer: MMIO and DMA memory is not Go
// memory, so the bits are reinterpreted rather than converted.
func at(addr uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&addr)) }

// Read32 is an uncached device read; the atomic load keeps the compiler
// from merging or dropping it.
func (m mmioRegs) Read32(off uintptr) uint32 {
	return atomic.LoadUint32((*uint32)(at(uintptr(m) + off)))
}

// Write32 is an uncached device write.
func (m mmioRegs) Write32(off uintptr, v uint32) {
	atomic.StoreUint32((*uint32)(at(uintptr(m)+off)), v)
}

// dmaAlloc gets device-visible memory from the kernel: physical ==
// virtual, zeroed, never freed.
func dmaAlloc(n int) ([]byte, uint64, error) {
	pa, _, e := syscall.RawSyscall(sys.SysDMAAlloc, uintptr(n), 0, 0)
	if e != 0 {
		return nil, 0, fmt.Errorf("DMA memory (%d bytes): %v", n, e)
	}
	return unsafe.Slice((*byte)(at(pa)), n), uint64(pa), nil
}
