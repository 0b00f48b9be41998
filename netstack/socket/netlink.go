package socket

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/kernel/abi/linux"
)

// Route netlink (AF_NETLINK, NETLINK_ROUTE) messages, as much as Go's net package
// needs: net.Interfaces and net.InterfaceAddrs send RTM_GETLINK and
// RTM_GETADDR dump requests (syscall.NetlinkRIB) and read the replies
// until NLMSG_DONE. A send answers its requests at once from the stack's
// NICs and addresses (nlRespond) and queues the replies on the socket
// (nlsocket.go). Any other request gets an NLMSG_ERROR with EOPNOTSUPP. There are no notifications (multicast
// groups are accepted and stay silent) and no messages between sockets.
//
// Messages are in the host's byte order (x86-64: little-endian).

var ne = binary.NativeEndian

// Field offsets of struct nlmsghdr (include/uapi/linux/netlink.h: len
// u32, type u16, flags u16, seq u32, pid u32), struct ifinfomsg
// (rtnetlink.h: family u8, pad u8, type u16, index s32, flags u32,
// change u32) and struct ifaddrmsg (if_addr.h: family u8, prefixlen u8,
// flags u8, scope u8, index u32).
const (
	nlmsgLen   = 0
	nlmsgType  = 4
	nlmsgFlags = 6
	nlmsgSeq   = 8
	nlmsgPid   = 12

	ifiFamily = 0
	ifiType   = 2
	ifiIndex  = 4
	ifiFlags  = 8

	ifaFamily    = 0
	ifaPrefixlen = 1
	ifaFlags     = 2
	ifaScope     = 3
	ifaIndex     = 4
)

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

func nlAlign(n int) int { return (n + linux.NLMSG_ALIGNTO - 1) &^ (linux.NLMSG_ALIGNTO - 1) }

// nlMessage is one message, padded to NLMSG_ALIGNTO.
func nlMessage(typ, flags uint16, seq, port uint32, body []byte) []byte {
	n := linux.SizeofNlMsghdr + len(body)
	m := make([]byte, nlAlign(n))
	ne.PutUint32(m[nlmsgLen:], uint32(n))
	ne.PutUint16(m[nlmsgType:], typ)
	ne.PutUint16(m[nlmsgFlags:], flags)
	ne.PutUint32(m[nlmsgSeq:], seq)
	ne.PutUint32(m[nlmsgPid:], port)
	copy(m[linux.SizeofNlMsghdr:], body)
	return m
}

