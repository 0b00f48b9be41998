package platform

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"

	"unigo/drivers/virtio"
	"unigo/kernel/abi/unigo"
)

// at turns a device address into a pointer: MMIO and DMA memory is not Go
// memory, so the bits are reinterpreted rather than converted.
func at(addr uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&addr)) }

// mmioRegs is a virtio-mmio window, identity-mapped uncached: accesses
// past its size read as all ones and write nothing, as on an absent
// device, so that a driver reading a configuration field the VMM's
// window is too small for never reaches another device's registers.
type mmioRegs struct{ base, size uintptr }

// holds reports whether the 32-bit register at off lies in the window.
func (m mmioRegs) holds(off uintptr) bool { return off < m.size && m.size-off >= 4 }

// Read32 is an uncached device read; the atomic load keeps the compiler
// from merging or dropping it.
func (m mmioRegs) Read32(off uintptr) uint32 {
	if !m.holds(off) {
		return ^uint32(0)
	}
	return atomic.LoadUint32((*uint32)(at(m.base + off)))
}

// Write32 is an uncached device write.
func (m mmioRegs) Write32(off uintptr, v uint32) {
	if !m.holds(off) {
		return
	}
	atomic.StoreUint32((*uint32)(at(m.base+off)), v)
}

// DMA gets device-visible memory from the kernel: physical ==
// virtual, zeroed, never freed.
func DMA(n int) ([]byte, uint64, error) {
	pa, _, e := syscall.RawSyscall(unigo.SysDMAAlloc, uintptr(n), 0, 0)
	if e != 0 {
		return nil, 0, fmt.Errorf("DMA memory (%d bytes): %v", n, e)
	}
	return unsafe.Slice((*byte)(at(pa)), n), uint64(pa), nil
}

// window is a mapped BAR region (virtio.Window): uncached, accessed with
// single loads and stores of the register's width.
type window uintptr

func (w window) Read8(off uintptr) uint8       { return *(*uint8)(at(uintptr(w) + off)) }
func (w window) Write8(off uintptr, v uint8)   { *(*uint8)(at(uintptr(w) + off)) = v }
func (w window) Read16(off uintptr) uint16     { return *(*uint16)(at(uintptr(w) + off)) }
func (w window) Write16(off uintptr, v uint16) { *(*uint16)(at(uintptr(w) + off)) = v }
func (w window) Read32(off uintptr) uint32     { return atomic.LoadUint32((*uint32)(at(uintptr(w) + off))) }
func (w window) Write32(off uintptr, v uint32) { atomic.StoreUint32((*uint32)(at(uintptr(w)+off)), v) }

// MapWindow asks the kernel to map a device window at its physical address.
func MapWindow(phys uint64, n uint32) (virtio.Window, error) {
	if _, _, e := syscall.RawSyscall(unigo.SysMapMMIO, uintptr(phys), uintptr(n), 0); e != 0 {
		return nil, fmt.Errorf("mapping device registers at %#x: %v", phys, e)
	}
	return window(phys), nil
}

// atomicLoad and atomicStore are single, unmerged device accesses.
func atomicLoad(p *uint32) uint32     { return atomic.LoadUint32(p) }
func atomicStore(p *uint32, v uint32) { atomic.StoreUint32(p, v) }
