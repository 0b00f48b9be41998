package netconf

import (
	"net/netip"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"
)

func addr4(s string) tcpip.Address  { return tcpip.AddrFrom4(netip.MustParseAddr(s).As4()) }
func addr16(s string) tcpip.Address { return tcpip.AddrFrom16(netip.MustParseAddr(s).As16()) }

func TestLinkLocal6(t *testing.T) {
	// RFC 4291 §2.5.1 and appendix A: the interface identifier is the
	// MAC with ff:fe inserted in the middle and the universal/local bit
	// (0x02 of the first byte) inverted; RFC 4862 §5.3 puts it after fe80::/64.
	tests := []struct {
		mac  string
		want string
	}{
		{"\x52\x54\x00\x12\x34\x56", "fe80::5054:ff:fe12:3456"},
		{"\x00\x00\x00\x00\x00\x00", "fe80::200:ff:fe00:0"},
		{"\x02\x00\x00\x00\x00\x01", "fe80::ff:fe00:1"},
		{"\x00\x1b\x21\xab\xcd\xef", "fe80::21b:21ff:feab:cdef"},
		{"\xff\xff\xff\xff\xff\xff", "fe80::fdff:ffff:feff:ffff"},
	}
	for _, tt := range tests {
		mac := tcpip.LinkAddress(tt.mac)
		want := addr16(tt.want)
		if got := LinkLocal6(mac); got != want {
			t.Errorf("LinkLocal6(%v) = %v, want %v", mac, got, want)
		}
	}
}
