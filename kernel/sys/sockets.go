package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/trap"
)

// Socket calls are handed to the server goroutine (package net answers
// them over gVisor's netstack). Readiness comes back through SysNotify,
// which the netstack's waiter callbacks call, and flows into epoll.
//
// Three socket calls are made by Go's syscall package with RawSyscall,
// without entersyscall: socket, getsockname and getpeername. A thread
// parked in one of them would keep its P, and the server might then find
// no P to run on. So the kernel answers them itself: socket allocates the
// fd and handle at once and posts the creation to the server without
// waiting (requests run in order, so the socket exists before any call on
// it), and the addresses come from a cache the server keeps up to date
// (SysSockAddr).

// MaxSockets bounds the socket handles.
const MaxSockets = MaxFDs

// sockaddrMax is the largest address cached: struct sockaddr_in6.
const sockaddrMax = linux.SizeofSockaddrInet6

type sock struct {
	used bool
	// create holds socket(2)'s domain, type and protocol until the server
	// has made the endpoint: the kernel asks for that just before the
	// socket's first request (take), so socket() needs no request slot.
	create    [3]uint32
	created   bool
	ready     uint32
	local     [sockaddrMax]byte
	remote    [sockaddrMax]byte
	localLen  int
	remoteLen int
}

var socks [MaxSockets]sock

func sockAlloc() (int, bool) {
	for h := 1; h < MaxSockets; h++ {
		if !socks[h].used {
			socks[h] = sock{used: true}
			return h, true
		}
	}
	return 0, false
}

// toNet hands off call nr on the socket fd a[0] to the network stack.
func toNet(nr uintptr, a [6]uintptr) uintptr {
	f := get(int(int32(a[0])))
	if f == nil {
		return linux.EBADF.Ret()
	}
	if f.kind != kindSocket {
		return linux.ENOTSOCK.Ret()
	}
	a[0] = uintptr(f.handle)
	return handoff(nr|unigo.NetCall, a)
}

// sysAccept is accept4 with no flags.
func sysAccept(_ *trap.Frame, a [6]uintptr) uintptr {
	a[3] = 0
	return toNet(linux.SYS_ACCEPT4, a)
}

func sysSocket(_ *trap.Frame, a [6]uintptr) uintptr {
	return socket(int(a[0]), int(a[1]), int(a[2]))
}

func sysSocketpair(*trap.Frame, [6]uintptr) uintptr { return linux.EAFNOSUPPORT.Ret() }

// sysGetsockname and sysGetpeername answer from the address cache.
func sysGetsockname(_ *trap.Frame, a [6]uintptr) uintptr {
	s, e := sockOf(int(int32(a[0])))
	if e != 0 {
		return e.Ret()
	}
	return putSockaddr(s.local[:s.localLen], a[1], a[2])
}

func sysGetpeername(_ *trap.Frame, a [6]uintptr) uintptr {
	s, e := sockOf(int(int32(a[0])))
	if e != 0 {
		return e.Ret()
	}
	if s.remoteLen == 0 {
		return linux.ENOTCONN.Ret()
	}
	return putSockaddr(s.remote[:s.remoteLen], a[1], a[2])
}

// sockOf returns the socket behind fd.
func sockOf(fd int) (*sock, linux.Errno) {
	f := get(fd)
	if f == nil {
		return nil, linux.EBADF
	}
	if f.kind != kindSocket {
		return nil, linux.ENOTSOCK
	}
	return &socks[f.handle], 0
}

// sysSockAlloc is SysSockAlloc.
func sysSockAlloc(*trap.Frame, [6]uintptr) uintptr {
	h, ok := sockAlloc()
	if !ok {
		return linux.EMFILE.Ret()
	}
	socks[h].created = true // the server made it (an accepted socket)
	return uintptr(h)
}

// sysSockAddr is SysSockAddr.
func sysSockAddr(_ *trap.Frame, a [6]uintptr) uintptr {
	return sockAddr(int(a[0]), int(a[1]), a[2], a[3])
}

// sysNotify is SysNotify.
func sysNotify(_ *trap.Frame, a [6]uintptr) uintptr {
	return notify(int(a[0]), uint32(a[1]), a[2] != 0)
}

// socket validates the call, makes the fd and handle, and posts the
// creation to the server (socket(domain, type, protocol, handle)).
func socket(domain, typ, proto int) uintptr {
	if !Serving() || domain != linux.AF_INET && domain != linux.AF_INET6 && domain != linux.AF_NETLINK {
		return linux.EAFNOSUPPORT.Ret()
	}
	if domain == linux.AF_NETLINK {
		// Route netlink only; raw and datagram are the same to netlink.
		if typ&linux.SOCK_TYPE_MASK != linux.SOCK_RAW && typ&linux.SOCK_TYPE_MASK != linux.SOCK_DGRAM {
			return linux.ESOCKTNOSUPPORT.Ret()
		}
		if proto != linux.NETLINK_ROUTE {
			return linux.EPROTONOSUPPORT.Ret()
		}
	} else {
		switch typ & linux.SOCK_TYPE_MASK {
		case linux.SOCK_STREAM:
			if proto != 0 && proto != linux.IPPROTO_TCP {
				return linux.EPROTONOSUPPORT.Ret() // IPPROTO_MPTCP too: Go falls back to TCP
			}
		case linux.SOCK_DGRAM:
			// UDP, and ICMP "ping sockets" as on Linux.
			if proto != 0 && proto != linux.IPPROTO_UDP && !(proto == linux.IPPROTO_ICMP && domain == linux.AF_INET) && !(proto == linux.IPPROTO_ICMPV6 && domain == linux.AF_INET6) {
				return linux.EPROTONOSUPPORT.Ret()
			}
		default:
			return linux.EPROTONOSUPPORT.Ret()
		}
	}
	h, ok := sockAlloc()
	if !ok {
		return linux.EMFILE.Ret()
	}
	fd, ok := alloc(kindSocket, uint32(typ&(linux.SOCK_NONBLOCK|linux.SOCK_CLOEXEC)))
	if !ok {
		socks[h].used = false
		return linux.EMFILE.Ret()
	}
	files[fd].handle = h
	socks[h].ready = linux.EPOLLOUT
	socks[h].local[0], socks[h].localLen = byte(domain), sockaddrLen(domain)
	socks[h].create = [3]uint32{uint32(domain), uint32(typ), uint32(proto)}
	return uintptr(fd)
}

