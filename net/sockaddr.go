package net

import (
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// struct sockaddr_in (16 bytes) and sockaddr_in6 (28 bytes), include/uapi/linux/in.h, in6.h.
const (
	sockaddrIn4Len = 16
	sockaddrIn6Len = 28
)

// decodeSockaddr parses a sockaddr for a socket of family.
func decodeSockaddr(b []byte, family int) (tcpip.FullAddress, int) {
	if len(b) < 2 {
		return tcpip.FullAddress{}, eINVAL
	}
	switch int(binary.LittleEndian.Uint16(b)) {
	case afInet:
		if len(b) < sockaddrIn4Len { // Linux: EINVAL below sizeof(struct sockaddr_in)
			return tcpip.FullAddress{}, eINVAL
		}
		a := tcpip.FullAddress{Port: binary.BigEndian.Uint16(b[2:]), Addr: tcpip.AddrFrom4Slice(b[4:8])}
		if family == afInet6 { // a dual-stack socket speaks v4-mapped addresses
			var m [16]byte
			m[10], m[11] = 0xff, 0xff
			copy(m[12:], b[4:8])
			a.Addr = tcpip.AddrFrom16(m)
		}
		if a.Addr == tcpip.AddrFrom4([4]byte{}) || a.Addr == tcpip.AddrFrom16([16]byte{10: 0xff, 11: 0xff}) {
			a.Addr = tcpip.Address{} // INADDR_ANY
		}
		return a, 0
	case afInet6:
		if family != afInet6 {
			return tcpip.FullAddress{}, eAFNOSUPPORT
		}
		if len(b) < 24 { // SIN6_LEN_RFC2133, as Linux checks
			return tcpip.FullAddress{}, eINVAL
		}
		a := tcpip.FullAddress{Port: binary.BigEndian.Uint16(b[2:]), Addr: tcpip.AddrFrom16Slice(b[8:24])}
		if a.Addr == tcpip.AddrFrom16([16]byte{}) {
			a.Addr = tcpip.Address{}
		}
		if len(b) >= sockaddrIn6Len { // sin6_scope_id: the zone of a link-local address is a NIC
			a.NIC = tcpip.NICID(binary.LittleEndian.Uint32(b[24:]))
		}
		return a, 0
	}
	return tcpip.FullAddress{}, eAFNOSUPPORT
}

// encodeSockaddr writes a for a socket of family and returns the bytes.
func encodeSockaddr(a tcpip.FullAddress, family int) []byte {
	if family == afInet {
		b := make([]byte, sockaddrIn4Len)
		binary.LittleEndian.PutUint16(b, afInet)
		binary.BigEndian.PutUint16(b[2:], a.Port)
		if a.Addr.Len() == 4 {
			copy(b[4:], a.Addr.AsSlice())
		}
		return b
	}
	b := make([]byte, sockaddrIn6Len)
	binary.LittleEndian.PutUint16(b, afInet6)
	binary.BigEndian.PutUint16(b[2:], a.Port)
	switch a.Addr.Len() {
	case 16:
		copy(b[8:], a.Addr.AsSlice())
		if b[8] == 0xfe && b[9]&0xc0 == 0x80 { // link-local: the zone is the NIC
			binary.LittleEndian.PutUint32(b[24:], uint32(a.NIC))
		}
	case 4:
		b[18], b[19] = 0xff, 0xff
		copy(b[20:], a.Addr.AsSlice())
	}
	return b
}

func (s *socket) parseAddr(addr, n uintptr) (tcpip.FullAddress, int) {
	if addr == 0 || n > 128 {
		return tcpip.FullAddress{}, eINVAL
	}
	return decodeSockaddr(user(addr, n), s.family)
}

// putAddr writes a to the caller's sockaddr buffer (length at lenp, in
// and out), truncating as Linux does.
func (s *socket) putAddr(a tcpip.FullAddress, addr, lenp uintptr) {
	if addr == 0 || lenp == 0 {
		return
	}
	l := user(lenp, 4)
	room := binary.LittleEndian.Uint32(l)
	b := encodeSockaddr(a, s.family)
	copy(user(addr, uintptr(min(int(room), len(b)))), b)
	binary.LittleEndian.PutUint32(l, uint32(len(b)))
}
