package socket

import (
	"bytes"
	"net/netip"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"

	"unigo/kernel/abi/linux"
)

// Linux values (include/uapi/asm-generic/errno.h, linux/socket.h),
// spelled out here rather than taken from the package.
const (
	linuxEINVAL       = 22
	linuxEAFNOSUPPORT = 97
	linuxAFInet       = 2
	linuxAFInet6      = 10
)

// sin4 is a struct sockaddr_in laid out by hand: family (host order,
// little-endian), port (network order), address, 8 bytes of zero.
func sin4(port uint16, a [4]byte) []byte {
	return []byte{
		linuxAFInet, 0,
		byte(port >> 8), byte(port),
		a[0], a[1], a[2], a[3],
		0, 0, 0, 0, 0, 0, 0, 0,
	}
}

// sin6 is a struct sockaddr_in6: family, port, flowinfo, address, scope id.
func sin6(port uint16, flow uint32, a string, scope uint32) []byte {
	b := []byte{linuxAFInet6, 0, byte(port >> 8), byte(port)}
	b = append(b, byte(flow>>24), byte(flow>>16), byte(flow>>8), byte(flow))
	a16 := netip.MustParseAddr(a).As16()
	b = append(b, a16[:]...)
	return append(b, byte(scope), byte(scope>>8), byte(scope>>16), byte(scope>>24))
}

func addr4(s string) tcpip.Address  { return tcpip.AddrFrom4(netip.MustParseAddr(s).As4()) }
func addr16(s string) tcpip.Address { return tcpip.AddrFrom16(netip.MustParseAddr(s).As16()) }

func familyName(f int) string {
	switch f {
	case linuxAFInet:
		return "AF_INET"
	case linuxAFInet6:
		return "AF_INET6"
	}
	return "family?"
}

func TestDecodeSockaddr(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		family int
		want   tcpip.FullAddress
	}{
		{"v4", sin4(80, [4]byte{10, 0, 2, 15}), linuxAFInet, tcpip.FullAddress{Addr: addr4("10.0.2.15"), Port: 80}},
		{"v4 port 65535", sin4(65535, [4]byte{192, 168, 1, 1}), linuxAFInet, tcpip.FullAddress{Addr: addr4("192.168.1.1"), Port: 65535}},
		{"v4 port 8080 in network order", []byte{2, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, linuxAFInet,
			tcpip.FullAddress{Addr: addr4("127.0.0.1"), Port: 8080}},
		{"v4 broadcast", sin4(67, [4]byte{255, 255, 255, 255}), linuxAFInet, tcpip.FullAddress{Addr: addr4("255.255.255.255"), Port: 67}},
		{"INADDR_ANY", sin4(8080, [4]byte{}), linuxAFInet, tcpip.FullAddress{Port: 8080}},
		{"INADDR_ANY port 0", sin4(0, [4]byte{}), linuxAFInet, tcpip.FullAddress{}},
		{"v4 longer than sockaddr_in", append(sin4(53, [4]byte{10, 0, 2, 3}), 0xAA, 0xBB), linuxAFInet,
			tcpip.FullAddress{Addr: addr4("10.0.2.3"), Port: 53}},
		{"sockaddr_in on AF_INET6 socket", sin4(80, [4]byte{10, 0, 2, 15}), linuxAFInet6,
			tcpip.FullAddress{Addr: addr16("::ffff:10.0.2.15"), Port: 80}},
		{"INADDR_ANY on AF_INET6 socket", sin4(443, [4]byte{}), linuxAFInet6, tcpip.FullAddress{Port: 443}},
		{"v6", sin6(443, 0, "2001:db8::1", 0), linuxAFInet6, tcpip.FullAddress{Addr: addr16("2001:db8::1"), Port: 443}},
		{"v6 port 65535", sin6(65535, 0, "fe80::5054:ff:fe12:3456", 0), linuxAFInet6,
			tcpip.FullAddress{Addr: addr16("fe80::5054:ff:fe12:3456"), Port: 65535}},
		{"v6 loopback", sin6(8080, 0, "::1", 0), linuxAFInet6, tcpip.FullAddress{Addr: addr16("::1"), Port: 8080}},
		{"v6 flowinfo ignored", sin6(80, 0x000ABCDE, "2001:db8::2", 0), linuxAFInet6, tcpip.FullAddress{Addr: addr16("2001:db8::2"), Port: 80}},
		{"v6 v4-mapped", sin6(80, 0, "::ffff:1.2.3.4", 0), linuxAFInet6, tcpip.FullAddress{Addr: addr16("::ffff:1.2.3.4"), Port: 80}},
		{"in6addr_any", sin6(80, 0, "::", 0), linuxAFInet6, tcpip.FullAddress{Port: 80}},
		// SIN6_LEN_RFC2133: the 24-byte sockaddr_in6 without sin6_scope_id.
		{"v6 without scope id", sin6(80, 0, "2001:db8::3", 0)[:24], linuxAFInet6, tcpip.FullAddress{Addr: addr16("2001:db8::3"), Port: 80}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errno := decodeSockaddr(tt.b, tt.family)
			if got != tt.want || errno != 0 {
				t.Errorf("decodeSockaddr(% x, %s) = %+v, %d, want %+v, 0", tt.b, familyName(tt.family), got, errno, tt.want)
			}
		})
	}
}

