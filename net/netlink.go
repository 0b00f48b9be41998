package net

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/waiter"

	"unigo/kernel/sys"
)

// Route netlink (AF_NETLINK, NETLINK_ROUTE), as much as Go's net package
// needs: net.Interfaces and net.InterfaceAddrs send RTM_GETLINK and
// RTM_GETADDR dump requests (syscall.NetlinkRIB) and read the replies
// until NLMSG_DONE. A send answers its requests at once from the stack's
// NICs and addresses and queues the replies on the socket; a receive
// returns as many whole queued messages as fit. Any other request gets
// an NLMSG_ERROR with EOPNOTSUPP. There are no notifications (multicast
// groups are accepted and stay silent) and no messages between sockets.
//
// Messages are in the host's byte order (x86-64: little-endian).

// Linux constants: include/uapi/linux/socket.h, netlink.h, rtnetlink.h,
// if_link.h, if_addr.h, if.h, asm-generic/socket.h, linux/socket.h.
const (
	afUnspec        = 0
	afNetlink       = 16
	sockRaw         = 3
	netlinkRoute    = 0
	solNetlink      = 270 // SOL_NETLINK (linux/socket.h)
	soSndbufforce   = 32
	soRcvbufforce   = 33
	soProtocol      = 38
	soDomain        = 39
	msgTrunc        = 0x20
	eSOCKTNOSUPPORT = 94

	sizeofSockaddrNl = 12 // struct sockaddr_nl: family u16, pad u16, pid u32, groups u32
	nlmsgHdrLen      = 16 // struct nlmsghdr: len u32, type u16, flags u16, seq u32, pid u32
	nlmsgAlignTo     = 4  // NLMSG_ALIGNTO
	rtaAlignTo       = 4  // RTA_ALIGNTO (NLA_ALIGNTO)
	sizeofIfinfomsg  = 16 // struct ifinfomsg: family u8, pad u8, type u16, index i32, flags u32, change u32
	sizeofIfaddrmsg  = 8  // struct ifaddrmsg: family u8, prefixlen u8, flags u8, scope u8, index u32

	nlmsgNoop    = 1
	nlmsgError   = 2
	nlmsgDone    = 3
	nlmsgMinType = 0x10 // types below are control messages

	nlmFRequest = 0x1
	nlmFMulti   = 0x2
	nlmFAck     = 0x4
	nlmFDump    = 0x300 // NLM_F_ROOT | NLM_F_MATCH
	nlmFCapped  = 0x100 // an ack's echoed request is the header only

	rtmNewLink = 16
	rtmGetLink = 18
	rtmNewAddr = 20
	rtmGetAddr = 22

	iflaAddress   = 1
	iflaBroadcast = 2
	iflaIfname    = 3
	iflaMTU       = 4
	iflaOperstate = 16

	ifaAddress    = 1
	ifaLocal      = 2
	ifaLabel      = 3
	ifaBroadcast  = 4
	ifaFPermanent = 0x80

	iffUp        = 0x1
	iffBroadcast = 0x2
	iffLoopback  = 0x8
	iffRunning   = 0x40
	iffPromisc   = 0x100
	iffMulticast = 0x1000

	ifOperUnknown = 0 // RFC 2863 operational states (IF_OPER_*)
	ifOperDown    = 2
	ifOperUp      = 6

	rtScopeUniverse = 0
	rtScopeLink     = 253
	rtScopeHost     = 254

	arphrdEther    = 1 // include/uapi/linux/if_arp.h
	arphrdLoopback = 772
	arphrdNone     = 0xFFFE
)

// nlQueueMax bounds a socket's unread replies; past it, replies are
// dropped and the next receive fails with ENOBUFS, as Linux's full
// receive buffer does. It is also what SO_RCVBUF reports.
const nlQueueMax = 1 << 20

var ne = binary.NativeEndian

// nlLink describes an interface for RTM_NEWLINK.
type nlLink struct {
	Index int32
	Name  string
	Type  uint16 // ARPHRD_* (include/uapi/linux/if_arp.h)
	Flags uint32 // IFF_*
	MTU   uint32
	Oper  uint8  // IF_OPER_*
	Addr  []byte // hardware address; none if empty
	Brd   []byte // hardware broadcast address; none if empty
}

