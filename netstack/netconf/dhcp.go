package netconf

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// lease is what a DHCP server granted.
type lease struct {
	ip       net.IP
	prefix   int
	router   net.IP
	dns      []net.IP
	server   net.IP
	duration time.Duration
}

// errNoLease: no server answered in time.
var errNoLease = errors.New("no DHCP server answered")

// dhcpRetries are the waits between attempts (RFC 2131 §4.1: exponential backoff).
var dhcpRetries = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}

// acquire runs DISCOVER, OFFER, REQUEST, ACK (RFC 2131 §3.1) over conn,
// sending to dst (the broadcast address on a real network), with the
// broadcast flag set so replies reach a client that has no address yet.
func acquire(conn net.PacketConn, dst net.Addr, mac net.HardwareAddr) (*lease, error) {
	for _, wait := range dhcpRetries {
		offer, err := roundTrip(conn, dst, wait, dhcpv4.MessageTypeOffer, func() (*dhcpv4.DHCPv4, error) {
			return dhcpv4.NewDiscovery(mac, dhcpv4.WithBroadcast(true))
		})
		if err != nil {
			continue
		}
		ack, err := roundTrip(conn, dst, wait, dhcpv4.MessageTypeAck, func() (*dhcpv4.DHCPv4, error) {
			return dhcpv4.NewRequestFromOffer(offer, dhcpv4.WithBroadcast(true))
		})
		if err != nil {
			continue
		}
		return leaseFrom(ack)
	}
	return nil, errNoLease
}

// roundTrip sends the message mk makes and waits for a reply of type want
// with the same transaction id.
func roundTrip(conn net.PacketConn, dst net.Addr, wait time.Duration, want dhcpv4.MessageType, mk func() (*dhcpv4.DHCPv4, error)) (*dhcpv4.DHCPv4, error) {
	m, err := mk()
	if err != nil {
		return nil, err
	}
	if _, err := conn.WriteTo(m.ToBytes(), dst); err != nil {
		return nil, err
	}
	buf := make([]byte, 1500)
	deadline := time.Now().Add(wait)
	for {
		conn.SetReadDeadline(deadline)
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return nil, err
		}
		r, err := dhcpv4.FromBytes(buf[:n])
		if err != nil || r.TransactionID != m.TransactionID || r.OpCode != dhcpv4.OpcodeBootReply {
			continue // not ours
		}
		if r.MessageType() == dhcpv4.MessageTypeNak {
			return nil, errors.New("DHCP server refused (NAK)")
		}
		if r.MessageType() == want {
			return r, nil
		}
	}
}

func leaseFrom(ack *dhcpv4.DHCPv4) (*lease, error) {
	ip := ack.YourIPAddr.To4()
	if ip == nil || ip.IsUnspecified() {
		return nil, fmt.Errorf("DHCP ACK without an address")
	}
	l := &lease{ip: ip, prefix: 24, server: ack.ServerIdentifier(), dns: ack.DNS(),
		duration: ack.IPAddressLeaseTime(time.Hour)}
	if m := ack.SubnetMask(); m != nil {
		l.prefix, _ = m.Size()
	}
	if r := ack.Router(); len(r) > 0 {
		l.router = r[0]
	}
	return l, nil
}
