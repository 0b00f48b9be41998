package netconf

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"gvisor.dev/gvisor/pkg/tcpip"

	"unigo/kernel/server"
)

// Config is the interface's static configuration.
type Config struct {
	ip     tcpip.Address
	prefix int
	gw     tcpip.Address
	dns    []tcpip.Address
	// gwSet and dnsSet: given on the command line, so DHCP keeps them.
	gwSet, dnsSet bool
}

// QEMU user networking's defaults (slirp: guest .15, host/gateway .2, DNS .3).
var userNet = Config{
	ip:     tcpip.AddrFrom4([4]byte{10, 0, 2, 15}),
	prefix: 24,
	gw:     tcpip.AddrFrom4([4]byte{10, 0, 2, 2}),
	dns:    []tcpip.Address{tcpip.AddrFrom4([4]byte{10, 0, 2, 3})},
}

// FromCommandLine reads ip=ADDR/PREFIX, gw=ADDR and dns=ADDR[,ADDR]
// from the kernel command line (unigo run -ip, -gw, -dns), defaulting to
// userNet; static is whether an address was given (else DHCP configures
// it).
func FromCommandLine() (c Config, static bool) {
	get := func(k string) string { v, _ := server.Param(k); return v }
	c, err := parseConfig(get("ip"), get("gw"), get("dns"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "unigo: network configuration:", err)
		return userNet, false
	}
	return c, get("ip") != ""
}

func parseConfig(ip, gw, dns string) (Config, error) {
	c := userNet
	if ip != "" {
		p, err := netip.ParsePrefix(ip)
		if err != nil {
			return c, err
		}
		c.ip, c.prefix = addr(p.Addr()), p.Bits()
	}
	if gw != "" {
		a, err := netip.ParseAddr(gw)
		if err != nil {
			return c, err
		}
		c.gw, c.gwSet = addr(a), true
	}
	if dns != "" {
		c.dns, c.dnsSet = nil, true
		for _, d := range strings.Split(dns, ",") {
			a, err := netip.ParseAddr(d)
			if err != nil {
				return c, err
			}
			c.dns = append(c.dns, addr(a))
		}
	}
	return c, nil
}

func addr(a netip.Addr) tcpip.Address {
	if a.Is4() {
		return tcpip.AddrFrom4(a.As4())
	}
	return tcpip.AddrFrom16(a.As16())
}

// ResolvConf is /etc/resolv.conf naming c's DNS servers.
func (c Config) ResolvConf() string {
	var b strings.Builder
	for _, d := range c.dns {
		b.WriteString("nameserver " + d.String() + "\n")
	}
	b.WriteString("options ndots:1 timeout:" + strconv.Itoa(2) + "\n")
	return b.String()
}
