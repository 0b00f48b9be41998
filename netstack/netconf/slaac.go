package netconf

import (
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// IPv6 beyond link-local: netstack handles router advertisements (RFC
// 4861) and forms addresses from their prefixes (SLAAC, RFC 4862), but
// leaves the routes to the integrator: it reports on-link prefixes and
// default routers to an NDPDispatcher. routeTable keeps those beside the
// IPv4 configuration, so that neither DHCP nor an advertisement replaces
// what the other installed. QEMU's user networking advertises fec0::/64
// with the host at fec0::2.

// ndpConfig is netstack's defaults, but the first router solicitation
// goes out at once rather than after a random delay of up to a second
// (RFC 4861 §6.3.7 asks for the delay to spread many hosts booting
// together; a unikernel boots alone and wants its address). Duplicate
// address detection stays off (ipv6.Options.DADConfigs is zero): a
// VM's NIC is alone on its segment, and DAD would hold every new
// address, link-local too, tentative for a second.
func ndpConfig() ipv6.NDPConfigurations {
	c := ipv6.DefaultNDPConfigurations()
	c.MaxRtrSolicitationDelay = 0
	return c
}

// routeTable is the stack's routes, rebuilt from their sources whenever
// one changes.
type routeTable struct {
	mu      sync.Mutex
	s       *stack.Stack
	base    []tcpip.Route // loopback
	v4      []tcpip.Route // from the IPv4 configuration (apply)
	onLink  map[tcpip.Subnet]bool
	routers map[routerKey]bool
}

type routerKey struct {
	dest   tcpip.Subnet
	router tcpip.Address
}

var routeTab routeTable

// install sets the stack's table: loopback, IPv4, link-local, then what
// router advertisements gave.
func (r *routeTable) install() {
	t := append(append([]tcpip.Route(nil), r.base...), r.v4...)
	t = append(t, tcpip.Route{Destination: Subnet(tcpip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80}), 10), NIC: NICEthernet})
	for sn := range r.onLink {
		t = append(t, tcpip.Route{Destination: sn, NIC: NICEthernet})
	}
	for k := range r.routers {
		t = append(t, tcpip.Route{Destination: k.dest, Gateway: k.router, NIC: NICEthernet})
	}
	if r.s != nil {
		r.s.SetRouteTable(t)
	}
}

// setV4 installs the IPv4 routes (and the stack and loopback routes,
// which the first call brings).
func (r *routeTable) setV4(s *stack.Stack, base, v4 []tcpip.Route) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s, r.base, r.v4 = s, base, v4
	r.install()
}

// ndpDispatcher receives netstack's NDP events (ipv6.NDPDispatcher).
type ndpDispatcher struct{ r *routeTable }

var _ ipv6.NDPDispatcher = ndpDispatcher{}

func (d ndpDispatcher) update(f func(r *routeTable)) {
	d.r.mu.Lock()
	defer d.r.mu.Unlock()
	if d.r.onLink == nil {
		d.r.onLink, d.r.routers = map[tcpip.Subnet]bool{}, map[routerKey]bool{}
	}
	f(d.r)
	d.r.install()
}

func (ndpDispatcher) OnDuplicateAddressDetectionResult(tcpip.NICID, tcpip.Address, stack.DADResult) {}

func (d ndpDispatcher) OnOffLinkRouteUpdated(_ tcpip.NICID, dest tcpip.Subnet, router tcpip.Address, _ header.NDPRoutePreference) {
	d.update(func(r *routeTable) { r.routers[routerKey{dest, router}] = true })
}

func (d ndpDispatcher) OnOffLinkRouteInvalidated(_ tcpip.NICID, dest tcpip.Subnet, router tcpip.Address) {
	d.update(func(r *routeTable) { delete(r.routers, routerKey{dest, router}) })
}

func (d ndpDispatcher) OnOnLinkPrefixDiscovered(_ tcpip.NICID, prefix tcpip.Subnet) {
	d.update(func(r *routeTable) { r.onLink[prefix] = true })
}

func (d ndpDispatcher) OnOnLinkPrefixInvalidated(_ tcpip.NICID, prefix tcpip.Subnet) {
	d.update(func(r *routeTable) { delete(r.onLink, prefix) })
}

func (ndpDispatcher) OnAutoGenAddress(tcpip.NICID, tcpip.AddressWithPrefix) stack.AddressDispatcher {
	return nil
}

func (ndpDispatcher) OnAutoGenAddressDeprecated(tcpip.NICID, tcpip.AddressWithPrefix)  {}
func (ndpDispatcher) OnAutoGenAddressInvalidated(tcpip.NICID, tcpip.AddressWithPrefix) {}
func (ndpDispatcher) OnRecursiveDNSServerOption(tcpip.NICID, []tcpip.Address, time.Duration) {
}
func (ndpDispatcher) OnDNSSearchListOption(tcpip.NICID, []string, time.Duration) {}

// OnDHCPv6Configuration: unigo has no DHCPv6 client; SLAAC configures
// the addresses.
func (ndpDispatcher) OnDHCPv6Configuration(tcpip.NICID, ipv6.DHCPv6ConfigurationFromNDPRA) {}
