package socket

import (
	"syscall"
	"unsafe"

	"unigo/kernel/abi/unigo"
)

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

// setSockAddr gives the kernel a socket's local (which = 0) or peer (1)
// address, a sockaddr: it answers getsockname and getpeername itself.
func setSockAddr(handle, which int, sa []byte) {
	syscall.RawSyscall6(unigo.SysSockAddr, uintptr(handle), uintptr(which), uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa)), 0, 0)
}
