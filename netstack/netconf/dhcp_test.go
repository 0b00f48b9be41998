package netconf

import (
	"net"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// fakeServer answers DISCOVER with OFFER and REQUEST with ACK (or NAK),
// on a real UDP socket on loopback.
func fakeServer(t *testing.T, nak bool, dropFirst int) net.Addr {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 1500)
		seen := 0
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			seen++
			if seen <= dropFirst {
				continue
			}
			req, err := dhcpv4.FromBytes(buf[:n])
			if err != nil {
				continue
			}
			typ := dhcpv4.MessageTypeOffer
			if req.MessageType() == dhcpv4.MessageTypeRequest {
				typ = dhcpv4.MessageTypeAck
				if nak {
					typ = dhcpv4.MessageTypeNak
				}
			}
			reply, _ := dhcpv4.NewReplyFromRequest(req,
				dhcpv4.WithMessageType(typ),
				dhcpv4.WithYourIP(net.IPv4(10, 0, 2, 15)),
				dhcpv4.WithServerIP(net.IPv4(10, 0, 2, 2)),
				dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 0, 2, 2))),
				dhcpv4.WithNetmask(net.CIDRMask(24, 32)),
				dhcpv4.WithRouter(net.IPv4(10, 0, 2, 2)),
				dhcpv4.WithDNS(net.IPv4(10, 0, 2, 3)),
				dhcpv4.WithLeaseTime(3600))
			c.WriteTo(reply.ToBytes(), from)
		}
	}()
	return c.LocalAddr()
}

func client(t *testing.T) net.PacketConn {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestAcquire(t *testing.T) {
	mac := net.HardwareAddr{0x52, 0x54, 0, 0x12, 0x34, 0x56}
	l, err := acquire(client(t), fakeServer(t, false, 0), mac)
	if err != nil {
		t.Fatalf("acquire = %v", err)
	}
	if !l.ip.Equal(net.IPv4(10, 0, 2, 15)) || l.prefix != 24 || !l.router.Equal(net.IPv4(10, 0, 2, 2)) ||
		len(l.dns) != 1 || !l.dns[0].Equal(net.IPv4(10, 0, 2, 3)) || l.duration != time.Hour {
		t.Errorf("acquire = %+v", l)
	}
}

func TestAcquireRetriesLostPackets(t *testing.T) {
	saved := dhcpRetries
	dhcpRetries = []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond}
	defer func() { dhcpRetries = saved }()
	l, err := acquire(client(t), fakeServer(t, false, 1), net.HardwareAddr{2, 0, 0, 0, 0, 1})
	if err != nil || !l.ip.Equal(net.IPv4(10, 0, 2, 15)) {
		t.Errorf("acquire after a lost DISCOVER = %+v, %v", l, err)
	}
}

func TestAcquireFailsCleanly(t *testing.T) {
	saved := dhcpRetries
	dhcpRetries = []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}
	defer func() { dhcpRetries = saved }()
	if _, err := acquire(client(t), fakeServer(t, true, 0), net.HardwareAddr{2, 0, 0, 0, 0, 1}); err == nil {
		t.Errorf("acquire with a NAKing server succeeded")
	}
	silent := client(t) // nobody answers
	if _, err := acquire(client(t), silent.LocalAddr(), net.HardwareAddr{2, 0, 0, 0, 0, 1}); err != errNoLease {
		t.Errorf("acquire with no server = %v, want errNoLease", err)
	}
}
