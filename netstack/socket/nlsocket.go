package socket

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/waiter"

	"unigo/kernel/abi/linux"
)

// A route netlink socket: requests go to the "kernel" (port id 0), which
// answers them at once (netlink.go); the replies wait on the socket
// until received. Port ids are per socket, as a process's are on Linux.

// nlQueueMax bounds a socket's unread replies; past it, replies are
// dropped and the next receive fails with ENOBUFS, as Linux's full
// receive buffer does. It is also what SO_RCVBUF reports.
const nlQueueMax = 1 << 20

// Field offsets of struct sockaddr_nl (include/uapi/linux/netlink.h:
// family u16, pad u16, port id u32, groups u32).
const (
	nlPid    = 4
	nlGroups = 8
)

// nlSetAddr and nlNotify reach the kernel's socket table (SysSockAddr,
// SysNotify); host tests replace them.
var (
	nlSetAddr = func(handle int, sa []byte) { setSockAddr(handle, 0, sa) }
	nlNotify  = notifyKernel
)

// nlSocket is a NETLINK_ROUTE socket.
type nlSocket struct {
	handle int
	typ    int
	stack  *stack.Stack
	port   atomic.Uint32 // nl_pid, 0 until bound

	mu       sync.Mutex
	groups   uint32
	queue    [][]byte // unread replies, a message each
	queued   int      // their bytes
	arrivals int      // sends that queued replies
	overrun  bool     // replies were dropped: the next receive fails with ENOBUFS
}

// nlNextPort is the next port id to try when a socket's handle is taken
// as a port id (by an explicit bind); it counts down from -4096, as
// Linux's autobind does after the process id.
var nlNextPort = uint32(0xFFFFF000)

// nlCalls answers the syscalls on a netlink socket; listen, accept and
// shutdown are not among them.
var nlCalls = callTable[*nlSocket]{
	linux.SYS_CLOSE:      (*nlSocket).close,
	linux.SYS_BIND:       (*nlSocket).bindCall,
	linux.SYS_CONNECT:    (*nlSocket).connect,
	linux.SYS_SETSOCKOPT: (*nlSocket).setsockopt,
	linux.SYS_GETSOCKOPT: (*nlSocket).getsockopt,
	linux.SYS_READ:       func(s *nlSocket, a [6]uintptr) uintptr { r, _ := s.recv(readArgs(a)); return r },
	linux.SYS_READV:      func(s *nlSocket, a [6]uintptr) uintptr { r, _ := s.recv(readvArgs(a)); return r },
	linux.SYS_RECVFROM:   func(s *nlSocket, a [6]uintptr) uintptr { r, _ := s.recv(recvfromArgs(a)); return r },
	linux.SYS_RECVMSG:    (*nlSocket).recvmsg,
	linux.SYS_WRITE:      func(s *nlSocket, a [6]uintptr) uintptr { return s.send(writeArgs(a)) },
	linux.SYS_WRITEV:     func(s *nlSocket, a [6]uintptr) uintptr { return s.send(writevArgs(a)) },
	linux.SYS_SENDTO:     func(s *nlSocket, a [6]uintptr) uintptr { return s.send(sendtoArgs(a)) },
	linux.SYS_SENDMSG:    func(s *nlSocket, a [6]uintptr) uintptr { return s.send(sendmsgArgs(a)) },
}

// netlinkSocketCall creates the netlink socket of the fd and handle the
// kernel made.
func netlinkSocketCall(_, typ, proto, handle int) uintptr {
	if proto != linux.NETLINK_ROUTE {
		return linux.EPROTONOSUPPORT.Ret()
	}
	if t := typ & linux.SOCK_TYPE_MASK; t != linux.SOCK_RAW && t != linux.SOCK_DGRAM {
		return linux.ESOCKTNOSUPPORT.Ret()
	}
	s := &nlSocket{handle: handle, typ: typ & linux.SOCK_TYPE_MASK, stack: sockets.stack}
	register(handle, s)
	s.notify(true)
	return 0
}

// call answers one syscall on the socket, then tells the kernel its
// readiness: always writable, readable while replies wait.
func (s *nlSocket) call(nr uintptr, a [6]uintptr) uintptr {
	s.mu.Lock()
	before := s.arrivals
	r := nlCalls.call(s, nr, a)
	edge := s.arrivals != before
	s.mu.Unlock()
	if nr != linux.SYS_CLOSE {
		s.notify(edge)
	}
	return r
}

