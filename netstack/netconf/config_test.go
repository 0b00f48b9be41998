package netconf

import (
	"reflect"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"
)

func TestParseConfig(t *testing.T) {
	slirpDNS := []tcpip.Address{addr4("10.0.2.3")}
	tests := []struct {
		name        string
		ip, gw, dns string
		want        Config
	}{
		{"defaults", "", "", "", Config{
			ip: addr4("10.0.2.15"), prefix: 24, gw: addr4("10.0.2.2"), dns: slirpDNS}},
		{"address only", "192.168.1.10/24", "", "", Config{
			ip: addr4("192.168.1.10"), prefix: 24, gw: addr4("10.0.2.2"), dns: slirpDNS}},
		{"host bits kept", "10.1.2.3/8", "", "", Config{
			ip: addr4("10.1.2.3"), prefix: 8, gw: addr4("10.0.2.2"), dns: slirpDNS}},
		{"prefix 32", "172.16.0.5/32", "", "", Config{
			ip: addr4("172.16.0.5"), prefix: 32, gw: addr4("10.0.2.2"), dns: slirpDNS}},
		{"IPv6 address", "fd00::15/64", "", "", Config{
			ip: addr16("fd00::15"), prefix: 64, gw: addr4("10.0.2.2"), dns: slirpDNS}},
		{"gateway", "", "10.0.2.1", "", Config{
			ip: addr4("10.0.2.15"), prefix: 24, gw: addr4("10.0.2.1"), dns: slirpDNS, gwSet: true}},
		{"one DNS server", "", "", "1.1.1.1", Config{
			ip: addr4("10.0.2.15"), prefix: 24, gw: addr4("10.0.2.2"), dns: []tcpip.Address{addr4("1.1.1.1")}, dnsSet: true}},
		{"several DNS servers", "", "", "1.1.1.1,8.8.8.8,9.9.9.9", Config{
			ip: addr4("10.0.2.15"), prefix: 24, gw: addr4("10.0.2.2"),
			dns:    []tcpip.Address{addr4("1.1.1.1"), addr4("8.8.8.8"), addr4("9.9.9.9")},
			dnsSet: true}},
		{"IPv6 DNS servers", "", "", "2001:4860:4860::8888,10.0.2.3,::1", Config{
			ip: addr4("10.0.2.15"), prefix: 24, gw: addr4("10.0.2.2"),
			dns:    []tcpip.Address{addr16("2001:4860:4860::8888"), addr4("10.0.2.3"), addr16("::1")},
			dnsSet: true}},
		{"everything", "192.168.7.20/25", "192.168.7.1", "192.168.7.1,fd00::53", Config{
			ip: addr4("192.168.7.20"), prefix: 25, gw: addr4("192.168.7.1"),
			dns:   []tcpip.Address{addr4("192.168.7.1"), addr16("fd00::53")},
			gwSet: true, dnsSet: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.ip, tt.gw, tt.dns)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseConfig(%q, %q, %q) = %+v, %v, want %+v, nil", tt.ip, tt.gw, tt.dns, got, err, tt.want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ ip, gw, dns string }{
		{"10.0.2.15", "", ""}, // no prefix
		{"10.0.2.15/33", "", ""},
		{"10.0.2.15/-1", "", ""},
		{"fd00::15/129", "", ""},
		{"10.0.2/24", "", ""},
		{"bogus", "", ""},
		{"/24", "", ""},
		{"", "10.0.2.256", ""},
		{"", "gateway", ""},
		{"", "10.0.2.2/24", ""},
		{"", "", "10.0.2.3,"},
		{"", "", ",10.0.2.3"},
		{"", "", "1.1.1.1,,8.8.8.8"},
		{"", "", "1.1.1.1;8.8.8.8"},
		{"", "", "dns.google"},
		{"10.0.2.15/24", "10.0.2.2", "not-an-ip"},
	}
	for _, tt := range tests {
		if got, err := parseConfig(tt.ip, tt.gw, tt.dns); err == nil {
			t.Errorf("parseConfig(%q, %q, %q) = %+v, nil, want an error", tt.ip, tt.gw, tt.dns, got)
		}
	}
}

func TestParseConfigKeepsDefaults(t *testing.T) {
	before := userNet
	beforeDNS := append([]tcpip.Address(nil), userNet.dns...)
	parseConfig("192.168.1.10/24", "192.168.1.1", "1.1.1.1,8.8.8.8")
	parseConfig("", "", "bogus")
	if userNet.ip != before.ip || userNet.prefix != before.prefix || userNet.gw != before.gw ||
		userNet.gwSet || userNet.dnsSet || !reflect.DeepEqual(userNet.dns, beforeDNS) {
		t.Errorf("after parseConfig, userNet = %+v, want %+v unchanged", userNet, before)
	}
}

func TestResolvConf(t *testing.T) {
	tests := []struct {
		dns  []tcpip.Address
		want string
	}{
		{nil, "options ndots:1 timeout:2\n"},
		{[]tcpip.Address{addr4("10.0.2.3")}, "nameserver 10.0.2.3\noptions ndots:1 timeout:2\n"},
		{
			[]tcpip.Address{addr4("1.1.1.1"), addr4("8.8.8.8"), addr16("2001:4860:4860::8888")},
			"nameserver 1.1.1.1\nnameserver 8.8.8.8\nnameserver 2001:4860:4860::8888\noptions ndots:1 timeout:2\n",
		},
	}
	for _, tt := range tests {
		c := Config{ip: addr4("10.0.2.15"), prefix: 24, gw: addr4("10.0.2.2"), dns: tt.dns}
		if got := c.ResolvConf(); got != tt.want {
			t.Errorf("ResolvConf() with dns %v = %q, want %q", tt.dns, got, tt.want)
		}
	}
	// The defaults give QEMU user networking's resolver.
	if got, want := userNet.ResolvConf(), "nameserver 10.0.2.3\noptions ndots:1 timeout:2\n"; got != want {
		t.Errorf("userNet.ResolvConf() = %q, want %q", got, want)
	}
}
