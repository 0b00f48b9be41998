package net

import "unsafe"

// user is the calling program's memory [addr, addr+n): the kernel's
// server goroutine runs this package's socket calls while the caller is
// parked, in the same address space.
func user(addr, n uintptr) []byte {
	if addr == 0 || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(at(addr)), n)
}

// at turns an address in the caller's memory into a pointer: the bits
// are reinterpreted rather than converted, as the memory is not the
// server goroutine's own Go memory.
func at(addr uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&addr)) }