func TestDecodeSockaddrErrors(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		family int
		want   linux.Errno
	}{
		{"nil", nil, linuxAFInet, linuxEINVAL},
		{"one byte", []byte{2}, linuxAFInet, linuxEINVAL},
		{"family only", []byte{2, 0}, linuxAFInet, linuxEINVAL},
		{"sockaddr_in without address", sin4(80, [4]byte{10, 0, 2, 15})[:4], linuxAFInet, linuxEINVAL},
		{"sockaddr_in of 8 bytes", sin4(80, [4]byte{10, 0, 2, 15})[:8], linuxAFInet, linuxEINVAL},
		{"sockaddr_in of 15 bytes", sin4(80, [4]byte{10, 0, 2, 15})[:15], linuxAFInet, linuxEINVAL},
		{"short sockaddr_in on AF_INET6 socket", sin4(80, [4]byte{10, 0, 2, 15})[:8], linuxAFInet6, linuxEINVAL},
		{"AF_UNIX", []byte{1, 0, '/', 't', 'm', 'p', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, linuxAFInet, linuxEAFNOSUPPORT},
		{"AF_PACKET", []byte{17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, linuxAFInet6, linuxEAFNOSUPPORT},
		{"family 0xffff", []byte{0xFF, 0xFF, 0, 80, 10, 0, 2, 15, 0, 0, 0, 0, 0, 0, 0, 0}, linuxAFInet, linuxEAFNOSUPPORT},
		// The family is in host (little-endian) order: 0x0200 is not AF_INET.
		{"family big-endian", []byte{0, 2, 0, 80, 10, 0, 2, 15, 0, 0, 0, 0, 0, 0, 0, 0}, linuxAFInet, linuxEAFNOSUPPORT},
		{"sockaddr_in6 on AF_INET socket", sin6(80, 0, "2001:db8::1", 0), linuxAFInet, linuxEAFNOSUPPORT},
		{"v4-mapped sockaddr_in6 on AF_INET socket", sin6(80, 0, "::ffff:10.0.2.15", 0), linuxAFInet, linuxEAFNOSUPPORT},
		// Linux checks addrlen against SIN6_LEN_RFC2133 (24) before
		// anything else: inet6_bind, tcp_v6_connect and udpv6_sendmsg
		// all return EINVAL for a short sockaddr_in6.
		{"sockaddr_in6 of 23 bytes", sin6(80, 0, "2001:db8::1", 0)[:23], linuxAFInet6, linuxEINVAL},
		{"sockaddr_in6 of 8 bytes", sin6(80, 0, "2001:db8::1", 0)[:8], linuxAFInet6, linuxEINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errno := decodeSockaddr(tt.b, tt.family)
			if errno == tt.want && got == (tcpip.FullAddress{}) {
				return
			}
			t.Errorf("decodeSockaddr(% x, %s) = %+v, %d, want {}, %d", tt.b, familyName(tt.family), got, errno, tt.want)
		})
	}
}

