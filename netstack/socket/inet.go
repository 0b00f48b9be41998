package socket

import (
	"bytes"
	"encoding/binary"
	"sync/atomic"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"

	"unigo/kernel/abi/linux"
)

// inetSocket is an AF_INET or AF_INET6 socket: a netstack endpoint.
type inetSocket struct {
	peerCached atomic.Bool // the kernel has the peer's address
	ep         tcpip.Endpoint
	wq         *waiter.Queue
	entry      waiter.Entry
	family     int
	typ        int
	handle     int
}

// readinessMask is every event a socket reports (waiter uses Linux's epoll bits).
const readinessMask = waiter.ReadableEvents | waiter.WritableEvents | waiter.EventErr | waiter.EventHUp | waiter.EventRdHUp

// inetCalls answers the syscalls on an inet socket.
var inetCalls = callTable[*inetSocket]{
	linux.SYS_CLOSE:      (*inetSocket).close,
	linux.SYS_BIND:       (*inetSocket).bind,
	linux.SYS_LISTEN:     (*inetSocket).listen,
	linux.SYS_CONNECT:    (*inetSocket).connect,
	linux.SYS_ACCEPT4:    (*inetSocket).accept4,
	linux.SYS_SHUTDOWN:   (*inetSocket).shutdown,
	linux.SYS_SETSOCKOPT: (*inetSocket).setsockopt,
	linux.SYS_GETSOCKOPT: (*inetSocket).getsockopt,
	linux.SYS_READ:       func(s *inetSocket, a [6]uintptr) uintptr { return s.recv(readArgs(a)) },
	linux.SYS_READV:      func(s *inetSocket, a [6]uintptr) uintptr { return s.recv(readvArgs(a)) },
	linux.SYS_RECVFROM:   func(s *inetSocket, a [6]uintptr) uintptr { return s.recv(recvfromArgs(a)) },
	linux.SYS_RECVMSG:    func(s *inetSocket, a [6]uintptr) uintptr { return s.recv(recvmsgArgs(a)) },
	linux.SYS_WRITE:      func(s *inetSocket, a [6]uintptr) uintptr { return s.send(writeArgs(a)) },
	linux.SYS_WRITEV:     func(s *inetSocket, a [6]uintptr) uintptr { return s.send(writevArgs(a)) },
	linux.SYS_SENDTO:     func(s *inetSocket, a [6]uintptr) uintptr { return s.send(sendtoArgs(a)) },
	linux.SYS_SENDMSG:    func(s *inetSocket, a [6]uintptr) uintptr { return s.send(sendmsgArgs(a)) },
}

// cacheAddrs gives the kernel the socket's addresses: it answers
// getsockname and getpeername itself (they are raw syscalls).
func (s *inetSocket) cacheAddrs() {
	if a, err := s.ep.GetLocalAddress(); err == nil {
		setSockAddr(s.handle, 0, encodeSockaddr(a, s.family))
	}
	if a, err := s.ep.GetRemoteAddress(); err == nil {
		setSockAddr(s.handle, 1, encodeSockaddr(a, s.family))
		s.peerCached.Store(true)
	}
}

// notify tells the kernel the socket's readiness; with edge, epoll
// waiters see a new event.
func (s *inetSocket) notify(edge bool) {
	notifyKernel(s.handle, uint32(s.ep.Readiness(readinessMask)), edge)
}

func newInetSocket(ep tcpip.Endpoint, wq *waiter.Queue, family, typ, handle int) *inetSocket {
	s := &inetSocket{ep: ep, wq: wq, family: family, typ: typ, handle: handle}
	register(handle, s)
	s.entry = waiter.NewFunctionEntry(readinessMask, func(waiter.EventMask) { s.notify(true) })
	wq.EventRegister(&s.entry)
	return s
}