func (s *nlSocket) notify(edge bool) {
	s.mu.Lock()
	ev := uint32(waiter.WritableEvents)
	if len(s.queue) > 0 {
		ev |= uint32(waiter.ReadableEvents)
	}
	if s.overrun {
		ev |= uint32(waiter.EventErr)
	}
	s.mu.Unlock()
	nlNotify(s.handle, ev, edge)
}

func (s *nlSocket) close([6]uintptr) uintptr {
	unregister(s.handle)
	s.queue, s.queued = nil, 0
	return 0
}

func (s *nlSocket) bindCall(a [6]uintptr) uintptr {
	port, groups, e := nlSockaddr(a[1], a[2])
	if e != 0 {
		return e.Ret()
	}
	return s.bind(port, groups).Ret()
}

// connect: only the kernel (port 0) answers; there are no messages
// between sockets.
func (s *nlSocket) connect(a [6]uintptr) uintptr {
	port, _, e := nlSockaddr(a[1], a[2])
	if e != 0 {
		return e.Ret()
	}
	if port != 0 {
		return linux.ECONNREFUSED.Ret()
	}
	s.autobind()
	return 0
}

// recvmsg also reports in the struct msghdr: no control messages, and
// MSG_TRUNC when a message did not fit.
func (s *nlSocket) recvmsg(a [6]uintptr) uintptr {
	m := recvmsgArgs(a)
	r, trunc := s.recv(m)
	if !linux.IsError(r) {
		binary.LittleEndian.PutUint64(m.hdr[linux.MsghdrControllen:], 0)
		flags := uint32(0)
		if trunc {
			flags = linux.MSG_TRUNC
		}
		binary.LittleEndian.PutUint32(m.hdr[linux.MsghdrFlags:], flags)
	}
	return r
}

// nlSockaddr reads a struct sockaddr_nl.
func nlSockaddr(addr, n uintptr) (port, groups uint32, e linux.Errno) {
	if addr == 0 || n < linux.SizeofSockaddrNetlink || n > linux.SizeofSockaddrStorage {
		return 0, 0, linux.EINVAL
	}
	b := user(addr, linux.SizeofSockaddrNetlink)
	if ne.Uint16(b) != linux.AF_NETLINK {
		return 0, 0, linux.EINVAL
	}
	return ne.Uint32(b[nlPid:]), ne.Uint32(b[nlGroups:]), 0
}

// sockaddrNl is the struct sockaddr_nl of port id port and groups.
func sockaddrNl(port, groups uint32) []byte {
	b := make([]byte, linux.SizeofSockaddrNetlink)
	ne.PutUint16(b, linux.AF_NETLINK)
	ne.PutUint32(b[nlPid:], port)
	ne.PutUint32(b[nlGroups:], groups)
	return b
}

// bind takes port id port (0: one of its own) and returns an errno.
func (s *nlSocket) bind(port, groups uint32) linux.Errno {
	if cur := s.port.Load(); cur != 0 {
		if port != 0 && port != cur {
			return linux.EINVAL // bound already
		}
	} else if port == 0 {
		s.autobind()
	} else if !s.claim(port) {
		return linux.EADDRINUSE
	}
	s.groups = groups // no notifications are ever sent to them
	nlSetAddr(s.handle, sockaddrNl(s.port.Load(), s.groups))
	return 0
}

// autobind gives an unbound socket a port id: its handle if free.
func (s *nlSocket) autobind() {
	if s.port.Load() != 0 {
		return
	}
	if !s.claim(uint32(s.handle)) {
		for !s.claim(nlNextPort) {
			nlNextPort--
		}
	}
	nlSetAddr(s.handle, sockaddrNl(s.port.Load(), s.groups))
}

// claim binds the socket to port unless another socket has it.
func (s *nlSocket) claim(port uint32) bool {
	sockets.mu.Lock()
	defer sockets.mu.Unlock()
	for _, h := range sockets.all {
		if o, ok := h.(*nlSocket); ok && o != s && o.port.Load() == port {
			return false
		}
	}
	s.port.Store(port)
	return true
}

