// Package socket answers a unigo program's Linux socket system calls
// over gVisor's netstack: inet sockets (TCP, UDP, ICMP echo) and route
// netlink sockets, enough for Go's net package (and net/http) to work
// unchanged. The kernel's server goroutine hands each call over (Call):
// socket(2) with the domain in a[0], every other call with the socket's
// handle there. Results are Linux syscall results (negative errno).
// Sockets are non-blocking, as Go makes them: a call that would block
// returns EAGAIN, and readiness goes to the kernel's epoll (SysNotify).
package socket

import (
	"sync"

	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/kernel/abi/linux"
)

// sockets is every open socket by handle, and the stack they use.
var sockets struct {
	mu    sync.Mutex
	stack *stack.Stack
	all   map[int]handler
}

// handler is an open socket of one kind; call answers one syscall on it.
type handler interface {
	call(nr uintptr, a [6]uintptr) uintptr
}

// Attach makes s the stack that sockets open on.
func Attach(s *stack.Stack) { sockets.stack = s }

// families creates a socket of each domain, for the fd and handle the
// kernel already made (it validated the arguments).
var families = map[int]func(domain, typ, proto, handle int) uintptr{
	linux.AF_INET:    inetSocketCall,
	linux.AF_INET6:   inetSocketCall,
	linux.AF_NETLINK: netlinkSocketCall,
}

// Call answers one socket syscall: the handler the kernel registers.
func Call(nr uintptr, a [6]uintptr) uintptr {
	if nr == linux.SYS_SOCKET {
		create := families[int(a[0])]
		if create == nil {
			return linux.EAFNOSUPPORT.Ret()
		}
		return create(int(a[0]), int(a[1]), int(a[2]), int(a[3]))
	}
	sockets.mu.Lock()
	s := sockets.all[int(a[0])]
	sockets.mu.Unlock()
	if s == nil {
		return linux.EBADF.Ret()
	}
	return s.call(nr, a)
}

// register files s under handle.
func register(handle int, s handler) {
	sockets.mu.Lock()
	if sockets.all == nil {
		sockets.all = map[int]handler{}
	}
	sockets.all[handle] = s
	sockets.mu.Unlock()
}

// unregister forgets handle's socket (at close).
func unregister(handle int) {
	sockets.mu.Lock()
	delete(sockets.all, handle)
	sockets.mu.Unlock()
}

// callTable answers the syscalls on one kind of socket S, indexed by
// syscall number: one function per call the kind supports.
type callTable[S any] [linux.MaxSyscall]func(s S, a [6]uintptr) uintptr

// call answers call nr on s; a call the kind lacks (listen on a netlink
// socket, ioctl...) fails with EOPNOTSUPP.
func (t *callTable[S]) call(s S, nr uintptr, a [6]uintptr) uintptr {
	if nr >= uintptr(len(t)) || t[nr] == nil {
		return linux.EOPNOTSUPP.Ret()
	}
	return t[nr](s, a)
}