// nlAddr describes an interface address for RTM_NEWADDR.
type nlAddr struct {
	Index  int32
	Family uint8 // AF_INET or AF_INET6
	Prefix uint8
	Scope  uint8  // RT_SCOPE_*
	Addr   []byte // 4 or 16 bytes
	Brd    []byte // IPv4 broadcast address; none if empty
	Label  string // the interface's name (IFA_LABEL, IPv4 only)
}

func nlAlign(n int) int { return (n + nlmsgAlignTo - 1) &^ (nlmsgAlignTo - 1) }

// nlMessage is one message, padded to NLMSG_ALIGNTO.
func nlMessage(typ, flags uint16, seq, port uint32, body []byte) []byte {
	n := nlmsgHdrLen + len(body)
	m := make([]byte, nlAlign(n))
	ne.PutUint32(m[0:], uint32(n))
	ne.PutUint16(m[4:], typ)
	ne.PutUint16(m[6:], flags)
	ne.PutUint32(m[8:], seq)
	ne.PutUint32(m[12:], port)
	copy(m[nlmsgHdrLen:], body)
	return m
}

// nlAttr appends a route attribute (struct rtattr: len u16, type u16,
// then the value), padded to RTA_ALIGNTO; b's length is aligned.
func nlAttr(b []byte, typ uint16, v []byte) []byte {
	b = ne.AppendUint16(b, uint16(4+len(v)))
	b = ne.AppendUint16(b, typ)
	b = append(b, v...)
	for len(b)%rtaAlignTo != 0 {
		b = append(b, 0)
	}
	return b
}

// linkMessage is the RTM_NEWLINK message of l in a dump.
func linkMessage(l nlLink, seq, port uint32) []byte {
	b := make([]byte, sizeofIfinfomsg, 128)
	b[0] = afUnspec
	ne.PutUint16(b[2:], l.Type)
	ne.PutUint32(b[4:], uint32(l.Index))
	ne.PutUint32(b[8:], l.Flags)
	// ifi_change (b[12:16]) is 0 in a dump.
	b = nlAttr(b, iflaIfname, append([]byte(l.Name), 0))
	b = nlAttr(b, iflaMTU, ne.AppendUint32(nil, l.MTU))
	b = nlAttr(b, iflaOperstate, []byte{l.Oper})
	if len(l.Addr) > 0 {
		b = nlAttr(b, iflaAddress, l.Addr)
	}
	if len(l.Brd) > 0 {
		b = nlAttr(b, iflaBroadcast, l.Brd)
	}
	return nlMessage(rtmNewLink, nlmFMulti, seq, port, b)
}

// addrMessage is the RTM_NEWADDR message of a in a dump. For IPv4, Go
// reads the first attribute after IFA_ADDRESS when there is an
// IFA_LOCAL: it comes right after.
func addrMessage(a nlAddr, seq, port uint32) []byte {
	b := make([]byte, sizeofIfaddrmsg, 64)
	b[0], b[1], b[2], b[3] = a.Family, a.Prefix, ifaFPermanent, a.Scope
	ne.PutUint32(b[4:], uint32(a.Index))
	b = nlAttr(b, ifaAddress, a.Addr)
	if a.Family == afInet {
		b = nlAttr(b, ifaLocal, a.Addr)
		if len(a.Brd) > 0 {
			b = nlAttr(b, ifaBroadcast, a.Brd)
		}
		b = nlAttr(b, ifaLabel, append([]byte(a.Label), 0))
	}
	return nlMessage(rtmNewAddr, nlmFMulti, seq, port, b)
}

// doneMessage ends a dump (its payload is an int, 0).
func doneMessage(seq, port uint32) []byte {
	return nlMessage(nlmsgDone, nlmFMulti, seq, port, make([]byte, 4))
}

// errorMessage answers request req with errno e (0: an ack). An error
// echoes the whole request, an ack its header only (NLM_F_CAPPED).
func errorMessage(req []byte, e int, port uint32) []byte {
	echo, flags := req, uint16(0)
	if e == 0 {
		echo, flags = req[:nlmsgHdrLen], nlmFCapped
	}
	body := ne.AppendUint32(nil, uint32(int32(-e)))
	body = append(body, echo...)
	return nlMessage(nlmsgError, flags, ne.Uint32(req[8:]), port, body)
}