// send answers the requests the caller sends to the kernel.
func (s *nlSocket) send(m msg) uintptr {
	if m.name != 0 && m.namelen != 0 {
		port, _, e := nlSockaddr(m.name, m.namelen)
		if e != 0 {
			return e.Ret()
		}
		if port != 0 {
			return linux.ECONNREFUSED.Ret() // only the kernel answers
		}
	}
	var req []byte
	for _, io := range m.v {
		req = append(req, user(io[0], io[1])...)
	}
	s.autobind()
	replies := nlRespond(req, s.port.Load(), func() ([]nlLink, []nlAddr) { return stackInterfaces(s.stack) })
	size := 0
	for _, m := range replies {
		size += len(m)
	}
	switch {
	case len(replies) == 0:
	case s.queued+size > nlQueueMax:
		s.overrun = true
	default:
		s.queue = append(s.queue, replies...)
		s.queued += size
		s.arrivals++
	}
	return uintptr(len(req))
}

// recv copies out as many whole queued messages as fit in v, or the
// start of the first if it does not fit (trunc; the rest is lost, as
// Linux drops the rest of a datagram). With MSG_TRUNC, a truncated
// receive returns the message's whole length. The source, if asked, is
// the kernel: sockaddr_nl with port id 0.
func (s *nlSocket) recv(m msg) (r uintptr, trunc bool) {
	v, flags, name, namelen := m.v, m.flags, m.name, m.namelen
	if s.overrun {
		s.overrun = false
		return linux.ENOBUFS.Ret(), false
	}
	if len(s.queue) == 0 {
		return linux.EAGAIN.Ret(), false
	}
	room := 0
	for _, io := range v {
		room += int(min(io[1], 1<<30))
	}
	k, size := 0, 0
	for k < len(s.queue) && size+len(s.queue[k]) <= room {
		size += len(s.queue[k])
		k++
	}
	w := &iovWriter{v: v}
	if k == 0 {
		trunc, k, size = true, 1, len(s.queue[0])
		w.Write(s.queue[0][:room])
	} else {
		for _, m := range s.queue[:k] {
			w.Write(m)
		}
	}
	if flags&linux.MSG_PEEK == 0 {
		for i := range k {
			s.queued -= len(s.queue[i])
			s.queue[i] = nil
		}
		s.queue = s.queue[k:]
		if len(s.queue) == 0 {
			s.queue = nil
		}
	}
	if name != 0 && namelen != 0 {
		l := user(namelen, 4)
		sa := sockaddrNl(0, 0)
		copy(user(name, uintptr(min(int(ne.Uint32(l)), len(sa)))), sa)
		ne.PutUint32(l, uint32(len(sa)))
	}
	if trunc && flags&linux.MSG_TRUNC != 0 {
		return uintptr(size), true
	}
	return uintptr(w.n), trunc
}

// setsockopt accepts the buffer sizes and every SOL_NETLINK option
// (membership, extended acks, strict checking...) and ignores them.
func (s *nlSocket) setsockopt(a [6]uintptr) uintptr {
	level, name := int(a[1]), int(a[2])
	switch {
	case level == linux.SOL_SOCKET && (name == linux.SO_SNDBUF || name == linux.SO_RCVBUF || name == linux.SO_SNDBUFFORCE || name == linux.SO_RCVBUFFORCE):
	case level == linux.SOL_NETLINK:
	default:
		return linux.ENOPROTOOPT.Ret()
	}
	return 0
}

// getsockopt(fd, level, name, val, lenp).
func (s *nlSocket) getsockopt(a [6]uintptr) uintptr {
	level, name, val, lenp := int(a[1]), int(a[2]), a[3], a[4]
	v := 0
	switch {
	case level == linux.SOL_SOCKET && name == linux.SO_TYPE:
		v = s.typ
	case level == linux.SOL_SOCKET && name == linux.SO_DOMAIN:
		v = linux.AF_NETLINK
	case level == linux.SOL_SOCKET && name == linux.SO_PROTOCOL:
		v = linux.NETLINK_ROUTE
	case level == linux.SOL_SOCKET && name == linux.SO_ERROR:
	case level == linux.SOL_SOCKET && (name == linux.SO_SNDBUF || name == linux.SO_RCVBUF):
		v = nlQueueMax
	case level == linux.SOL_NETLINK:
	default:
		return linux.ENOPROTOOPT.Ret()
	}
	if val == 0 || lenp == 0 {
		return linux.EFAULT.Ret()
	}
	if int32(binary.LittleEndian.Uint32(user(lenp, 4))) < 4 {
		return linux.EINVAL.Ret()
	}
	binary.LittleEndian.PutUint32(user(val, 4), uint32(int32(v)))
	binary.LittleEndian.PutUint32(user(lenp, 4), 4)
	return 0
}
