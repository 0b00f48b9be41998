package net

import (
	"bytes"
	"encoding/binary"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"

	"unigo/kernel/sys"
)

// The socket calls, as the kernel's server goroutine hands them over:
// a[0] is the socket's handle (for socket(2), the domain). Results are
// Linux syscall results (negative errno). Sockets are non-blocking, as Go
// makes them: a call that would block returns EAGAIN, and readiness goes
// to the kernel's epoll through SysNotify from netstack's waiter queues.

// Linux constants (include/uapi/linux/socket.h, in.h, tcp.h, asm-generic/socket.h).
const (
	afInet        = 2
	afInet6       = 10
	sockStream    = 1
	sockDgram     = 2
	ipprotoTCP    = 6
	ipprotoUDP    = 17
	ipprotoIPv6   = 41
	ipprotoMPTCP  = 262
	ipprotoICMP   = 1
	ipprotoICMPv6 = 58
	solSocket     = 1
	soReuseaddr   = 2
	soType        = 3
	soError       = 4
	soBroadcast   = 6
	soSndbuf      = 7
	soRcvbuf      = 8
	soKeepalive   = 9
	soReuseport   = 15
	tcpNodelay    = 1
	tcpKeepidle   = 4
	tcpKeepintvl  = 5
	tcpKeepcnt    = 6
	ipv6V6only    = 26
	msgPeek       = 2
	shutRD        = 0
	shutWR        = 1
	shutRDWR      = 2
)

// Linux errno values used here.
const (
	ePIPE           = 32
	eAGAIN          = 11
	eINVAL          = 22
	eFAULT          = 14
	eNOTSOCK        = 88
	eDESTADDRREQ    = 89
	eMSGSIZE        = 90
	ePROTONOSUPPORT = 93
	eOPNOTSUPP      = 95
	eAFNOSUPPORT    = 97
	eADDRINUSE      = 98
	eADDRNOTAVAIL   = 99
	eNETUNREACH     = 101
	eCONNABORTED    = 103
	eCONNRESET      = 104
	eNOBUFS         = 105
	eISCONN         = 106
	eNOTCONN        = 107
	eTIMEDOUT       = 110
	eCONNREFUSED    = 111
	eHOSTUNREACH    = 113
	eALREADY        = 114
	eINPROGRESS     = 115
	eNOPROTOOPT     = 92
	eBADF           = 9
	eACCES          = 13
)

type socket struct {
	peerCached atomic.Bool // the kernel has the peer's address
	ep         tcpip.Endpoint
	wq         *waiter.Queue
	entry      waiter.Entry
	family     int
	typ        int
	handle     int
}

var sockets struct {
	mu    sync.Mutex
	stack *stack.Stack
	all   map[int]handler
}

// handler is a socket of one kind: a netstack socket or a netlink socket
// (netlink.go); call answers one syscall on it.
type handler interface {
	call(nr uintptr, a [6]uintptr) uintptr
}

func errno(e int) uintptr { return uintptr(-e) }

// toErrno maps netstack errors to Linux errno values.
func toErrno(err tcpip.Error) int {
	switch err.(type) {
	case *tcpip.ErrWouldBlock:
		return eAGAIN
	case *tcpip.ErrConnectStarted:
		return eINPROGRESS
	case *tcpip.ErrConnectionRefused:
		return eCONNREFUSED
	case *tcpip.ErrConnectionReset:
		return eCONNRESET
	case *tcpip.ErrConnectionAborted, *tcpip.ErrAborted:
		return eCONNABORTED
	case *tcpip.ErrTimeout:
		return eTIMEDOUT
	case *tcpip.ErrPortInUse:
		return eADDRINUSE
	case *tcpip.ErrBadLocalAddress:
		return eADDRNOTAVAIL
	case *tcpip.ErrHostUnreachable:
		return eHOSTUNREACH
	case *tcpip.ErrNetworkUnreachable:
		return eNETUNREACH
	case *tcpip.ErrClosedForSend:
		return ePIPE
	case *tcpip.ErrNotConnected:
		return eNOTCONN
	case *tcpip.ErrAlreadyConnected:
		return eISCONN
	case *tcpip.ErrAlreadyConnecting:
		return eALREADY
	case *tcpip.ErrDestinationRequired:
		return eDESTADDRREQ
	case *tcpip.ErrAddressFamilyNotSupported:
		return eAFNOSUPPORT
	case *tcpip.ErrMessageTooLong:
		return eMSGSIZE
	case *tcpip.ErrNoBufferSpace:
		return eNOBUFS
	case *tcpip.ErrBroadcastDisabled:
		return eACCES
	case *tcpip.ErrNotSupported:
		return eOPNOTSUPP
	case *tcpip.ErrUnknownProtocolOption:
		return eNOPROTOOPT
	}
	return eINVAL
}