func sockaddrLen(domain int) int {
	switch domain {
	case linux.AF_INET6:
		return linux.SizeofSockaddrInet6
	case linux.AF_NETLINK:
		return linux.SizeofSockaddrNetlink
	}
	return linux.SizeofSockaddrInet4
}

func sockAddr(h, which int, addr, n uintptr) uintptr {
	if h <= 0 || h >= MaxSockets || n > sockaddrMax {
		return linux.EINVAL.Ret()
	}
	b, ok := userBytes(addr, n, false)
	if !ok {
		return linux.EFAULT.Ret()
	}
	s := &socks[h]
	if which == 0 {
		s.localLen = copy(s.local[:], b)
	} else {
		s.remoteLen = copy(s.remote[:], b)
	}
	return 0
}

// putSockaddr copies a cached address out, truncating as Linux does.
func putSockaddr(sa []byte, addr, lenp uintptr) uintptr {
	l, ok := load32(lenp)
	if !ok {
		return linux.EFAULT.Ret()
	}
	n := min(int(l), len(sa))
	if b, ok := userBytes(addr, uintptr(n), true); ok {
		copy(b, sa)
	} else if n > 0 {
		return linux.EFAULT.Ret()
	}
	if b, ok := userBytes(lenp, 4, true); ok {
		b[0], b[1], b[2], b[3] = byte(len(sa)), 0, 0, 0
	}
	return 0
}

// closeSocket posts the close of a socket whose last fd went away; the
// caller does not wait (Linux's close does not wait for the socket either).
// The handle stays reserved until the server takes the close (take), so a
// new socket cannot reuse it while requests on the old one are queued.
func closeSocket(h int) uintptr {
	socks[h] = sock{used: true, created: socks[h].created} // closed, still reserved
	if !post(linux.SYS_CLOSE|unigo.NetCall, [6]uintptr{uintptr(h)}) {
		deferClose(h)
	}
	return 0
}

// notify is SysNotify.
func notify(h int, events uint32, isEdge bool) uintptr {
	if h <= 0 || h >= MaxSockets || !socks[h].used {
		return linux.EBADF.Ret()
	}
	socks[h].ready = events
	if isEdge {
		for fd := range used() {
			if f := &files[fd]; f.kind == kindSocket && f.handle == h {
				edge(fd)
			}
		}
	}
	return 0
}

// completedAccept allocates the fd for an accepted socket's handle.
func completedAccept(r *request, result uintptr) uintptr {
	fd, ok := alloc(kindSocket, uint32(r.args[3]&(linux.SOCK_NONBLOCK|linux.SOCK_CLOEXEC)))
	if !ok {
		closeSocket(int(result))
		return linux.EMFILE.Ret()
	}
	files[fd].handle = int(result)
	return uintptr(fd)
}

// createID is the id of a socket creation the kernel asks for on its own
// (see sock.create): the server's answer completes no request.
const createID = maxRequests

// prepare is the sockets' look at the request at the head of the
// hand-off queue (next, handoff.go). A request on a socket the server
// has not made yet is preceded by that socket's creation, which holds no
// slot; the close of such a socket is dropped, as the server never heard
// of it. Other requests are served as they are.
func prepare(r *request) (verdict, [unigo.RecordLen]uintptr) {
	h, isSocket := socketOf(r)
	if !isSocket {
		return serveIt, [unigo.RecordLen]uintptr{}
	}
	closing := r.nr == linux.SYS_CLOSE|unigo.NetCall
	if !socks[h].created {
		if closing {
			socks[h] = sock{}
			return dropIt, [unigo.RecordLen]uintptr{}
		}
		c := &socks[h].create
		socks[h].created = true
		return serveFirst, [unigo.RecordLen]uintptr{createID, linux.SYS_SOCKET | unigo.NetCall, uintptr(c[0]), uintptr(c[1]), uintptr(c[2]), uintptr(h)}
	}
	if closing {
		socks[h] = sock{} // the server closes it before anything queued later
	}
	return serveIt, [unigo.RecordLen]uintptr{}
}

// socketOf returns the handle of r's socket: every socket request names
// it first.
func socketOf(r *request) (int, bool) {
	if r.nr&unigo.NetCall == 0 {
		return 0, false
	}
	h := int(r.args[0])
	if h <= 0 || h >= MaxSockets || !socks[h].used {
		return 0, false
	}
	return h, true
}
