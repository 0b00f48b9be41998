package socket

import (
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/tcpip"

	"unigo/kernel/abi/linux"
)

// Field offsets of struct sockaddr_in (include/uapi/linux/in.h: family
// u16, port be16, address) and struct sockaddr_in6 (in6.h: family u16,
// port be16, flowinfo be32, address, scope id u32).
const (
	sinPort      = 2
	sinAddr      = 4
	sin6Addr     = 8
	sin6ScopeID  = 24
	mappedPrefix = 12 // ::ffff:a.b.c.d holds the IPv4 address from byte 12
)

// decodeSockaddr parses a sockaddr for a socket of family.
func decodeSockaddr(b []byte, family int) (tcpip.FullAddress, linux.Errno) {
	if len(b) < 2 {
		return tcpip.FullAddress{}, linux.EINVAL
	}
	switch int(binary.LittleEndian.Uint16(b)) {
	case linux.AF_INET:
		if len(b) < linux.SizeofSockaddrInet4 { // Linux: EINVAL below sizeof(struct sockaddr_in)
			return tcpip.FullAddress{}, linux.EINVAL
		}
		a := tcpip.FullAddress{Port: binary.BigEndian.Uint16(b[sinPort:]), Addr: tcpip.AddrFrom4Slice(b[sinAddr : sinAddr+4])}
		if family == linux.AF_INET6 { // a dual-stack socket speaks v4-mapped addresses
			var m [16]byte
			m[10], m[11] = 0xff, 0xff
			copy(m[mappedPrefix:], b[sinAddr:sinAddr+4])
			a.Addr = tcpip.AddrFrom16(m)
		}
		if a.Addr == tcpip.AddrFrom4([4]byte{}) || a.Addr == tcpip.AddrFrom16([16]byte{10: 0xff, 11: 0xff}) {
			a.Addr = tcpip.Address{} // INADDR_ANY
		}
		return a, 0
	case linux.AF_INET6:
		if family != linux.AF_INET6 {
			return tcpip.FullAddress{}, linux.EAFNOSUPPORT
		}
		if len(b) < linux.SIN6_LEN_RFC2133 { // as Linux checks
			return tcpip.FullAddress{}, linux.EINVAL
		}
		a := tcpip.FullAddress{Port: binary.BigEndian.Uint16(b[sinPort:]), Addr: tcpip.AddrFrom16Slice(b[sin6Addr : sin6Addr+16])}
		if a.Addr == tcpip.AddrFrom16([16]byte{}) {
			a.Addr = tcpip.Address{}
		}
		if len(b) >= linux.SizeofSockaddrInet6 { // sin6_scope_id: the zone of a link-local address is a NIC
			a.NIC = tcpip.NICID(binary.LittleEndian.Uint32(b[sin6ScopeID:]))
		}
		return a, 0
	}
	return tcpip.FullAddress{}, linux.EAFNOSUPPORT
}

// encodeSockaddr writes a for a socket of family and returns the bytes.
func encodeSockaddr(a tcpip.FullAddress, family int) []byte {
	if family == linux.AF_INET {
		b := make([]byte, linux.SizeofSockaddrInet4)
		binary.LittleEndian.PutUint16(b, linux.AF_INET)
		binary.BigEndian.PutUint16(b[sinPort:], a.Port)
		if a.Addr.Len() == 4 {
			copy(b[sinAddr:], a.Addr.AsSlice())
		}
		return b
	}
	b := make([]byte, linux.SizeofSockaddrInet6)
	binary.LittleEndian.PutUint16(b, linux.AF_INET6)
	binary.BigEndian.PutUint16(b[sinPort:], a.Port)
	ip := b[sin6Addr : sin6Addr+16]
	switch a.Addr.Len() {
	case 16:
		copy(ip, a.Addr.AsSlice())
		if ip[0] == 0xfe && ip[1]&0xc0 == 0x80 { // link-local: the zone is the NIC
			binary.LittleEndian.PutUint32(b[sin6ScopeID:], uint32(a.NIC))
		}
	case 4:
		ip[10], ip[11] = 0xff, 0xff
		copy(ip[mappedPrefix:], a.Addr.AsSlice())
	}
	return b
}

// parseAddr reads the caller's sockaddr at addr, n bytes long.
func (s *inetSocket) parseAddr(addr, n uintptr) (tcpip.FullAddress, linux.Errno) {
	if addr == 0 || n > linux.SizeofSockaddrStorage {
		return tcpip.FullAddress{}, linux.EINVAL
	}
	return decodeSockaddr(user(addr, n), s.family)
}

// putAddr writes a to the caller's sockaddr buffer (length at lenp, in
// and out), truncating as Linux does.
func (s *inetSocket) putAddr(a tcpip.FullAddress, addr, lenp uintptr) {
	if addr == 0 || lenp == 0 {
		return
	}
	l := user(lenp, 4)
	room := binary.LittleEndian.Uint32(l)
	b := encodeSockaddr(a, s.family)
	copy(user(addr, uintptr(min(int(room), len(b)))), b)
	binary.LittleEndian.PutUint32(l, uint32(len(b)))
}