func result(n int, err tcpip.Error) uintptr {
	if err != nil {
		return errno(toErrno(err))
	}
	return uintptr(n)
}

// readinessMask is every event a socket reports (waiter uses Linux's epoll bits).
const readinessMask = waiter.ReadableEvents | waiter.WritableEvents | waiter.EventErr | waiter.EventHUp | waiter.EventRdHUp

// cacheAddrs gives the kernel the socket's addresses: it answers
// getsockname and getpeername itself (they are raw syscalls).
func (s *socket) cacheAddrs() {
	if a, err := s.ep.GetLocalAddress(); err == nil {
		s.cacheAddr(0, a)
	}
	if a, err := s.ep.GetRemoteAddress(); err == nil {
		s.cacheAddr(1, a)
		s.peerCached.Store(true)
	}
}

// cacheAddr gives the kernel the local (which = 0) or peer (1) address.
func (s *socket) cacheAddr(which int, a tcpip.FullAddress) {
	b := encodeSockaddr(a, s.family)
	syscall.RawSyscall6(sys.SysSockAddr, uintptr(s.handle), uintptr(which), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0)
}

// notify tells the kernel the socket's readiness; with edge, epoll
// waiters see a new event.
func (s *socket) notify(edge bool) {
	e := uintptr(0)
	if edge {
		e = 1
	}
	syscall.RawSyscall(sys.SysNotify, uintptr(s.handle), uintptr(s.ep.Readiness(readinessMask)), e)
}

func newSocket(ep tcpip.Endpoint, wq *waiter.Queue, family, typ, handle int) *socket {
	sockets.mu.Lock()
	if sockets.all == nil {
		sockets.all = map[int]handler{}
	}
	s := &socket{ep: ep, wq: wq, family: family, typ: typ, handle: handle}
	sockets.all[s.handle] = s
	sockets.mu.Unlock()
	s.entry = waiter.NewFunctionEntry(readinessMask, func(waiter.EventMask) { s.notify(true) })
	wq.EventRegister(&s.entry)
	return s
}

// call answers one socket syscall.
func call(nr uintptr, a [6]uintptr) uintptr {
	if nr == sysSocket {
		if a[0] == afNetlink {
			return netlinkSocketCall(int(a[1]), int(a[2]), int(a[3]))
		}
		return socketCall(int(a[0]), int(a[1]), int(a[2]), int(a[3]))
	}
	sockets.mu.Lock()
	s := sockets.all[int(a[0])]
	sockets.mu.Unlock()
	if s == nil {
		return errno(eBADF)
	}
	return s.call(nr, a)
}

