// Package netstack gives a unigo program TCP/IP: it brings up gVisor's
// netstack over the machine's NIC and registers the Linux socket calls
// with the kernel, so that Go's own net package (and net/http) works
// unchanged. This package is the wiring only: the link endpoint is
// netstack/link, the NIC contract netstack/nic, the socket calls
// netstack/socket, the addresses netstack/netconf.
//
// unigo build links it in when the program's dependency graph contains
// "net". At init it builds the stack (IPv4, IPv6, ARP, TCP, UDP, ICMP,
// loopback), finds the NIC (probes), configures the addresses (kernel
// command line ip=/gw=/dns=, else DHCP with QEMU user networking's
// 10.0.2.15/24 meanwhile), writes /etc/resolv.conf and /etc/hosts, and
// registers its socket handler with the kernel's server goroutine.
package netstack

import (
	"fmt"
	"os"

	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"

	"unigo/guest"
	"unigo/kernel/server"
	"unigo/netstack/link"
	"unigo/netstack/netconf"
	"unigo/netstack/socket"
)

// Stack is the network stack (nil outside unigo).
var Stack *stack.Stack

func init() {
	if !guest.Booted() {
		return
	}
	if err := start(); err != nil {
		fmt.Fprintln(os.Stderr, "unigo: network:", err)
	}
	guest.Milestone("net-up")
}

func start() error {
	s := stack.New(stack.Options{
		NetworkProtocols: []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol,
			ipv6.NewProtocolWithOptions(netconf.IPv6Options())},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
		HandleLocal:        true,
	})
	Stack = s
	socket.Attach(s)
	server.RegisterNet(socket.Call)
	if err := s.CreateNIC(netconf.NICLoopback, loopback.New()); err != nil {
		return fmt.Errorf("loopback: %v", err)
	}
	routes := netconf.Loopback(s)
	cfg, static := netconf.FromCommandLine()
	server.AddFile("/etc/hosts", []byte("127.0.0.1\tlocalhost\n::1\tlocalhost\n"))
	server.AddFile("/etc/resolv.conf", []byte(cfg.ResolvConf()))
	server.AddFile(somaxconnPath, []byte(fmt.Sprintf("%d\n", somaxconn)))

	dev, irq, err := findNIC()
	if err != nil {
		s.SetRouteTable(routes)
		return err
	}
	ep := link.New(dev)
	registerStats(ep, dev)
	if err := s.CreateNIC(netconf.NICEthernet, ethernet.New(ep)); err != nil {
		return fmt.Errorf("NIC: %v", err)
	}
	mac := ep.LinkAddress()
	netconf.AddAddr(s, netconf.NICEthernet, netconf.LinkLocal6(mac), 64)
	go ep.Run(irq)
	return netconf.Configure(s, routes, cfg, static, mac)
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