// inetSocketCall creates the endpoint of the socket the kernel already
// made (fd and handle); the kernel validated the arguments.
func inetSocketCall(domain, typ, proto, handle int) uintptr {
	var netProto tcpip.NetworkProtocolNumber
	switch domain {
	case linux.AF_INET:
		netProto = ipv4.ProtocolNumber
	case linux.AF_INET6:
		netProto = ipv6.ProtocolNumber
	default:
		return linux.EAFNOSUPPORT.Ret()
	}
	var tp tcpip.TransportProtocolNumber
	switch typ & linux.SOCK_TYPE_MASK {
	case linux.SOCK_STREAM:
		if proto != 0 && proto != linux.IPPROTO_TCP {
			return linux.EPROTONOSUPPORT.Ret() // MPTCP too: Go falls back to TCP
		}
		tp = tcp.ProtocolNumber
	case linux.SOCK_DGRAM:
		switch proto {
		case 0, linux.IPPROTO_UDP:
			tp = udp.ProtocolNumber
		case linux.IPPROTO_ICMP:
			tp = icmp.ProtocolNumber4
		case linux.IPPROTO_ICMPV6:
			tp = icmp.ProtocolNumber6
		default:
			return linux.EPROTONOSUPPORT.Ret()
		}
	default:
		return linux.EPROTONOSUPPORT.Ret()
	}
	wq := new(waiter.Queue)
	ep, err := sockets.stack.NewEndpoint(tp, netProto, wq)
	if err != nil {
		return toErrno(err).Ret()
	}
	newInetSocket(ep, wq, domain, typ&linux.SOCK_TYPE_MASK, handle).notify(true)
	return 0
}

// call answers one syscall on the socket, then updates what the kernel
// knows of it.
func (s *inetSocket) call(nr uintptr, a [6]uintptr) uintptr {
	r := inetCalls.call(s, nr, a)
	if nr != linux.SYS_CLOSE {
		if !s.peerCached.Load() {
			// A connect may have completed (Go asks SO_ERROR, then
			// getpeername, which the kernel answers from this cache).
			// Not in the waiter callback: netstack may hold locks there.
			s.cacheAddrs()
		}
		s.notify(false) // the call may have consumed readiness
	}
	return r
}

func (s *inetSocket) close([6]uintptr) uintptr {
	s.wq.EventUnregister(&s.entry)
	s.ep.Close()
	unregister(s.handle)
	return 0
}

func (s *inetSocket) bind(a [6]uintptr) uintptr {
	addr, e := s.parseAddr(a[1], a[2])
	if e != 0 {
		return e.Ret()
	}
	defer s.cacheAddrs()
	return result(0, s.ep.Bind(addr))
}

func (s *inetSocket) listen(a [6]uintptr) uintptr {
	defer s.cacheAddrs()
	return result(0, s.ep.Listen(int(a[1])))
}

func (s *inetSocket) connect(a [6]uintptr) uintptr {
	addr, e := s.parseAddr(a[1], a[2])
	if e != 0 {
		return e.Ret()
	}
	defer s.cacheAddrs()
	return result(0, s.ep.Connect(addr))
}

func (s *inetSocket) accept4(a [6]uintptr) uintptr {
	var peer tcpip.FullAddress
	ep, wq, err := s.ep.Accept(&peer)
	if err != nil {
		return toErrno(err).Ret()
	}
	h, e := allocHandle()
	if e != 0 {
		ep.Close()
		return e.Ret()
	}
	if a[1] != 0 {
		s.putAddr(peer, a[1], a[2])
	}
	n := newInetSocket(ep, wq, s.family, s.typ, h)
	n.cacheAddrs()
	n.notify(true)
	return uintptr(h)
}

func (s *inetSocket) shutdown(a [6]uintptr) uintptr {
	var f tcpip.ShutdownFlags
	switch int(a[1]) {
	case linux.SHUT_RD:
		f = tcpip.ShutdownRead
	case linux.SHUT_WR:
		f = tcpip.ShutdownWrite
	case linux.SHUT_RDWR:
		f = tcpip.ShutdownRead | tcpip.ShutdownWrite
	default:
		return linux.EINVAL.Ret()
	}
	return result(0, s.ep.Shutdown(f))
}

