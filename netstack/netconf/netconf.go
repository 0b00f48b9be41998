// Package netconf configures the stack's addresses and routes: the
// loopback NIC, the static configuration from the kernel command line,
// the DHCP client (RFC 2131) that replaces it when none is given, and
// the routes IPv6 router advertisements bring (SLAAC). It keeps
// /etc/resolv.conf in step with the DNS servers.
package netconf

import (
	"fmt"
	"net"
	"os"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/kernel/server"
)

// NIC ids: the loopback interface and the Ethernet one (interface
// indexes 1 and 2, as netlink reports them).
const (
	NICLoopback tcpip.NICID = 1
	NICEthernet tcpip.NICID = 2
)

// IPv6Options makes the IPv6 protocol report router advertisements to
// the route table (and solicit them at once).
func IPv6Options() ipv6.Options {
	return ipv6.Options{NDPConfigs: ndpConfig(), NDPDisp: ndpDispatcher{&routeTab}}
}

// Loopback gives NIC NICLoopback 127.0.0.1/8 and ::1/128 and returns
// their routes, the base of every route table.
func Loopback(s *stack.Stack) []tcpip.Route {
	AddAddr(s, NICLoopback, tcpip.AddrFrom4([4]byte{127, 0, 0, 1}), 8)
	AddAddr(s, NICLoopback, tcpip.AddrFrom16([16]byte{15: 1}), 128)
	return []tcpip.Route{
		{Destination: Subnet(tcpip.AddrFrom4([4]byte{127}), 8), NIC: NICLoopback},
		{Destination: Subnet(tcpip.AddrFrom16([16]byte{15: 1}), 128), NIC: NICLoopback},
	}
}

// Configure configures NIC NICEthernet (hardware address mac) beside the
// base routes: with cfg if static, else by DHCP, with cfg while no lease
// is held; a goroutine renews the lease.
func Configure(s *stack.Stack, base []tcpip.Route, cfg Config, static bool, mac tcpip.LinkAddress) error {
	if static {
		apply(s, base, cfg)
		return nil
	}
	// DHCP, with QEMU user networking's address while none is leased.
	c, err := dhcpConn(s, base)
	if err != nil {
		apply(s, base, cfg)
		return err
	}
	l, err := acquire(c, dhcpServer, net.HardwareAddr(mac))
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo: DHCP: %v; using %s/%d and retrying\n", err, cfg.ip, cfg.prefix)
		apply(s, base, cfg)
	} else {
		cfg = l.config(cfg)
		apply(s, base, cfg)
	}
	go renew(s, base, c, net.HardwareAddr(mac), l, cfg)
	return nil
}

// apply configures the Ethernet NIC's IPv4 address, routes and DNS.
func apply(s *stack.Stack, base []tcpip.Route, cfg Config) {
	for _, a := range s.AllAddresses()[NICEthernet] {
		if a.Protocol == ipv4.ProtocolNumber {
			s.RemoveAddress(NICEthernet, a.AddressWithPrefix.Address)
		}
	}
	AddAddr(s, NICEthernet, cfg.ip, cfg.prefix)
	routeTab.setV4(s, base, []tcpip.Route{
		{Destination: Subnet(cfg.ip, cfg.prefix), NIC: NICEthernet},
		{Destination: Subnet(tcpip.AddrFrom4([4]byte{}), 0), Gateway: cfg.gw, NIC: NICEthernet},
	})
	server.AddFile("/etc/resolv.conf", []byte(cfg.ResolvConf()))
}
