package socket

import (
	"syscall"

	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
)

// notifyKernel tells the kernel a socket's readiness (epoll events);
// with edge, epoll waiters see a new event.
func notifyKernel(handle int, events uint32, edge bool) {
	e := uintptr(0)
	if edge {
		e = 1
	}
	syscall.RawSyscall(unigo.SysNotify, uintptr(handle), uintptr(events), e)
}

// allocHandle asks the kernel for a new socket's handle (and fd), for
// an accepted connection.
func allocHandle() (int, linux.Errno) {
	h, _, e := syscall.RawSyscall(unigo.SysSockAlloc, 0, 0, 0)
	return int(h), linux.Errno(e)
}