// nlRespond answers the requests in b, the bytes of one send from the
// socket with port id port, and returns the replies. A message whose
// length is impossible ends the batch silently, as on Linux. ifaces
// gives the stack's links and addresses.
func nlRespond(b []byte, port uint32, ifaces func() ([]nlLink, []nlAddr)) [][]byte {
	var out [][]byte
	for len(b) >= nlmsgHdrLen {
		n := int(ne.Uint32(b))
		if n < nlmsgHdrLen || n > len(b) {
			break
		}
		req := b[:n]
		typ, flags, seq := ne.Uint16(req[4:]), ne.Uint16(req[6:]), ne.Uint32(req[8:])
		family := uint8(afUnspec) // rtgenmsg, ifinfomsg and ifaddrmsg all start with it
		if n > nlmsgHdrLen {
			family = req[nlmsgHdrLen]
		}
		dump := flags&nlmFRequest != 0 && flags&nlmFDump != 0
		switch {
		case flags&nlmFRequest == 0 || typ < nlmsgMinType:
			// Not a request, or a control message: nothing to do.
			if flags&nlmFAck != 0 {
				out = append(out, errorMessage(req, 0, port))
			}
		case typ == rtmGetLink && dump:
			links, _ := ifaces()
			for _, l := range links {
				out = append(out, linkMessage(l, seq, port))
			}
			out = append(out, doneMessage(seq, port))
		case typ == rtmGetAddr && dump:
			_, addrs := ifaces()
			for _, a := range addrs {
				if family == afUnspec || family == a.Family {
					out = append(out, addrMessage(a, seq, port))
				}
			}
			out = append(out, doneMessage(seq, port))
		default:
			out = append(out, errorMessage(req, eOPNOTSUPP, port))
		}
		if nlAlign(n) >= len(b) {
			break
		}
		b = b[nlAlign(n):]
	}
	return out
}

// stackInterfaces describes the stack's NICs, in NIC id order (the NIC
// id is the interface index), and their addresses: as Linux dumps them,
// the IPv4 addresses of every NIC, then the IPv6 ones. NICs without a
// name are "lo" (loopback) and eth0, eth1...
func stackInterfaces(s *stack.Stack) ([]nlLink, []nlAddr) {
	if s == nil {
		return nil, nil
	}
	infos := s.NICInfo()
	all := s.AllAddresses()
	ids := make([]tcpip.NICID, 0, len(infos))
	for id := range infos {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var links []nlLink
	var addrs []nlAddr
	eth := 0
	for _, id := range ids {
		info := infos[id]
		l := nlLink{Index: int32(id), Name: info.Name, Type: arphrd(info.ARPHardwareType), Flags: iffUp, MTU: info.MTU}
		if info.Flags.Running {
			l.Flags |= iffRunning
		}
		if info.Flags.Promiscuous {
			l.Flags |= iffPromisc
		}
		if info.Flags.Loopback {
			l.Flags |= iffLoopback
			if l.Name == "" {
				l.Name = "lo"
			}
			l.Oper = ifOperUnknown                           // as Linux's lo
			l.Addr, l.Brd = make([]byte, 6), make([]byte, 6) // as Linux's lo: all zero
		} else {
			l.Flags |= iffBroadcast | iffMulticast
			if l.Name == "" {
				l.Name = fmt.Sprintf("eth%d", eth)
				eth++
			}
			l.Oper = ifOperDown
			if info.Flags.Running {
				l.Oper = ifOperUp
			}
			if mac := []byte(info.LinkAddress); len(mac) > 0 {
				l.Addr, l.Brd = mac, bytes.Repeat([]byte{0xff}, len(mac))
			}
		}
		links = append(links, l)

		pas := slices.Clone(all[id])
		slices.SortFunc(pas, func(x, y tcpip.ProtocolAddress) int {
			ax, ay := x.AddressWithPrefix.Address, y.AddressWithPrefix.Address
			if c := cmp.Compare(ax.Len(), ay.Len()); c != 0 {
				return c
			}
			return bytes.Compare(ax.AsSlice(), ay.AsSlice())
		})
		for _, pa := range pas {
			if pa.AddressWithPrefix.Address == header.IPv4Broadcast {
				continue // netstack's own, to receive limited broadcasts
			}
			ip := pa.AddressWithPrefix.Address.AsSlice()
			a := nlAddr{Index: int32(id), Prefix: uint8(pa.AddressWithPrefix.PrefixLen), Scope: addrScope(ip), Addr: ip, Label: l.Name}
			switch len(ip) {
			case 4:
				a.Family = afInet
				if l.Flags&iffBroadcast != 0 && a.Prefix < 31 {
					a.Brd = make([]byte, 4)
					host := ^uint32(0) >> a.Prefix
					binary.BigEndian.PutUint32(a.Brd, binary.BigEndian.Uint32(ip)|host)
				}
			case 16:
				a.Family = afInet6
			default:
				continue
			}
			addrs = append(addrs, a)
		}
	}
	slices.SortStableFunc(addrs, func(x, y nlAddr) int { return cmp.Compare(x.Family, y.Family) })
	return links, addrs
}

// arphrd is the Linux ARPHRD_* of a netstack hardware type (they differ).
func arphrd(t header.ARPHardwareType) uint16 {
	switch t {
	case header.ARPHardwareEther:
		return arphrdEther
	case header.ARPHardwareLoopback:
		return arphrdLoopback
	}
	return arphrdNone
}

// addrScope is an address's RT_SCOPE_*: host for loopback addresses
// (127.0.0.0/8, ::1), link for IPv6 link-local (fe80::/10), else universe.
func addrScope(ip []byte) uint8 {
	switch {
	case len(ip) == 4 && ip[0] == 127:
		return rtScopeHost
	case len(ip) == 16 && bytes.Equal(ip, append(make([]byte, 15), 1)):
		return rtScopeHost
	case len(ip) == 16 && ip[0] == 0xfe && ip[1]&0xc0 == 0x80:
		return rtScopeLink
	}
	return rtScopeUniverse
}

// nlSetAddr and nlNotify reach the kernel's socket table (SysSockAddr,
// SysNotify); host tests replace them.
var (
	nlSetAddr = func(handle int, sa []byte) {
		syscall.RawSyscall6(sys.SysSockAddr, uintptr(handle), 0, uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa)), 0, 0)
	}
	nlNotify = func(handle int, events uint32, edge bool) {
		e := uintptr(0)
		if edge {
			e = 1
		}
		syscall.RawSyscall(sys.SysNotify, uintptr(handle), uintptr(events), e)
	}
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

