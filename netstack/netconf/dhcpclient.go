package netconf

import (
	"fmt"
	"net"
	"os"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// DHCP ports (RFC 2131 §4.1) and the broadcast destination.
const (
	dhcpClientPort = 68
	dhcpServerPort = 67
)

var dhcpServer = &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpServerPort}

// dhcpConn opens UDP port 68 on the Ethernet NIC, able to send from
// 0.0.0.0 to the broadcast address before the NIC has an address.
func dhcpConn(s *stack.Stack, base []tcpip.Route) (*gonet.UDPConn, error) {
	AddAddr(s, NICEthernet, tcpip.AddrFrom4([4]byte{}), 0)
	routeTab.setV4(s, base, []tcpip.Route{{Destination: Subnet(tcpip.AddrFrom4([4]byte{}), 0), NIC: NICEthernet}})
	var wq waiter.Queue
	ep, err := s.NewEndpoint(udp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if err != nil {
		return nil, fmt.Errorf("DHCP socket: %v", err)
	}
	ep.SocketOptions().SetBroadcast(true)
	if err := ep.Bind(tcpip.FullAddress{NIC: NICEthernet, Port: dhcpClientPort}); err != nil {
		ep.Close()
		return nil, fmt.Errorf("DHCP port: %v", err)
	}
	return gonet.NewUDPConn(&wq, ep), nil
}

// config turns a lease into the interface configuration.
func (l *lease) config(def Config) Config {
	c := def
	c.ip, c.prefix = tcpip.AddrFrom4Slice(l.ip.To4()), l.prefix
	if l.router != nil && !c.gwSet {
		c.gw = tcpip.AddrFrom4Slice(l.router.To4())
	}
	if len(l.dns) > 0 && !c.dnsSet {
		c.dns = nil
		for _, d := range l.dns {
			if d4 := d.To4(); d4 != nil {
				c.dns = append(c.dns, tcpip.AddrFrom4Slice(d4))
			}
		}
	}
	return c
}

// renew keeps the lease: it asks again at half its time (T1), or every
// 10 s while there is none.
func renew(s *stack.Stack, base []tcpip.Route, c net.PacketConn, mac net.HardwareAddr, l *lease, cfg Config) {
	for {
		wait := 10 * time.Second
		if l != nil {
			wait = l.duration / 2
		}
		time.Sleep(wait)
		nl, err := acquire(c, dhcpServer, mac)
		if err != nil {
			if l != nil {
				fmt.Fprintln(os.Stderr, "unigo: DHCP renewal:", err)
			}
			continue
		}
		if l == nil || !nl.ip.Equal(l.ip) {
			cfg = nl.config(cfg)
			apply(s, base, cfg)
		}
		l = nl
	}
}
