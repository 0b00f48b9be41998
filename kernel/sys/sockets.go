package sys

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

// Socket syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	sysSocket      = 41
	sysConnect     = 42
	sysAccept      = 43
	sysSendto      = 44
	sysRecvfrom    = 45
	sysSendmsg     = 46
	sysRecvmsg     = 47
	sysShutdown    = 48
	sysBind        = 49
	sysListen      = 50
	sysGetsockname = 51
	sysGetpeername = 52
	sysSocketpair  = 53
	sysSetsockopt  = 54
	sysGetsockopt  = 55
	sysReadv       = 19
	sysAccept4     = 288

	// NetCall marks a hand-off record's number as a call on a socket
	// handle (read, write, close... of a socket): nr | NetCall.
	NetCall = 1 << 20
	// SysNotify(handle, events, edge): package net reports a socket's
	// readiness (EPOLLIN|EPOLLOUT|...); with edge, as a new event.
	SysNotify = 1004
	// SysSockAlloc() returns a free socket handle (for accepted sockets).
	SysSockAlloc = 1005
	// SysSockAddr(handle, which, sockaddr, len) caches a socket's local
	// (which = 0) or peer (1) address for getsockname and getpeername.
	SysSockAddr = 1006

	// MaxSockets bounds the socket handles.
	MaxSockets = MaxFDs

	afInet          = 2
	afInet6         = 10
	afNetlink       = 16 // include/uapi/linux/socket.h
	sockStream      = 1
	sockDgram       = 2
	sockRaw         = 3
	netlinkRoute    = 0 // NETLINK_ROUTE, include/uapi/linux/netlink.h
	eSOCKTNOSUPPORT = 94
	sockNonblock    = 0x800
	sockCloexec     = 0x80000
	eAFNOSUPPORT    = 97
	ePROTONOSUPPORT = 93
	eNOTSOCK        = 88
	sockaddrMax     = 28 // sockaddr_in6
)

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

// socketCall routes the socket syscalls; ok is false for other calls.
func socketCall(nr uintptr, a [6]uintptr) (uintptr, bool) {
	switch nr {
	case sysSocket:
		return socket(int(a[0]), int(a[1]), int(a[2])), true
	case sysSocketpair:
		return errno(eAFNOSUPPORT), true
	case sysGetsockname, sysGetpeername:
		f := get(int(int32(a[0])))
		if f == nil {
			return errno(EBADF), true
		}
		if f.kind != kindSocket {
			return errno(eNOTSOCK), true
		}
		s := &socks[f.handle]
		if nr == sysGetsockname {
			return putSockaddr(s.local[:s.localLen], a[1], a[2]), true
		}
		if s.remoteLen == 0 {
			return errno(107), true // ENOTCONN
		}
		return putSockaddr(s.remote[:s.remoteLen], a[1], a[2]), true
	case sysConnect, sysAccept, sysAccept4, sysSendto, sysRecvfrom, sysSendmsg, sysRecvmsg, sysShutdown,
		sysBind, sysListen, sysSetsockopt, sysGetsockopt:
		if nr == sysAccept {
			nr, a[3] = sysAccept4, 0
		}
		f := get(int(int32(a[0])))
		if f == nil {
			return errno(EBADF), true
		}
		if f.kind != kindSocket {
			return errno(eNOTSOCK), true
		}
		a[0] = uintptr(f.handle)
		return handoff(nr|NetCall, a), true
	case SysSockAlloc:
		h, ok := sockAlloc()
		if !ok {
			return errno(EMFILE), true
		}
		socks[h].created = true // the server made it (an accepted socket)
		return uintptr(h), true
	case SysSockAddr:
		return sockAddr(int(a[0]), int(a[1]), a[2], a[3]), true
	}
	return 0, false
}

// socket validates the call, makes the fd and handle, and posts the
// creation to the server (socket(domain, type, protocol, handle)).
func socket(domain, typ, proto int) uintptr {
	if !Serving() || domain != afInet && domain != afInet6 && domain != afNetlink {
		return errno(eAFNOSUPPORT)
	}
	if domain == afNetlink {
		// Route netlink only; raw and datagram are the same to netlink.
		if typ&0xF != sockRaw && typ&0xF != sockDgram {
			return errno(eSOCKTNOSUPPORT)
		}
		if proto != netlinkRoute {
			return errno(ePROTONOSUPPORT)
		}
	} else {
		switch typ & 0xF {
		case sockStream:
			if proto != 0 && proto != 6 {
				return errno(ePROTONOSUPPORT) // IPPROTO_MPTCP too: Go falls back to TCP
			}
		case sockDgram:
			// UDP, and ICMP "ping sockets" (IPPROTO_ICMP 1, IPPROTO_ICMPV6 58) as on Linux.
			if proto != 0 && proto != 17 && !(proto == 1 && domain == afInet) && !(proto == 58 && domain == afInet6) {
				return errno(ePROTONOSUPPORT)
			}
		default:
			return errno(ePROTONOSUPPORT)
		}
	}
	h, ok := sockAlloc()
	if !ok {
		return errno(EMFILE)
	}
	fd, ok := alloc(kindSocket, uint32(typ&(sockNonblock|sockCloexec)))
	if !ok {
		socks[h].used = false
		return errno(EMFILE)
	}
	files[fd].handle = h
	socks[h].ready = epollOut
	socks[h].local[0], socks[h].localLen = byte(domain), sockaddrLen(domain)
	socks[h].create = [3]uint32{uint32(domain), uint32(typ), uint32(proto)}
	return uintptr(fd)
}

func sockaddrLen(domain int) int {
	switch domain {
	case afInet6:
		return 28
	case afNetlink:
		return 12 // struct sockaddr_nl, include/uapi/linux/netlink.h
	}
	return 16
}

func sockAddr(h, which int, addr, n uintptr) uintptr {
	if h <= 0 || h >= MaxSockets || n > sockaddrMax {
		return errno(EINVAL)
	}
	b, ok := userBytes(addr, n, false)
	if !ok {
		return errno(EFAULT)
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
		return errno(EFAULT)
	}
	n := min(int(l), len(sa))
	if b, ok := userBytes(addr, uintptr(n), true); ok {
		copy(b, sa)
	} else if n > 0 {
		return errno(EFAULT)
	}
	if b, ok := userBytes(lenp, 4, true); ok {
		b[0], b[1], b[2], b[3] = byte(len(sa)), 0, 0, 0
	}
	return 0
}

// socketFD hands off a call on a socket fd (read, write, readv, writev).
func socketFD(nr uintptr, a [6]uintptr) uintptr {
	f := get(int(int32(a[0])))
	a[0] = uintptr(f.handle)
	return handoff(nr|NetCall, a)
}

// closeSocket posts the close of a socket whose last fd went away; the
// caller does not wait (Linux's close does not wait for the socket either).
// The handle stays reserved until the server takes the close (take), so a
// new socket cannot reuse it while requests on the old one are queued.
func closeSocket(h int) uintptr {
	socks[h] = sock{used: true, created: socks[h].created} // closed, still reserved
	if !post(sysClose|NetCall, [6]uintptr{uintptr(h)}) {
		deferClose(h)
	}
	return 0
}

// notify is SysNotify.
func notify(h int, events uint32, isEdge bool) uintptr {
	if h <= 0 || h >= MaxSockets || !socks[h].used {
		return errno(EBADF)
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
	fd, ok := alloc(kindSocket, uint32(r.args[3]&(sockNonblock|sockCloexec)))
	if !ok {
		closeSocket(int(result))
		return errno(EMFILE)
	}
	files[fd].handle = int(result)
	return uintptr(fd)
}