// netlinkSocketCall creates the netlink socket of the fd and handle the
// kernel made.
func netlinkSocketCall(typ, proto, handle int) uintptr {
	if proto != netlinkRoute {
		return errno(ePROTONOSUPPORT)
	}
	if t := typ & 0xF; t != sockRaw && t != sockDgram {
		return errno(eSOCKTNOSUPPORT)
	}
	s := &nlSocket{handle: handle, typ: typ & 0xF, stack: sockets.stack}
	sockets.mu.Lock()
	if sockets.all == nil {
		sockets.all = map[int]handler{}
	}
	sockets.all[handle] = s
	sockets.mu.Unlock()
	s.notify(true)
	return 0
}

// call answers one syscall on the socket, then tells the kernel its
// readiness: always writable, readable while replies wait.
func (s *nlSocket) call(nr uintptr, a [6]uintptr) uintptr {
	s.mu.Lock()
	before := s.arrivals
	r := s.dispatch(nr, a)
	edge := s.arrivals != before
	s.mu.Unlock()
	if nr != sysClose {
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

func (s *nlSocket) dispatch(nr uintptr, a [6]uintptr) uintptr {
	switch nr {
	case sysClose:
		sockets.mu.Lock()
		delete(sockets.all, s.handle)
		sockets.mu.Unlock()
		s.queue, s.queued = nil, 0
		return 0
	case sysBind:
		port, groups, e := nlSockaddr(a[1], a[2])
		if e != 0 {
			return errno(e)
		}
		return errno(s.bind(port, groups))
	case sysConnect:
		// Only the kernel (port 0) answers: there are no messages
		// between sockets.
		port, _, e := nlSockaddr(a[1], a[2])
		if e != 0 {
			return errno(e)
		}
		if port != 0 {
			return errno(eCONNREFUSED)
		}
		s.autobind()
		return 0
	case sysRead:
		r, _ := s.recv(iovec{{a[1], a[2]}}, 0, 0, 0)
		return r
	case sysReadv:
		r, _ := s.recv(readIovec(a[1], a[2]), 0, 0, 0)
		return r
	case sysRecvfrom:
		r, _ := s.recv(iovec{{a[1], a[2]}}, int(a[3]), a[4], a[5])
		return r
	case sysRecvmsg:
		m := user(a[1], 56) // struct msghdr
		name, namelen := uintptr(le64(m[0:])), uintptr(unsafe.Pointer(&m[8]))
		r, trunc := s.recv(readIovec(uintptr(le64(m[16:])), uintptr(le64(m[24:]))), int(a[2]), name, namelenPtr(name, namelen))
		if int(r) >= 0 {
			binary.LittleEndian.PutUint64(m[40:], 0) // msg_controllen: no control messages
			flags := uint32(0)
			if trunc {
				flags = msgTrunc
			}
			binary.LittleEndian.PutUint32(m[48:], flags)
		}
		return r
	case sysWrite, sysWritev, sysSendto, sysSendmsg:
		return s.send(sendArgs(nr, a))
	case sysSetsockopt:
		return s.setsockopt(int(a[1]), int(a[2]))
	case sysGetsockopt:
		return s.getsockopt(int(a[1]), int(a[2]), a[3], a[4])
	}
	return errno(eOPNOTSUPP) // listen, accept, shutdown
}

// nlSockaddr reads a struct sockaddr_nl.
func nlSockaddr(addr, n uintptr) (port, groups uint32, e int) {
	if addr == 0 || n < sizeofSockaddrNl || n > 128 {
		return 0, 0, eINVAL
	}
	b := user(addr, sizeofSockaddrNl)
	if ne.Uint16(b) != afNetlink {
		return 0, 0, eINVAL
	}
	return ne.Uint32(b[4:]), ne.Uint32(b[8:]), 0
}

// sockaddr is the struct sockaddr_nl of port id port and groups.
func sockaddrNl(port, groups uint32) []byte {
	b := make([]byte, sizeofSockaddrNl)
	ne.PutUint16(b, afNetlink)
	ne.PutUint32(b[4:], port)
	ne.PutUint32(b[8:], groups)
	return b
}

// bind takes port id port (0: one of its own) and returns an errno.
func (s *nlSocket) bind(port, groups uint32) int {
	if cur := s.port.Load(); cur != 0 {
		if port != 0 && port != cur {
			return eINVAL // bound already
		}
	} else if port == 0 {
		s.autobind()
	} else if !s.claim(port) {
		return eADDRINUSE
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
func (s *nlSocket) send(v iovec, name, namelen uintptr) uintptr {
	if name != 0 && namelen != 0 {
		port, _, e := nlSockaddr(name, namelen)
		if e != 0 {
			return errno(e)
		}
		if port != 0 {
			return errno(eCONNREFUSED) // only the kernel answers
		}
	}
	var req []byte
	for _, io := range v {
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
func (s *nlSocket) recv(v iovec, flags int, name, namelen uintptr) (r uintptr, trunc bool) {
	if s.overrun {
		s.overrun = false
		return errno(eNOBUFS), false
	}
	if len(s.queue) == 0 {
		return errno(eAGAIN), false
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
	if flags&msgPeek == 0 {
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
	if trunc && flags&msgTrunc != 0 {
		return uintptr(size), true
	}
	return uintptr(w.n), trunc
}

// setsockopt accepts the buffer sizes and every SOL_NETLINK option
// (membership, extended acks, strict checking...) and ignores them.
func (s *nlSocket) setsockopt(level, name int) uintptr {
	switch {
	case level == solSocket && (name == soSndbuf || name == soRcvbuf || name == soSndbufforce || name == soRcvbufforce):
	case level == solNetlink:
	default:
		return errno(eNOPROTOOPT)
	}
	return 0
}

func (s *nlSocket) getsockopt(level, name int, val, lenp uintptr) uintptr {
	v := 0
	switch {
	case level == solSocket && name == soType:
		v = s.typ
	case level == solSocket && name == soDomain:
		v = afNetlink
	case level == solSocket && name == soProtocol:
		v = netlinkRoute
	case level == solSocket && name == soError:
	case level == solSocket && (name == soSndbuf || name == soRcvbuf):
		v = nlQueueMax
	case level == solNetlink:
	default:
		return errno(eNOPROTOOPT)
	}
	if val == 0 || lenp == 0 {
		return errno(eFAULT)
	}
	if int32(binary.LittleEndian.Uint32(user(lenp, 4))) < 4 {
		return errno(eINVAL)
	}
	binary.LittleEndian.PutUint32(user(val, 4), uint32(int32(v)))
	binary.LittleEndian.PutUint32(user(lenp, 4), 4)
	return 0
}