func TestEncodeSockaddr(t *testing.T) {
	tests := []struct {
		name   string
		a      tcpip.FullAddress
		family int
		want   []byte
	}{
		{"v4", tcpip.FullAddress{Addr: addr4("10.0.2.15"), Port: 80}, linuxAFInet, sin4(80, [4]byte{10, 0, 2, 15})},
		{"v4 port 65535", tcpip.FullAddress{Addr: addr4("192.168.1.1"), Port: 65535}, linuxAFInet,
			[]byte{2, 0, 0xFF, 0xFF, 192, 168, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"v4 port 8080", tcpip.FullAddress{Addr: addr4("127.0.0.1"), Port: 8080}, linuxAFInet,
			[]byte{2, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"v4 unbound", tcpip.FullAddress{}, linuxAFInet, sin4(0, [4]byte{})},
		{"v4 any with port", tcpip.FullAddress{Port: 5353}, linuxAFInet, sin4(5353, [4]byte{})},
		{"v6", tcpip.FullAddress{Addr: addr16("2001:db8::1"), Port: 443}, linuxAFInet6, sin6(443, 0, "2001:db8::1", 0)},
		{"v6 port 65535", tcpip.FullAddress{Addr: addr16("fe80::1"), Port: 65535}, linuxAFInet6, sin6(65535, 0, "fe80::1", 0)},
		{"v6 unbound", tcpip.FullAddress{}, linuxAFInet6, sin6(0, 0, "::", 0)},
		{"v4 address on AF_INET6 socket", tcpip.FullAddress{Addr: addr4("192.168.1.1"), Port: 80}, linuxAFInet6,
			sin6(80, 0, "::ffff:192.168.1.1", 0)},
		{"v4-mapped on AF_INET6 socket", tcpip.FullAddress{Addr: addr16("::ffff:10.0.2.2"), Port: 53}, linuxAFInet6,
			sin6(53, 0, "::ffff:10.0.2.2", 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encodeSockaddr(tt.a, tt.family); !bytes.Equal(got, tt.want) {
				t.Errorf("encodeSockaddr(%+v, %s) = % x, want % x", tt.a, familyName(tt.family), got, tt.want)
			}
		})
	}
}

func TestSockaddrRoundTrip(t *testing.T) {
	tests := []struct {
		a      tcpip.FullAddress
		family int
	}{
		{tcpip.FullAddress{Addr: addr4("10.0.2.15"), Port: 80}, linuxAFInet},
		{tcpip.FullAddress{Addr: addr4("1.2.3.4"), Port: 65535}, linuxAFInet},
		{tcpip.FullAddress{Addr: addr4("255.255.255.255"), Port: 1}, linuxAFInet},
		{tcpip.FullAddress{Port: 8080}, linuxAFInet},
		{tcpip.FullAddress{Addr: addr16("2001:db8::1"), Port: 443}, linuxAFInet6},
		{tcpip.FullAddress{Addr: addr16("::1"), Port: 65535}, linuxAFInet6},
		{tcpip.FullAddress{Addr: addr16("::ffff:10.0.2.15"), Port: 80}, linuxAFInet6},
		{tcpip.FullAddress{Port: 80}, linuxAFInet6},
	}
	for _, tt := range tests {
		b := encodeSockaddr(tt.a, tt.family)
		wantLen := 16
		if tt.family == linuxAFInet6 {
			wantLen = 28
		}
		if len(b) != wantLen {
			t.Errorf("encodeSockaddr(%+v, %s) is %d bytes, want %d", tt.a, familyName(tt.family), len(b), wantLen)
		}
		if got, errno := decodeSockaddr(b, tt.family); got != tt.a || errno != 0 {
			t.Errorf("decodeSockaddr(encodeSockaddr(%+v, %s)) = %+v, %d, want %+v, 0", tt.a, familyName(tt.family), got, errno, tt.a)
		}
	}
	// A sockaddr_in6 holding a v4 address, as an AF_INET6 socket
	// reports one, decodes to the v4-mapped address it carries.
	a := tcpip.FullAddress{Addr: addr4("10.0.2.2"), Port: 53}
	want := tcpip.FullAddress{Addr: addr16("::ffff:10.0.2.2"), Port: 53}
	if got, errno := decodeSockaddr(encodeSockaddr(a, linuxAFInet6), linuxAFInet6); got != want || errno != 0 {
		t.Errorf("decodeSockaddr(encodeSockaddr(%+v, AF_INET6)) = %+v, %d, want %+v, 0", a, got, errno, want)
	}
}