// call answers one syscall on a netstack socket.
func (s *socket) call(nr uintptr, a [6]uintptr) uintptr {
	r := s.dispatch(nr, a)
	if nr != sysClose {
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

// Syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	sysRead       = 0
	sysWrite      = 1
	sysClose      = 3
	sysReadv      = 19
	sysWritev     = 20
	sysSocket     = 41
	sysConnect    = 42
	sysSendto     = 44
	sysRecvfrom   = 45
	sysSendmsg    = 46
	sysRecvmsg    = 47
	sysShutdown   = 48
	sysBind       = 49
	sysListen     = 50
	sysSetsockopt = 54
	sysGetsockopt = 55
	sysAccept4    = 288
)

// socketCall creates the endpoint of the socket the kernel already made
// (fd and handle); the kernel validated the arguments.
func socketCall(domain, typ, proto, handle int) uintptr {
	var netProto tcpip.NetworkProtocolNumber
	switch domain {
	case afInet:
		netProto = ipv4.ProtocolNumber
	case afInet6:
		netProto = ipv6.ProtocolNumber
	default:
		return errno(eAFNOSUPPORT)
	}
	var tp tcpip.TransportProtocolNumber
	switch typ & 0xF {
	case sockStream:
		if proto != 0 && proto != ipprotoTCP {
			return errno(ePROTONOSUPPORT) // MPTCP too: Go falls back to TCP
		}
		tp = tcp.ProtocolNumber
	case sockDgram:
		switch proto {
		case 0, ipprotoUDP:
			tp = udp.ProtocolNumber
		case ipprotoICMP:
			tp = icmp.ProtocolNumber4
		case ipprotoICMPv6:
			tp = icmp.ProtocolNumber6
		default:
			return errno(ePROTONOSUPPORT)
		}
	default:
		return errno(ePROTONOSUPPORT)
	}
	wq := new(waiter.Queue)
	ep, err := sockets.stack.NewEndpoint(tp, netProto, wq)
	if err != nil {
		return errno(toErrno(err))
	}
	newSocket(ep, wq, domain, typ&0xF, handle).notify(true)
	return 0
}

// sendArgs decodes the send family (write, writev, sendto, sendmsg):
// the data, and the destination's sockaddr and its length (0 for none).
func sendArgs(nr uintptr, a [6]uintptr) (v iovec, name, namelen uintptr) {
	switch nr {
	case sysWritev:
		return readIovec(a[1], a[2]), 0, 0
	case sysSendto:
		return iovec{{a[1], a[2]}}, a[4], a[5]
	case sysSendmsg: // struct msghdr: name, namelen, iov, iovlen, ...
		m := user(a[1], 56)
		return readIovec(uintptr(le64(m[16:])), uintptr(le64(m[24:]))), uintptr(le64(m[0:])), uintptr(binary.LittleEndian.Uint32(m[8:]))
	}
	return iovec{{a[1], a[2]}}, 0, 0 // write
}

func (s *socket) dispatch(nr uintptr, a [6]uintptr) uintptr {
	switch nr {
	case sysClose:
		s.wq.EventUnregister(&s.entry)
		s.ep.Close()
		sockets.mu.Lock()
		delete(sockets.all, s.handle)
		sockets.mu.Unlock()
		return 0
	case sysBind:
		addr, e := s.parseAddr(a[1], a[2])
		if e != 0 {
			return errno(e)
		}
		defer s.cacheAddrs()
		return result(0, s.ep.Bind(addr))
	case sysListen:
		defer s.cacheAddrs()
		return result(0, s.ep.Listen(int(a[1])))
	case sysConnect:
		addr, e := s.parseAddr(a[1], a[2])
		if e != 0 {
			return errno(e)
		}
		defer s.cacheAddrs()
		return result(0, s.ep.Connect(addr))
	case sysAccept4:
		var peer tcpip.FullAddress
		ep, wq, err := s.ep.Accept(&peer)
		if err != nil {
			return errno(toErrno(err))
		}
		h, _, e := syscall.RawSyscall(sys.SysSockAlloc, 0, 0, 0)
		if e != 0 {
			ep.Close()
			return errno(int(e))
		}
		if a[1] != 0 {
			s.putAddr(peer, a[1], a[2])
		}
		n := newSocket(ep, wq, s.family, s.typ, int(h))
		n.cacheAddrs()
		n.notify(true)
		return h
	case sysRead:
		return s.recv(iovec{{a[1], a[2]}}, 0, 0, 0)
	case sysReadv:
		return s.recv(readIovec(a[1], a[2]), 0, 0, 0)
	case sysRecvfrom:
		return s.recv(iovec{{a[1], a[2]}}, int(a[3]), a[4], a[5])
	case sysRecvmsg:
		m := user(a[1], 56)
		name, namelen := uintptr(le64(m[0:])), uintptr(unsafe.Pointer(&m[8]))
		return s.recv(readIovec(uintptr(le64(m[16:])), uintptr(le64(m[24:]))), int(a[2]), name, namelenPtr(name, namelen))
	case sysWrite, sysWritev, sysSendto, sysSendmsg:
		return s.send(sendArgs(nr, a))
	case sysShutdown:
		var f tcpip.ShutdownFlags
		switch int(a[1]) {
		case shutRD:
			f = tcpip.ShutdownRead
		case shutWR:
			f = tcpip.ShutdownWrite
		case shutRDWR:
			f = tcpip.ShutdownRead | tcpip.ShutdownWrite
		default:
			return errno(eINVAL)
		}
		return result(0, s.ep.Shutdown(f))
	case sysSetsockopt:
		return s.setsockopt(int(a[1]), int(a[2]), a[3], a[4])
	case sysGetsockopt:
		return s.getsockopt(int(a[1]), int(a[2]), a[3], a[4])
	}
	return errno(eOPNOTSUPP)
}

// namelenPtr is the address of msg_namelen when there is a name buffer.
func namelenPtr(name, p uintptr) uintptr {
	if name == 0 {
		return 0
	}
	return p
}

type iovec [][2]uintptr

func readIovec(addr, n uintptr) iovec {
	if n > 1024 {
		n = 1024
	}
	raw := user(addr, 16*n)
	v := make(iovec, n)
	for i := range v {
		v[i] = [2]uintptr{uintptr(le64(raw[16*i:])), uintptr(le64(raw[16*i+8:]))}
	}
	return v
}

// iovWriter writes into the caller's iovecs.
type iovWriter struct {
	v iovec
	n int
}

func (w *iovWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 && len(w.v) > 0 {
		b := user(w.v[0][0], w.v[0][1])
		c := copy(b, p)
		p, total = p[c:], total+c
		if c == len(b) {
			w.v = w.v[1:]
		} else {
			w.v[0][0] += uintptr(c)
			w.v[0][1] -= uintptr(c)
		}
	}
	w.n += total
	if len(p) > 0 {
		return total, io.ErrShortWrite
	}
	return total, nil
}

func (s *socket) recv(v iovec, flags int, name, namelen uintptr) uintptr {
	w := &iovWriter{v: v}
	res, err := s.ep.Read(w, tcpip.ReadOptions{Peek: flags&msgPeek != 0, NeedRemoteAddr: name != 0})
	if err != nil {
		if _, ok := err.(*tcpip.ErrClosedForReceive); ok {
			return 0
		}
		return errno(toErrno(err))
	}
	if name != 0 && namelen != 0 {
		s.putAddr(res.RemoteAddr, name, namelen)
	}
	return uintptr(res.Count)
}

func (s *socket) send(v iovec, name, namelen uintptr) uintptr {
	var buf bytes.Buffer
	for _, io := range v {
		buf.Write(user(io[0], io[1]))
	}
	opts := tcpip.WriteOptions{}
	if name != 0 {
		addr, e := s.parseAddr(name, namelen)
		if e != 0 {
			return errno(e)
		}
		opts.To = &addr
	}
	n, err := s.ep.Write(&buf, opts)
	if err != nil {
		return errno(toErrno(err))
	}
	return uintptr(n)
}

func (s *socket) setsockopt(level, name int, val, n uintptr) uintptr {
	v := 0
	if val != 0 && n >= 4 {
		v = int(int32(binary.LittleEndian.Uint32(user(val, 4))))
	}
	o := s.ep.SocketOptions()
	switch {
	case level == solSocket && name == soReuseaddr:
		o.SetReuseAddress(v != 0)
	case level == solSocket && name == soReuseport:
		o.SetReusePort(v != 0)
	case level == solSocket && name == soKeepalive:
		o.SetKeepAlive(v != 0)
	case level == solSocket && name == soBroadcast:
		o.SetBroadcast(v != 0)
	case level == ipprotoTCP && name == tcpNodelay:
		o.SetDelayOption(v == 0)
	case level == ipprotoTCP && name == tcpKeepidle:
		return result(0, s.ep.SetSockOpt(ptr(tcpip.KeepaliveIdleOption(time.Duration(v)*time.Second))))
	case level == ipprotoTCP && name == tcpKeepintvl:
		return result(0, s.ep.SetSockOpt(ptr(tcpip.KeepaliveIntervalOption(time.Duration(v)*time.Second))))
	case level == ipprotoTCP && name == tcpKeepcnt:
		return result(0, s.ep.SetSockOptInt(tcpip.KeepaliveCountOption, v))
	case level == ipprotoIPv6 && name == ipv6V6only:
		o.SetV6Only(v != 0)
	}
	return 0 // other options (buffer sizes, linger): accepted, netstack's defaults stay
}

func ptr[T any](v T) *T { return &v }

func (s *socket) getsockopt(level, name int, val, lenp uintptr) uintptr {
	v := 0
	switch {
	case level == solSocket && name == soError:
		if err := s.ep.LastError(); err != nil {
			v = toErrno(err)
		}
	case level == solSocket && name == soType:
		v = s.typ
	case level == solSocket && (name == soSndbuf || name == soRcvbuf):
		v = 1 << 20
	case level == ipprotoIPv6 && name == ipv6V6only:
		if s.ep.SocketOptions().GetV6Only() {
			v = 1
		}
	}
	if val == 0 || lenp == 0 {
		return errno(eFAULT)
	}
	binary.LittleEndian.PutUint32(user(val, 4), uint32(int32(v)))
	binary.LittleEndian.PutUint32(user(lenp, 4), 4)
	return 0
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
