// Package net gives a unigo program TCP/IP: gVisor's netstack over a
// virtio-net device, and the Linux socket system calls on top of it, so
// that Go's own net package (and net/http) works unchanged.
//
// unigo build links it in when the program's dependency graph contains
// "net". At init it finds the NIC (virtio-mmio on QEMU microvm), builds
// the stack (IPv4, IPv6, ARP, TCP, UDP, ICMP, loopback), configures the
// addresses (kernel command line ip=/gw=/dns=, else QEMU user
// networking's 10.0.2.15/24), writes /etc/resolv.conf and /etc/hosts,
// and registers its socket handler with the kernel's server goroutine.
package net

import (
	"fmt"
	"net"
	"os"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"

	"unigo/kernel"
)

// NIC ids.
const (
	nicLoopback tcpip.NICID = 1
	nicEthernet tcpip.NICID = 2
)

// Stack is the network stack (nil outside unigo).
var Stack *stack.Stack

func init() {
	if !kernel.Booted() {
		return
	}
	if err := start(); err != nil {
		fmt.Fprintln(os.Stderr, "unigo: network:", err)
	}
	kernel.Milestone("net-up")
}

func start() error {
	s := stack.New(stack.Options{
		NetworkProtocols: []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol,
			ipv6.NewProtocolWithOptions(ipv6.Options{NDPConfigs: ndpConfig(), NDPDisp: ndpDispatcher{&routeTab}})},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
		HandleLocal:        true,
	})
	Stack = s
	sockets.stack = s
	kernel.RegisterNet(call)
	if err := s.CreateNIC(nicLoopback, loopback.New()); err != nil {
		return fmt.Errorf("loopback: %v", err)
	}
	addAddr(s, nicLoopback, tcpip.AddrFrom4([4]byte{127, 0, 0, 1}), 8)
	addAddr(s, nicLoopback, tcpip.AddrFrom16([16]byte{15: 1}), 128)
	routes := []tcpip.Route{
		{Destination: subnet(tcpip.AddrFrom4([4]byte{127}), 8), NIC: nicLoopback},
		{Destination: subnet(tcpip.AddrFrom16([16]byte{15: 1}), 128), NIC: nicLoopback},
	}
	cfg, static := config()
	kernel.AddFile("/etc/hosts", []byte("127.0.0.1\tlocalhost\n::1\tlocalhost\n"))
	kernel.AddFile("/etc/resolv.conf", []byte(cfg.resolvConf()))
	kernel.AddFile(somaxconnPath, []byte(fmt.Sprintf("%d\n", somaxconn)))

	link, err := findNIC()
	if err != nil {
		s.SetRouteTable(routes)
		return err
	}
	if err := s.CreateNIC(nicEthernet, ethernet.New(link)); err != nil {
		return fmt.Errorf("NIC: %v", err)
	}
	addAddr(s, nicEthernet, linkLocal6(link.mac), 64)
	go link.run()
	if static {
		apply(s, routes, cfg)
		return nil
	}
	// DHCP, with QEMU user networking's address while none is leased.
	c, err := dhcpConn(s, routes)
	if err != nil {
		apply(s, routes, cfg)
		return err
	}
	l, err := acquire(c, dhcpServer, net.HardwareAddr(link.mac))
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo: DHCP: %v; using %s/%d and retrying\n", err, cfg.ip, cfg.prefix)
		apply(s, routes, cfg)
	} else {
		cfg = l.config(cfg)
		apply(s, routes, cfg)
	}
	go renew(s, routes, c, net.HardwareAddr(link.mac), l, cfg)
	return nil
}

// apply configures the Ethernet NIC's IPv4 address, routes and DNS.
func apply(s *stack.Stack, base []tcpip.Route, cfg ipConfig) {
	for _, a := range s.AllAddresses()[nicEthernet] {
		if a.Protocol == ipv4.ProtocolNumber {
			s.RemoveAddress(nicEthernet, a.AddressWithPrefix.Address)
		}
	}
	addAddr(s, nicEthernet, cfg.ip, cfg.prefix)
	routeTab.setV4(s, base, []tcpip.Route{
		{Destination: subnet(cfg.ip, cfg.prefix), NIC: nicEthernet},
		{Destination: subnet(tcpip.AddrFrom4([4]byte{}), 0), Gateway: cfg.gw, NIC: nicEthernet},
	})
	kernel.AddFile("/etc/resolv.conf", []byte(cfg.resolvConf()))
}

func addAddr(s *stack.Stack, nic tcpip.NICID, a tcpip.Address, prefix int) {
	proto := ipv4.ProtocolNumber
	if a.Len() == 16 {
		proto = ipv6.ProtocolNumber
	}
	s.AddProtocolAddress(nic, tcpip.ProtocolAddress{Protocol: proto,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: a, PrefixLen: prefix}}, stack.AddressProperties{})
}

func subnet(a tcpip.Address, prefix int) tcpip.Subnet {
	return tcpip.AddressWithPrefix{Address: a, PrefixLen: prefix}.Subnet()
}

// linkLocal6 is the EUI-64 link-local address of a MAC (RFC 4291 §2.5.1).
func linkLocal6(mac tcpip.LinkAddress) tcpip.Address {
	m := []byte(mac)
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	a[8], a[9], a[10] = m[0]^2, m[1], m[2]
	a[11], a[12] = 0xff, 0xfe
	a[13], a[14], a[15] = m[3], m[4], m[5]
	return tcpip.AddrFrom16(a)
}

// Go's net package sizes every listen backlog from somaxconn, read from
// this file (net/sock_linux.go maxListenerBacklog), and falls back to
// syscall.SOMAXCONN, 128, when it is missing. Linux has defaulted to
// 4096 since 5.4 (commit 19f92a030ca6, "net: increase SOMAXCONN to
// 4096"); with 128 a burst of connections overflows the accept queue and
// the peers' SYNs wait for retransmission.
const (
	somaxconnPath = "/proc/sys/net/core/somaxconn"
	somaxconn     = 4096
)