func (s *inetSocket) recv(m msg) uintptr {
	w := &iovWriter{v: m.v}
	res, err := s.ep.Read(w, tcpip.ReadOptions{Peek: m.flags&linux.MSG_PEEK != 0, NeedRemoteAddr: m.name != 0})
	if err != nil {
		if _, ok := err.(*tcpip.ErrClosedForReceive); ok {
			return 0
		}
		return toErrno(err).Ret()
	}
	if m.name != 0 && m.namelen != 0 {
		s.putAddr(res.RemoteAddr, m.name, m.namelen)
	}
	return uintptr(res.Count)
}

func (s *inetSocket) send(m msg) uintptr {
	var buf bytes.Buffer
	for _, io := range m.v {
		buf.Write(user(io[0], io[1]))
	}
	opts := tcpip.WriteOptions{}
	if m.name != 0 {
		addr, e := s.parseAddr(m.name, m.namelen)
		if e != 0 {
			return e.Ret()
		}
		opts.To = &addr
	}
	n, err := s.ep.Write(&buf, opts)
	if err != nil {
		return toErrno(err).Ret()
	}
	return uintptr(n)
}

// setsockopt(fd, level, name, val, len).
func (s *inetSocket) setsockopt(a [6]uintptr) uintptr {
	level, name, val, n := int(a[1]), int(a[2]), a[3], a[4]
	v := 0
	if val != 0 && n >= 4 {
		v = int(int32(binary.LittleEndian.Uint32(user(val, 4))))
	}
	o := s.ep.SocketOptions()
	switch {
	case level == linux.SOL_SOCKET && name == linux.SO_REUSEADDR:
		o.SetReuseAddress(v != 0)
	case level == linux.SOL_SOCKET && name == linux.SO_REUSEPORT:
		o.SetReusePort(v != 0)
	case level == linux.SOL_SOCKET && name == linux.SO_KEEPALIVE:
		o.SetKeepAlive(v != 0)
	case level == linux.SOL_SOCKET && name == linux.SO_BROADCAST:
		o.SetBroadcast(v != 0)
	case level == linux.IPPROTO_TCP && name == linux.TCP_NODELAY:
		o.SetDelayOption(v == 0)
	case level == linux.IPPROTO_TCP && name == linux.TCP_KEEPIDLE:
		return result(0, s.ep.SetSockOpt(ptr(tcpip.KeepaliveIdleOption(time.Duration(v)*time.Second))))
	case level == linux.IPPROTO_TCP && name == linux.TCP_KEEPINTVL:
		return result(0, s.ep.SetSockOpt(ptr(tcpip.KeepaliveIntervalOption(time.Duration(v)*time.Second))))
	case level == linux.IPPROTO_TCP && name == linux.TCP_KEEPCNT:
		return result(0, s.ep.SetSockOptInt(tcpip.KeepaliveCountOption, v))
	case level == linux.IPPROTO_IPV6 && name == linux.IPV6_V6ONLY:
		o.SetV6Only(v != 0)
	}
	return 0 // other options (buffer sizes, linger): accepted, netstack's defaults stay
}

func ptr[T any](v T) *T { return &v }

// bufferSize is what SO_SNDBUF and SO_RCVBUF report.
const bufferSize = 1 << 20

// getsockopt(fd, level, name, val, lenp).
func (s *inetSocket) getsockopt(a [6]uintptr) uintptr {
	level, name, val, lenp := int(a[1]), int(a[2]), a[3], a[4]
	v := 0
	switch {
	case level == linux.SOL_SOCKET && name == linux.SO_ERROR:
		if err := s.ep.LastError(); err != nil {
			v = int(toErrno(err))
		}
	case level == linux.SOL_SOCKET && name == linux.SO_TYPE:
		v = s.typ
	case level == linux.SOL_SOCKET && (name == linux.SO_SNDBUF || name == linux.SO_RCVBUF):
		v = bufferSize
	case level == linux.IPPROTO_IPV6 && name == linux.IPV6_V6ONLY:
		if s.ep.SocketOptions().GetV6Only() {
			v = 1
		}
	}
	if val == 0 || lenp == 0 {
		return linux.EFAULT.Ret()
	}
	binary.LittleEndian.PutUint32(user(val, 4), uint32(int32(v)))
	binary.LittleEndian.PutUint32(user(lenp, 4), 4)
	return 0
}