// nlAttr appends a route attribute (struct rtattr: len u16, type u16,
// then the value), padded to RTA_ALIGNTO; b's length is aligned.
func nlAttr(b []byte, typ uint16, v []byte) []byte {
	b = ne.AppendUint16(b, uint16(linux.SizeofRtAttr+len(v)))
	b = ne.AppendUint16(b, typ)
	b = append(b, v...)
	for len(b)%linux.RTA_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

// linkMessage is the RTM_NEWLINK message of l in a dump.
func linkMessage(l nlLink, seq, port uint32) []byte {
	b := make([]byte, linux.SizeofIfInfomsg, 128)
	b[ifiFamily] = linux.AF_UNSPEC
	ne.PutUint16(b[ifiType:], l.Type)
	ne.PutUint32(b[ifiIndex:], uint32(l.Index))
	ne.PutUint32(b[ifiFlags:], l.Flags)
	// ifi_change is 0 in a dump.
	b = nlAttr(b, linux.IFLA_IFNAME, append([]byte(l.Name), 0))
	b = nlAttr(b, linux.IFLA_MTU, ne.AppendUint32(nil, l.MTU))
	b = nlAttr(b, linux.IFLA_OPERSTATE, []byte{l.Oper})
	if len(l.Addr) > 0 {
		b = nlAttr(b, linux.IFLA_ADDRESS, l.Addr)
	}
	if len(l.Brd) > 0 {
		b = nlAttr(b, linux.IFLA_BROADCAST, l.Brd)
	}
	return nlMessage(linux.RTM_NEWLINK, linux.NLM_F_MULTI, seq, port, b)
}

// addrMessage is the RTM_NEWADDR message of a in a dump. For IPv4, Go
// reads the first attribute after IFA_ADDRESS when there is an
// IFA_LOCAL: it comes right after.
func addrMessage(a nlAddr, seq, port uint32) []byte {
	b := make([]byte, linux.SizeofIfAddrmsg, 64)
	b[ifaFamily], b[ifaPrefixlen], b[ifaFlags], b[ifaScope] = a.Family, a.Prefix, linux.IFA_F_PERMANENT, a.Scope
	ne.PutUint32(b[ifaIndex:], uint32(a.Index))
	b = nlAttr(b, linux.IFA_ADDRESS, a.Addr)
	if a.Family == linux.AF_INET {
		b = nlAttr(b, linux.IFA_LOCAL, a.Addr)
		if len(a.Brd) > 0 {
			b = nlAttr(b, linux.IFA_BROADCAST, a.Brd)
		}
		b = nlAttr(b, linux.IFA_LABEL, append([]byte(a.Label), 0))
	}
	return nlMessage(linux.RTM_NEWADDR, linux.NLM_F_MULTI, seq, port, b)
}

// doneMessage ends a dump (its payload is an int, 0).
func doneMessage(seq, port uint32) []byte {
	return nlMessage(linux.NLMSG_DONE, linux.NLM_F_MULTI, seq, port, make([]byte, 4))
}

// errorMessage answers request req with errno e (0: an ack). An error
// echoes the whole request, an ack its header only (NLM_F_CAPPED).
func errorMessage(req []byte, e linux.Errno, port uint32) []byte {
	echo, flags := req, uint16(0)
	if e == 0 {
		echo, flags = req[:linux.SizeofNlMsghdr], linux.NLM_F_CAPPED
	}
	body := ne.AppendUint32(nil, uint32(int32(-e)))
	body = append(body, echo...)
	return nlMessage(linux.NLMSG_ERROR, flags, ne.Uint32(req[nlmsgSeq:]), port, body)
}

// nlRespond answers the requests in b, the bytes of one send from the
// socket with port id port, and returns the replies. A message whose
// length is impossible ends the batch silently, as on Linux. ifaces
// gives the stack's links and addresses.
func nlRespond(b []byte, port uint32, ifaces func() ([]nlLink, []nlAddr)) [][]byte {
	var out [][]byte
	for len(b) >= linux.SizeofNlMsghdr {
		n := int(ne.Uint32(b[nlmsgLen:]))
		if n < linux.SizeofNlMsghdr || n > len(b) {
			break
		}
		req := b[:n]
		typ, flags, seq := ne.Uint16(req[nlmsgType:]), ne.Uint16(req[nlmsgFlags:]), ne.Uint32(req[nlmsgSeq:])
		family := uint8(linux.AF_UNSPEC) // rtgenmsg, ifinfomsg and ifaddrmsg all start with it
		if n > linux.SizeofNlMsghdr {
			family = req[linux.SizeofNlMsghdr]
		}
		dump := flags&linux.NLM_F_REQUEST != 0 && flags&linux.NLM_F_DUMP != 0
		switch {
		case flags&linux.NLM_F_REQUEST == 0 || typ < linux.NLMSG_MIN_TYPE:
			// Not a request, or a control message: nothing to do.
			if flags&linux.NLM_F_ACK != 0 {
				out = append(out, errorMessage(req, 0, port))
			}
		case typ == linux.RTM_GETLINK && dump:
			links, _ := ifaces()
			for _, l := range links {
				out = append(out, linkMessage(l, seq, port))
			}
			out = append(out, doneMessage(seq, port))
		case typ == linux.RTM_GETADDR && dump:
			_, addrs := ifaces()
			for _, a := range addrs {
				if family == linux.AF_UNSPEC || family == a.Family {
					out = append(out, addrMessage(a, seq, port))
				}
			}
			out = append(out, doneMessage(seq, port))
		default:
			out = append(out, errorMessage(req, linux.EOPNOTSUPP, port))
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
		l := nlLink{Index: int32(id), Name: info.Name, Type: arphrd(info.ARPHardwareType), Flags: linux.IFF_UP, MTU: info.MTU}
		if info.Flags.Running {
			l.Flags |= linux.IFF_RUNNING
		}
		if info.Flags.Promiscuous {
			l.Flags |= linux.IFF_PROMISC
		}
		if info.Flags.Loopback {
			l.Flags |= linux.IFF_LOOPBACK
			if l.Name == "" {
				l.Name = "lo"
			}
			l.Oper = linux.IF_OPER_UNKNOWN                   // as Linux's lo
			l.Addr, l.Brd = make([]byte, 6), make([]byte, 6) // as Linux's lo: all zero
		} else {
			l.Flags |= linux.IFF_BROADCAST | linux.IFF_MULTICAST
			if l.Name == "" {
				l.Name = fmt.Sprintf("eth%d", eth)
				eth++
			}
			l.Oper = linux.IF_OPER_DOWN
			if info.Flags.Running {
				l.Oper = linux.IF_OPER_UP
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
				a.Family = linux.AF_INET
				if l.Flags&linux.IFF_BROADCAST != 0 && a.Prefix < 31 {
					a.Brd = make([]byte, 4)
					host := ^uint32(0) >> a.Prefix
					binary.BigEndian.PutUint32(a.Brd, binary.BigEndian.Uint32(ip)|host)
				}
			case 16:
				a.Family = linux.AF_INET6
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
		return linux.ARPHRD_ETHER
	case header.ARPHardwareLoopback:
		return linux.ARPHRD_LOOPBACK
	}
	return linux.ARPHRD_NONE
}

// addrScope is an address's RT_SCOPE_*: host for loopback addresses
// (127.0.0.0/8, ::1), link for IPv6 link-local (fe80::/10), else universe.
func addrScope(ip []byte) uint8 {
	switch {
	case len(ip) == 4 && ip[0] == 127:
		return linux.RT_SCOPE_HOST
	case len(ip) == 16 && bytes.Equal(ip, append(make([]byte, 15), 1)):
		return linux.RT_SCOPE_HOST
	case len(ip) == 16 && ip[0] == 0xfe && ip[1]&0xc0 == 0x80:
		return linux.RT_SCOPE_LINK
	}
	return linux.RT_SCOPE_UNIVERSE
}
