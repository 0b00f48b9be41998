package netconf

import (
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// AddAddr gives NIC nic the address a/prefix (IPv4 or IPv6 by a's length).
func AddAddr(s *stack.Stack, nic tcpip.NICID, a tcpip.Address, prefix int) {
	proto := ipv4.ProtocolNumber
	if a.Len() == 16 {
		proto = ipv6.ProtocolNumber
	}
	s.AddProtocolAddress(nic, tcpip.ProtocolAddress{Protocol: proto,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: a, PrefixLen: prefix}}, stack.AddressProperties{})
}

// Subnet is the network a/prefix.
func Subnet(a tcpip.Address, prefix int) tcpip.Subnet {
	return tcpip.AddressWithPrefix{Address: a, PrefixLen: prefix}.Subnet()
}

// LinkLocal6 is the EUI-64 link-local address of a MAC (RFC 4291 §2.5.1).
func LinkLocal6(mac tcpip.LinkAddress) tcpip.Address {
	m := []byte(mac)
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	a[8], a[9], a[10] = m[0]^2, m[1], m[2]
	a[11], a[12] = 0xff, 0xfe
	a[13], a[14], a[15] = m[3], m[4], m[5]
	return tcpip.AddrFrom16(a)
}
