package socket

import (
	"bytes"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
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

	"unigo/kernel/abi/linux"
	"unigo/netstack/link"
	"unigo/netstack/netconf"
	"unigo/netstack/nic"
)

// The constants against golang.org/x/sys/unix, which generates them from
// the Linux headers.
func TestNetlinkConstants(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"AF_NETLINK", linux.AF_NETLINK, unix.AF_NETLINK}, {"SOCK_RAW", linux.SOCK_RAW, unix.SOCK_RAW},
		{"NETLINK_ROUTE", linux.NETLINK_ROUTE, unix.NETLINK_ROUTE}, {"SOL_NETLINK", linux.SOL_NETLINK, unix.SOL_NETLINK},
		{"SO_SNDBUFFORCE", linux.SO_SNDBUFFORCE, unix.SO_SNDBUFFORCE}, {"SO_RCVBUFFORCE", linux.SO_RCVBUFFORCE, unix.SO_RCVBUFFORCE},
		{"SO_PROTOCOL", linux.SO_PROTOCOL, unix.SO_PROTOCOL}, {"SO_DOMAIN", linux.SO_DOMAIN, unix.SO_DOMAIN},
		{"MSG_TRUNC", linux.MSG_TRUNC, unix.MSG_TRUNC}, {"ESOCKTNOSUPPORT", int(linux.ESOCKTNOSUPPORT), int(unix.ESOCKTNOSUPPORT)},
		{"sizeof sockaddr_nl", linux.SizeofSockaddrNetlink, unix.SizeofSockaddrNetlink}, {"NLMSG_HDRLEN", linux.SizeofNlMsghdr, unix.NLMSG_HDRLEN},
		{"NLMSG_ALIGNTO", linux.NLMSG_ALIGNTO, unix.NLMSG_ALIGNTO}, {"RTA_ALIGNTO", linux.RTA_ALIGNTO, unix.RTA_ALIGNTO},
		{"sizeof ifinfomsg", linux.SizeofIfInfomsg, unix.SizeofIfInfomsg}, {"sizeof ifaddrmsg", linux.SizeofIfAddrmsg, unix.SizeofIfAddrmsg},
		{"NLMSG_NOOP", linux.NLMSG_NOOP, unix.NLMSG_NOOP}, {"NLMSG_ERROR", linux.NLMSG_ERROR, unix.NLMSG_ERROR},
		{"NLMSG_DONE", linux.NLMSG_DONE, unix.NLMSG_DONE}, {"NLMSG_MIN_TYPE", linux.NLMSG_MIN_TYPE, unix.NLMSG_MIN_TYPE},
		{"NLM_F_REQUEST", linux.NLM_F_REQUEST, unix.NLM_F_REQUEST}, {"NLM_F_MULTI", linux.NLM_F_MULTI, unix.NLM_F_MULTI},
		{"NLM_F_ACK", linux.NLM_F_ACK, unix.NLM_F_ACK}, {"NLM_F_DUMP", linux.NLM_F_DUMP, unix.NLM_F_DUMP}, {"NLM_F_CAPPED", linux.NLM_F_CAPPED, unix.NLM_F_CAPPED},
		{"RTM_NEWLINK", linux.RTM_NEWLINK, unix.RTM_NEWLINK}, {"RTM_GETLINK", linux.RTM_GETLINK, unix.RTM_GETLINK},
		{"RTM_NEWADDR", linux.RTM_NEWADDR, unix.RTM_NEWADDR}, {"RTM_GETADDR", linux.RTM_GETADDR, unix.RTM_GETADDR},
		{"IFLA_ADDRESS", linux.IFLA_ADDRESS, unix.IFLA_ADDRESS}, {"IFLA_BROADCAST", linux.IFLA_BROADCAST, unix.IFLA_BROADCAST},
		{"IFLA_IFNAME", linux.IFLA_IFNAME, unix.IFLA_IFNAME}, {"IFLA_MTU", linux.IFLA_MTU, unix.IFLA_MTU}, {"IFLA_OPERSTATE", linux.IFLA_OPERSTATE, unix.IFLA_OPERSTATE},
		{"IFA_ADDRESS", linux.IFA_ADDRESS, unix.IFA_ADDRESS}, {"IFA_LOCAL", linux.IFA_LOCAL, unix.IFA_LOCAL}, {"IFA_LABEL", linux.IFA_LABEL, unix.IFA_LABEL},
		{"IFA_BROADCAST", linux.IFA_BROADCAST, unix.IFA_BROADCAST}, {"IFA_F_PERMANENT", linux.IFA_F_PERMANENT, unix.IFA_F_PERMANENT},
		{"IFF_UP", linux.IFF_UP, unix.IFF_UP}, {"IFF_BROADCAST", linux.IFF_BROADCAST, unix.IFF_BROADCAST}, {"IFF_LOOPBACK", linux.IFF_LOOPBACK, unix.IFF_LOOPBACK},
		{"IFF_RUNNING", linux.IFF_RUNNING, unix.IFF_RUNNING}, {"IFF_PROMISC", linux.IFF_PROMISC, unix.IFF_PROMISC}, {"IFF_MULTICAST", linux.IFF_MULTICAST, unix.IFF_MULTICAST},
		{"IF_OPER_UNKNOWN", linux.IF_OPER_UNKNOWN, 0}, {"IF_OPER_DOWN", linux.IF_OPER_DOWN, 2}, {"IF_OPER_UP", linux.IF_OPER_UP, 6}, // include/uapi/linux/if.h; not in x/sys
		{"RT_SCOPE_UNIVERSE", linux.RT_SCOPE_UNIVERSE, unix.RT_SCOPE_UNIVERSE}, {"RT_SCOPE_LINK", linux.RT_SCOPE_LINK, unix.RT_SCOPE_LINK},
		{"RT_SCOPE_HOST", linux.RT_SCOPE_HOST, unix.RT_SCOPE_HOST}, {"ARPHRD_ETHER", linux.ARPHRD_ETHER, unix.ARPHRD_ETHER},
		{"ARPHRD_LOOPBACK", linux.ARPHRD_LOOPBACK, unix.ARPHRD_LOOPBACK}, {"ARPHRD_NONE", linux.ARPHRD_NONE, unix.ARPHRD_NONE},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// goRequest is the request syscall.NetlinkRIB sends: a header and a
// struct rtgenmsg (one byte, the family), NLM_F_DUMP|NLM_F_REQUEST.
func goRequest(typ uint16, seq uint32, family uint8) []byte {
	b := make([]byte, syscall.NLMSG_HDRLEN+syscall.SizeofRtGenmsg)
	ne.PutUint32(b, uint32(len(b)))
	ne.PutUint16(b[4:], typ)
	ne.PutUint16(b[6:], syscall.NLM_F_DUMP|syscall.NLM_F_REQUEST)
	ne.PutUint32(b[8:], seq)
	b[16] = family
	return b
}

// request is a netlink message of type typ with flags, seq and body.
func request(typ, flags uint16, seq uint32, body []byte) []byte {
	return nlMessage(typ, flags, seq, 0, body)
}

// goInterfaces reads RTM_NEWLINK messages the way Go's net package does
// (interfaceTable, newLink in net/interface_linux.go) and formats each
// interface; it fails on anything Go would reject.
func goInterfaces(t *testing.T, msgs []syscall.NetlinkMessage) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_DONE {
			break
		}
		if m.Header.Type != syscall.RTM_NEWLINK {
			t.Fatalf("message type %d in a link dump", m.Header.Type)
		}
		ifim := (*syscall.IfInfomsg)(unsafe.Pointer(&m.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			t.Fatalf("ParseNetlinkRouteAttr: %v", err)
		}
		ifi := net.Interface{Index: int(ifim.Index), Flags: goFlags(ifim.Flags)}
		for _, a := range attrs {
			switch a.Attr.Type {
			case syscall.IFLA_ADDRESS:
				if slices.ContainsFunc(a.Value, func(b byte) bool { return b != 0 }) {
					ifi.HardwareAddr = a.Value
				}
			case syscall.IFLA_IFNAME:
				if len(a.Value) == 0 || a.Value[len(a.Value)-1] != 0 {
					t.Errorf("IFLA_IFNAME %q is not NUL-terminated", a.Value)
				}
				ifi.Name = string(a.Value[:len(a.Value)-1])
			case syscall.IFLA_MTU:
				if len(a.Value) != 4 {
					t.Errorf("IFLA_MTU has %d bytes", len(a.Value))
				}
				ifi.MTU = int(ne.Uint32(a.Value))
			}
		}
		out = append(out, fmt.Sprintf("%d %s type=%d mtu=%d flags=%v hw=%v", ifi.Index, ifi.Name, ifim.Type, ifi.MTU, ifi.Flags, ifi.HardwareAddr))
	}
	return out
}

func goFlags(raw uint32) net.Flags {
	var f net.Flags
	for _, b := range []struct {
		raw uint32
		f   net.Flags
	}{{syscall.IFF_UP, net.FlagUp}, {syscall.IFF_RUNNING, net.FlagRunning}, {syscall.IFF_BROADCAST, net.FlagBroadcast},
		{syscall.IFF_LOOPBACK, net.FlagLoopback}, {syscall.IFF_POINTOPOINT, net.FlagPointToPoint}, {syscall.IFF_MULTICAST, net.FlagMulticast}} {
		if raw&b.raw != 0 {
			f |= b.f
		}
	}
	return f
}

// goAddrs reads RTM_NEWADDR messages the way Go's net package does
// (addrTable, newAddr): with an IFA_LOCAL, the first attribute that is
// not IFA_ADDRESS is the address.
func goAddrs(t *testing.T, msgs []syscall.NetlinkMessage) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_DONE {
			break
		}
		if m.Header.Type != syscall.RTM_NEWADDR {
			t.Fatalf("message type %d in an address dump", m.Header.Type)
		}
		ifam := (*syscall.IfAddrmsg)(unsafe.Pointer(&m.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			t.Fatalf("ParseNetlinkRouteAttr: %v", err)
		}
		p2p := slices.ContainsFunc(attrs, func(a syscall.NetlinkRouteAttr) bool { return a.Attr.Type == syscall.IFA_LOCAL })
		var ipnet *net.IPNet
		for _, a := range attrs {
			if p2p && a.Attr.Type == syscall.IFA_ADDRESS {
				continue
			}
			switch ifam.Family {
			case syscall.AF_INET:
				ipnet = &net.IPNet{IP: net.IPv4(a.Value[0], a.Value[1], a.Value[2], a.Value[3]), Mask: net.CIDRMask(int(ifam.Prefixlen), 32)}
			case syscall.AF_INET6:
				ipnet = &net.IPNet{IP: slices.Clone(a.Value), Mask: net.CIDRMask(int(ifam.Prefixlen), 128)}
			}
			break
		}
		var label string
		for _, a := range attrs {
			if a.Attr.Type == syscall.IFA_LABEL {
				label = " label=" + string(bytes.TrimSuffix(a.Value, []byte{0}))
			}
		}
		out = append(out, fmt.Sprintf("%d %v scope=%d flags=%#x%s", ifam.Index, ipnet, ifam.Scope, ifam.Flags, label))
	}
	return out
}

// checkHeaders checks what syscall.NetlinkRIB checks of every reply
// (seq, port id, and a dump ends with NLMSG_DONE), and NLM_F_MULTI.
func checkHeaders(t *testing.T, msgs []syscall.NetlinkMessage, seq, port uint32) {
	t.Helper()
	if len(msgs) == 0 || msgs[len(msgs)-1].Header.Type != syscall.NLMSG_DONE {
		t.Fatalf("dump does not end with NLMSG_DONE: %+v", msgs)
	}
	for _, m := range msgs {
		if m.Header.Seq != seq || m.Header.Pid != port || m.Header.Flags&syscall.NLM_F_MULTI == 0 {
			t.Errorf("header %+v, want seq %d pid %d and NLM_F_MULTI", m.Header, seq, port)
		}
	}
	if d := msgs[len(msgs)-1]; len(d.Data) != 4 || ne.Uint32(d.Data) != 0 {
		t.Errorf("NLMSG_DONE payload %v, want int 0", d.Data)
	}
}

func parse(t *testing.T, replies [][]byte) []syscall.NetlinkMessage {
	t.Helper()
	b := bytes.Join(replies, nil)
	for _, m := range replies {
		if len(m)%4 != 0 {
			t.Errorf("message of %d bytes is not NLMSG_ALIGNed", len(m))
		}
	}
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		t.Fatalf("ParseNetlinkMessage: %v", err)
	}
	return msgs
}

var (
	testLinks = []nlLink{
		{Index: 1, Name: "lo", Type: 772, Flags: linux.IFF_UP | linux.IFF_LOOPBACK | linux.IFF_RUNNING, MTU: 65536, Addr: make([]byte, 6), Brd: make([]byte, 6)},
		{Index: 2, Name: "eth0", Type: 1, Flags: linux.IFF_UP | linux.IFF_BROADCAST | linux.IFF_MULTICAST | linux.IFF_RUNNING, MTU: 1500, Oper: linux.IF_OPER_UP,
			Addr: []byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}, Brd: bytes.Repeat([]byte{0xff}, 6)},
	}
	testAddrs = []nlAddr{
		{Index: 1, Family: linux.AF_INET, Prefix: 8, Scope: linux.RT_SCOPE_HOST, Addr: []byte{127, 0, 0, 1}, Label: "lo"},
		{Index: 2, Family: linux.AF_INET, Prefix: 24, Scope: linux.RT_SCOPE_UNIVERSE, Addr: []byte{10, 0, 2, 15}, Brd: []byte{10, 0, 2, 255}, Label: "eth0"},
		{Index: 1, Family: linux.AF_INET6, Prefix: 128, Scope: linux.RT_SCOPE_HOST, Addr: net.IPv6loopback, Label: "lo"},
		{Index: 2, Family: linux.AF_INET6, Prefix: 64, Scope: linux.RT_SCOPE_LINK, Addr: net.ParseIP("fe80::5054:ff:fe12:3456"), Label: "eth0"},
	}
	wantInterfaces = []string{
		"1 lo type=772 mtu=65536 flags=up|loopback|running hw=",
		"2 eth0 type=1 mtu=1500 flags=up|broadcast|multicast|running hw=52:54:00:12:34:56",
	}
	wantAddrs = []string{
		"1 127.0.0.1/8 scope=254 flags=0x80 label=lo",
		"2 10.0.2.15/24 scope=0 flags=0x80 label=eth0",
		"1 ::1/128 scope=254 flags=0x80",
		"2 fe80::5054:ff:fe12:3456/64 scope=253 flags=0x80",
	}
)

func testIfaces() ([]nlLink, []nlAddr) { return testLinks, testAddrs }

func TestNetlinkLinkDump(t *testing.T) {
	msgs := parse(t, nlRespond(goRequest(syscall.RTM_GETLINK, 1, syscall.AF_UNSPEC), 77, testIfaces))
	checkHeaders(t, msgs, 1, 77)
	if got := goInterfaces(t, msgs); !slices.Equal(got, wantInterfaces) {
		t.Errorf("interfaces:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantInterfaces, "\n"))
	}
	// The rest of each message, as ip(8) would read it.
	for i, m := range msgs[:2] {
		ifim := (*syscall.IfInfomsg)(unsafe.Pointer(&m.Data[0]))
		if ifim.Family != syscall.AF_UNSPEC || ifim.Change != 0 {
			t.Errorf("link %d: ifinfomsg %+v", i, *ifim)
		}
		attrs, _ := syscall.ParseNetlinkRouteAttr(&m)
		got := map[uint16][]byte{}
		for _, a := range attrs {
			got[a.Attr.Type] = a.Value
		}
		l := testLinks[i]
		if !bytes.Equal(got[unix.IFLA_BROADCAST], l.Brd) || !bytes.Equal(got[unix.IFLA_ADDRESS], l.Addr) ||
			!bytes.Equal(got[unix.IFLA_OPERSTATE], []byte{l.Oper}) {
			t.Errorf("link %d attributes %v", i, got)
		}
	}
}

func TestNetlinkAddrDump(t *testing.T) {
	msgs := parse(t, nlRespond(goRequest(syscall.RTM_GETADDR, 1, syscall.AF_UNSPEC), 77, testIfaces))
	checkHeaders(t, msgs, 1, 77)
	if got := goAddrs(t, msgs); !slices.Equal(got, wantAddrs) {
		t.Errorf("addresses:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantAddrs, "\n"))
	}
	// The attribute order Go depends on, and what IPv4 carries besides.
	var types []string
	for _, m := range msgs[:len(msgs)-1] {
		attrs, _ := syscall.ParseNetlinkRouteAttr(&m)
		var s []string
		for _, a := range attrs {
			s = append(s, fmt.Sprintf("%d:%v", a.Attr.Type, a.Value))
		}
		types = append(types, strings.Join(s, " "))
	}
	want := []string{
		"1:[127 0 0 1] 2:[127 0 0 1] 3:[108 111 0]",
		"1:[10 0 2 15] 2:[10 0 2 15] 4:[10 0 2 255] 3:[101 116 104 48 0]",
		"1:[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1]",
		"1:[254 128 0 0 0 0 0 0 80 84 0 255 254 18 52 86]",
	}
	if !slices.Equal(types, want) {
		t.Errorf("attributes:\n%s\nwant\n%s", strings.Join(types, "\n"), strings.Join(want, "\n"))
	}

	// A family in the request filters.
	for _, c := range []struct {
		family uint8
		want   []string
	}{{syscall.AF_INET, wantAddrs[:2]}, {syscall.AF_INET6, wantAddrs[2:]}} {
		msgs := parse(t, nlRespond(goRequest(syscall.RTM_GETADDR, 9, c.family), 5, testIfaces))
		checkHeaders(t, msgs, 9, 5)
		if got := goAddrs(t, msgs); !slices.Equal(got, c.want) {
			t.Errorf("family %d: %q, want %q", c.family, got, c.want)
		}
	}
}

func TestNetlinkRequests(t *testing.T) {
	calls := 0
	ifaces := func() ([]nlLink, []nlAddr) { calls++; return testIfaces() }
	errorOf := func(t *testing.T, m syscall.NetlinkMessage, req []byte, code int32) {
		t.Helper()
		if m.Header.Type != syscall.NLMSG_ERROR || m.Header.Pid != 3 || m.Header.Seq != ne.Uint32(req[8:]) {
			t.Fatalf("header %+v, want NLMSG_ERROR to pid 3, seq %d", m.Header, ne.Uint32(req[8:]))
		}
		echo := req
		if code == 0 {
			echo = req[:linux.SizeofNlMsghdr]
		}
		if e := int32(ne.Uint32(m.Data)); e != code || !bytes.Equal(m.Data[4:], echo) {
			t.Errorf("error %d echoing %v, want %d echoing %v", e, m.Data[4:], code, echo)
		}
	}

	// Unsupported: a route dump, a link request without NLM_F_DUMP, a
	// new address. Each gets -EOPNOTSUPP with the request echoed.
	for _, req := range [][]byte{
		goRequest(syscall.RTM_GETROUTE, 4, syscall.AF_UNSPEC),
		request(syscall.RTM_GETLINK, syscall.NLM_F_REQUEST, 5, make([]byte, syscall.SizeofIfInfomsg)),
		request(syscall.RTM_NEWADDR, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK|syscall.NLM_F_CREATE, 6, make([]byte, 24)),
	} {
		msgs := parse(t, nlRespond(req, 3, ifaces))
		if len(msgs) != 1 {
			t.Fatalf("%d replies to %v", len(msgs), req)
		}
		errorOf(t, msgs[0], req, -int32(syscall.EOPNOTSUPP))
		if msgs[0].Header.Flags != 0 {
			t.Errorf("error flags %#x", msgs[0].Header.Flags)
		}
	}

	// Control messages and non-requests: an ack when asked, else nothing.
	noop := request(syscall.NLMSG_NOOP, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK, 7, nil)
	msgs := parse(t, nlRespond(noop, 3, ifaces))
	if len(msgs) != 1 {
		t.Fatalf("%d replies to an acked NLMSG_NOOP", len(msgs))
	}
	errorOf(t, msgs[0], noop, 0)
	if msgs[0].Header.Flags != unix.NLM_F_CAPPED {
		t.Errorf("ack flags %#x, want NLM_F_CAPPED", msgs[0].Header.Flags)
	}
	if r := nlRespond(request(syscall.RTM_GETLINK, syscall.NLM_F_DUMP, 8, []byte{0}), 3, ifaces); len(r) != 0 {
		t.Errorf("a message without NLM_F_REQUEST got %d replies", len(r))
	}

	// Two requests in one send, the first of odd length (padded):
	// two dumps in order. Malformed trailing bytes end the batch.
	two := append(append(goRequest(syscall.RTM_GETLINK, 10, 0), 0, 0, 0), goRequest(syscall.RTM_GETADDR, 11, 0)...)
	two = append(two, 0, 0, 0) // pad the second
	bad := make([]byte, 16)
	ne.PutUint32(bad, 200) // longer than what is left
	msgs = parse(t, nlRespond(append(two, bad...), 3, ifaces))
	if len(msgs) != len(testLinks)+1+len(testAddrs)+1 {
		t.Fatalf("%d replies to two dumps", len(msgs))
	}
	checkHeaders(t, msgs[:len(testLinks)+1], 10, 3)
	checkHeaders(t, msgs[len(testLinks)+1:], 11, 3)
	for _, b := range [][]byte{nil, {1, 2, 3}, make([]byte, 15), bad, {15, 0, 0, 0, 18, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0}} {
		if r := nlRespond(b, 3, ifaces); len(r) != 0 {
			t.Errorf("malformed %v got %d replies", b, len(r))
		}
	}
	if calls != 2 {
		t.Errorf("the interfaces were read %d times for 2 dumps", calls)
	}
}

func TestAddrScope(t *testing.T) {
	for _, c := range []struct {
		ip   string
		want uint8
	}{{"127.0.0.1", 254}, {"127.1.2.3", 254}, {"10.0.2.15", 0}, {"::1", 254}, {"fe80::1", 253}, {"febf::1", 253},
		{"fec0::1", 0}, {"2001:db8::1", 0}, {"::", 0}} {
		ip := net.ParseIP(c.ip)
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		if got := addrScope(ip); got != c.want {
			t.Errorf("addrScope(%s) = %d, want %d", c.ip, got, c.want)
		}
	}
}

// netlinkStack is a stack as netstack builds it: loopback (NIC 1) and
// the link endpoint over a stub NIC (NIC 2) with QEMU's MAC and address.
func netlinkStack(t *testing.T) *stack.Stack {
	t.Helper()
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
		HandleLocal:        true,
	})
	t.Cleanup(func() { s.Close(); s.Wait() })
	if err := s.CreateNIC(netconf.NICLoopback, loopback.New()); err != nil {
		t.Fatal(err)
	}
	netconf.Loopback(s)
	mac := [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}
	ep := link.New(stubNIC{nic.Properties{MAC: mac, MTU: 1500}})
	if err := s.CreateNIC(netconf.NICEthernet, ethernet.New(ep)); err != nil {
		t.Fatal(err)
	}
	ip := tcpip.AddrFrom4([4]byte{10, 0, 2, 15})
	netconf.AddAddr(s, netconf.NICEthernet, ip, 24)
	netconf.AddAddr(s, netconf.NICEthernet, netconf.LinkLocal6(tcpip.LinkAddress(mac[:])), 64)
	return s
}

// stubNIC is a device that sends everything and receives nothing.
type stubNIC struct{ props nic.Properties }

func (n stubNIC) Properties() nic.Properties               { return n.props }
func (stubNIC) LinkUp() bool                               { return true }
func (stubNIC) Statistics() nic.Statistics                 { return nic.Statistics{} }
func (stubNIC) TransmitFrames(fs []nic.Frame) (int, error) { return len(fs), nil }
func (stubNIC) Reclaim() error                             { return nil }
func (stubNIC) Receive(func([]byte)) (int, error)          { return 0, nil }
func (stubNIC) Interrupt()                                 {}
func (stubNIC) DisableRxInterrupts()                       {}
func (stubNIC) EnableRxInterrupts() bool                   { return false }

func TestStackInterfaces(t *testing.T) {
	links, addrs := stackInterfaces(netlinkStack(t))
	if fmt.Sprint(links) != fmt.Sprint(testLinks) {
		t.Errorf("links %+v\nwant %+v", links, testLinks)
	}
	if fmt.Sprint(addrs) != fmt.Sprint(testAddrs) {
		t.Errorf("addresses %+v\nwant %+v", addrs, testAddrs)
	}
	if l, a := stackInterfaces(nil); l != nil || a != nil {
		t.Errorf("no stack: %v %v", l, a)
	}
}

// keep holds the test's buffers: the socket calls take their addresses
// as integers, so they must live on the heap.
var keep [][]byte

func heap(n int) []byte {
	b := make([]byte, n)
	keep = append(keep, b)
	return b
}

func ptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// kernelWatch replaces the calls into the kernel's socket table.
type kernelWatch struct {
	mu    sync.Mutex
	addrs map[int][]byte
	ready map[int]uint32
	edges map[int]int
}

func watchKernel(t *testing.T) *kernelWatch {
	k := &kernelWatch{addrs: map[int][]byte{}, ready: map[int]uint32{}, edges: map[int]int{}}
	oldAddr, oldNotify := nlSetAddr, nlNotify
	nlSetAddr = func(h int, sa []byte) {
		k.mu.Lock()
		k.addrs[h] = slices.Clone(sa)
		k.mu.Unlock()
	}
	nlNotify = func(h int, ev uint32, edge bool) {
		k.mu.Lock()
		k.ready[h] = ev
		if edge {
			k.edges[h]++
		}
		k.mu.Unlock()
	}
	t.Cleanup(func() { nlSetAddr, nlNotify = oldAddr, oldNotify })
	return k
}

func (k *kernelWatch) state(h int) ([]byte, uint32, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.addrs[h], k.ready[h], k.edges[h]
}

// Readiness as netstack's waiter reports it for the other sockets
// (EPOLLIN|EPOLLRDNORM, EPOLLOUT|EPOLLWRNORM).
const (
	readable = 0x41
	writable = 0x104
)

// rib does what syscall.NetlinkRIB does, through the server's call.
func rib(t *testing.T, h int, typ uint16) []byte {
	t.Helper()
	sa := heap(linux.SizeofSockaddrNetlink)
	copy(sa, sockaddrNl(0, 0))
	if r := Call(linux.SYS_BIND, [6]uintptr{uintptr(h), ptrOf(sa), linux.SizeofSockaddrNetlink}); r != 0 {
		t.Fatalf("bind = %d", int(r))
	}
	req := heap(17)
	copy(req, goRequest(typ, 1, syscall.AF_UNSPEC))
	if r := Call(linux.SYS_SENDTO, [6]uintptr{uintptr(h), ptrOf(req), 17, 0, ptrOf(sa), linux.SizeofSockaddrNetlink}); r != 17 {
		t.Fatalf("sendto = %d", int(r))
	}
	var tab []byte
	buf, from, fromLen := heap(4096), heap(112), heap(4)
	for {
		ne.PutUint32(fromLen, 112)
		r := Call(linux.SYS_RECVFROM, [6]uintptr{uintptr(h), ptrOf(buf), 4096, 0, ptrOf(from), ptrOf(fromLen)})
		if int(r) < linux.SizeofNlMsghdr {
			t.Fatalf("recvfrom = %d", int(r))
		}
		if ne.Uint32(fromLen) != linux.SizeofSockaddrNetlink || !bytes.Equal(from[:12], sockaddrNl(0, 0)) {
			t.Errorf("recvfrom source %v (%d bytes), want the kernel's sockaddr_nl", from[:12], ne.Uint32(fromLen))
		}
		tab = append(tab, buf[:r]...)
		msgs, err := syscall.ParseNetlinkMessage(buf[:r])
		if err != nil {
			t.Fatal(err)
		}
		if msgs[len(msgs)-1].Header.Type == syscall.NLMSG_DONE {
			return tab
		}
	}
}

func TestNetlinkSocket(t *testing.T) {
	old := sockets.stack
	sockets.stack = netlinkStack(t)
	t.Cleanup(func() { sockets.stack = old })
	k := watchKernel(t)
	const h = 900
	if r := Call(linux.SYS_SOCKET, [6]uintptr{linux.AF_NETLINK, linux.SOCK_RAW | 0x80000, linux.NETLINK_ROUTE, h}); r != 0 {
		t.Fatalf("socket = %d", int(r))
	}
	defer Call(linux.SYS_CLOSE, [6]uintptr{h})
	if _, ev, edges := k.state(h); ev != writable || edges != 1 {
		t.Errorf("new socket readiness %#x (%d edges), want EPOLLOUT", ev, edges)
	}

	// net.Interfaces, then net.InterfaceAddrs.
	links := rib(t, h, syscall.RTM_GETLINK)
	sa, ev, edges := k.state(h)
	if !bytes.Equal(sa, sockaddrNl(h, 0)) {
		t.Errorf("local address %v, want port id %d", sa, h)
	}
	if ev != writable || edges != 2 {
		t.Errorf("drained socket readiness %#x (%d edges), want EPOLLOUT after one new edge", ev, edges)
	}
	msgs := parse(t, [][]byte{links})
	checkHeaders(t, msgs, 1, h)
	if got := goInterfaces(t, msgs); !slices.Equal(got, wantInterfaces) {
		t.Errorf("interfaces:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantInterfaces, "\n"))
	}
	msgs = parse(t, [][]byte{rib(t, h, syscall.RTM_GETADDR)})
	checkHeaders(t, msgs, 1, h)
	if got := goAddrs(t, msgs); !slices.Equal(got, wantAddrs) {
		t.Errorf("addresses:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantAddrs, "\n"))
	}

	// Empty: EAGAIN. A dump makes it readable.
	buf := heap(4096)
	if r := Call(linux.SYS_READ, [6]uintptr{h, ptrOf(buf), 4096}); int(r) != -int(syscall.EAGAIN) {
		t.Errorf("read of an empty socket = %d, want EAGAIN", int(r))
	}
	req := heap(17)
	copy(req, goRequest(syscall.RTM_GETLINK, 2, 0))
	if r := Call(linux.SYS_WRITE, [6]uintptr{h, ptrOf(req), 17}); r != 17 {
		t.Fatalf("write = %d", int(r))
	}
	if _, ev, _ := k.state(h); ev != readable|writable {
		t.Errorf("readiness with replies %#x", ev)
	}

	// recvmsg into 8 bytes: truncated, MSG_TRUNC in msg_flags, the
	// message is gone; with MSG_PEEK|MSG_TRUNC, the whole length.
	first := linkMessage(testLinks[0], 2, h)
	iov, msg := heap(16), heap(56)
	ne.PutUint64(iov, uint64(ptrOf(buf)))
	ne.PutUint64(iov[8:], 8)
	ne.PutUint64(msg[16:], uint64(ptrOf(iov)))
	ne.PutUint64(msg[24:], 1)
	if r := Call(linux.SYS_RECVMSG, [6]uintptr{h, ptrOf(msg), syscall.MSG_PEEK | syscall.MSG_TRUNC}); int(r) != len(first) || ne.Uint32(msg[48:]) != syscall.MSG_TRUNC {
		t.Errorf("recvmsg(MSG_PEEK|MSG_TRUNC) = %d, flags %#x; want %d, MSG_TRUNC", int(r), ne.Uint32(msg[48:]), len(first))
	}
	if r := Call(linux.SYS_RECVMSG, [6]uintptr{h, ptrOf(msg), 0}); r != 8 || ne.Uint32(msg[48:]) != syscall.MSG_TRUNC || !bytes.Equal(buf[:8], first[:8]) {
		t.Errorf("recvmsg into 8 bytes = %d, flags %#x, %v", int(r), ne.Uint32(msg[48:]), buf[:8])
	}
	// The rest fits: the second link and NLMSG_DONE, flags 0.
	ne.PutUint64(iov[8:], 4096)
	rest := append(linkMessage(testLinks[1], 2, h), doneMessage(2, h)...)
	if r := Call(linux.SYS_RECVMSG, [6]uintptr{h, ptrOf(msg), 0}); int(r) != len(rest) || ne.Uint32(msg[48:]) != 0 || !bytes.Equal(buf[:r], rest) {
		t.Errorf("recvmsg = %d, flags %#x", int(r), ne.Uint32(msg[48:]))
	}

	// Options.
	val, vlen := heap(4), heap(4)
	ne.PutUint32(vlen, 4)
	for _, c := range []struct {
		nr          uintptr
		level, name int
		want        uintptr
	}{
		{linux.SYS_SETSOCKOPT, linux.SOL_SOCKET, linux.SO_RCVBUF, 0}, {linux.SYS_SETSOCKOPT, linux.SOL_SOCKET, linux.SO_SNDBUF, 0},
		{linux.SYS_SETSOCKOPT, linux.SOL_NETLINK, unix.NETLINK_EXT_ACK, 0}, {linux.SYS_SETSOCKOPT, linux.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 0},
		{linux.SYS_SETSOCKOPT, linux.SOL_SOCKET, linux.SO_REUSEADDR, linux.ENOPROTOOPT.Ret()}, {linux.SYS_SETSOCKOPT, linux.IPPROTO_TCP, linux.TCP_NODELAY, linux.ENOPROTOOPT.Ret()},
		{linux.SYS_GETSOCKOPT, linux.SOL_SOCKET, linux.SO_TYPE, 0}, {linux.SYS_GETSOCKOPT, linux.SOL_SOCKET, linux.SO_KEEPALIVE, linux.ENOPROTOOPT.Ret()},
		{linux.SYS_SHUTDOWN, 0, 0, linux.EOPNOTSUPP.Ret()}, {linux.SYS_LISTEN, 0, 0, linux.EOPNOTSUPP.Ret()},
	} {
		ne.PutUint32(val, 1)
		if r := Call(c.nr, [6]uintptr{h, uintptr(c.level), uintptr(c.name), ptrOf(val), ptrOf(vlen)}); r != c.want {
			t.Errorf("call %d (%d, %d) = %d, want %d", c.nr, c.level, c.name, int(r), int(c.want))
		}
	}
	if r := Call(linux.SYS_GETSOCKOPT, [6]uintptr{h, linux.SOL_SOCKET, linux.SO_TYPE, ptrOf(val), ptrOf(vlen)}); r != 0 || ne.Uint32(val) != linux.SOCK_RAW {
		t.Errorf("SO_TYPE = %d", ne.Uint32(val))
	}

	// Port ids: a second socket autobinds on send to its handle; an
	// explicit one is kept, unless taken.
	for _, h2 := range []int{901, 902} {
		if r := Call(linux.SYS_SOCKET, [6]uintptr{linux.AF_NETLINK, linux.SOCK_DGRAM, linux.NETLINK_ROUTE, uintptr(h2)}); r != 0 {
			t.Fatalf("socket = %d", int(r))
		}
		defer Call(linux.SYS_CLOSE, [6]uintptr{uintptr(h2)})
	}
	sa2 := heap(linux.SizeofSockaddrNetlink)
	if r := Call(linux.SYS_SENDTO, [6]uintptr{901, ptrOf(req), 17, 0, 0, 0}); r != 17 {
		t.Fatalf("sendto without address = %d", int(r))
	}
	if a, _, _ := k.state(901); !bytes.Equal(a, sockaddrNl(901, 0)) {
		t.Errorf("autobound address %v", a)
	}
	copy(sa2, sockaddrNl(901, 0))
	if r := Call(linux.SYS_BIND, [6]uintptr{902, ptrOf(sa2), linux.SizeofSockaddrNetlink}); r != linux.EADDRINUSE.Ret() {
		t.Errorf("bind to a taken port id = %d, want EADDRINUSE", int(r))
	}
	copy(sa2, sockaddrNl(12345, 1))
	if r := Call(linux.SYS_BIND, [6]uintptr{902, ptrOf(sa2), linux.SizeofSockaddrNetlink}); r != 0 {
		t.Errorf("bind to 12345 = %d", int(r))
	}
	if a, _, _ := k.state(902); !bytes.Equal(a, sockaddrNl(12345, 1)) {
		t.Errorf("bound address %v", a)
	}
	copy(sa2, sockaddrNl(777, 0))
	if r := Call(linux.SYS_BIND, [6]uintptr{902, ptrOf(sa2), linux.SizeofSockaddrNetlink}); r != linux.EINVAL.Ret() {
		t.Errorf("second bind = %d, want EINVAL", int(r))
	}
	for _, bad := range [][]byte{{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {16, 0, 0, 0}} {
		copy(sa2, bad)
		if r := Call(linux.SYS_SENDTO, [6]uintptr{902, ptrOf(req), 17, 0, ptrOf(sa2), uintptr(len(bad))}); r != linux.EINVAL.Ret() {
			t.Errorf("sendto %v = %d, want EINVAL", bad, int(r))
		}
	}
	copy(sa2, sockaddrNl(901, 0))
	if r := Call(linux.SYS_SENDTO, [6]uintptr{902, ptrOf(req), 17, 0, ptrOf(sa2), linux.SizeofSockaddrNetlink}); r != linux.ECONNREFUSED.Ret() {
		t.Errorf("sendto another socket = %d, want ECONNREFUSED", int(r))
	}
	// 901's replies carry its port id.
	if r := Call(linux.SYS_READ, [6]uintptr{901, ptrOf(buf), 4096}); int(r) <= 0 {
		t.Fatalf("read = %d", int(r))
	} else {
		checkHeaders(t, parse(t, [][]byte{buf[:r]}), 2, 901)
	}

	// Closed: gone.
	Call(linux.SYS_CLOSE, [6]uintptr{901})
	if r := Call(linux.SYS_READ, [6]uintptr{901, ptrOf(buf), 4096}); r != linux.EBADF.Ret() {
		t.Errorf("read after close = %d, want EBADF", int(r))
	}
}

// TestNetlinkOverrun: replies nobody reads are bounded; the receive
// after the drop reports ENOBUFS, then the queued replies follow.
func TestNetlinkOverrun(t *testing.T) {
	watchKernel(t)
	const h = 903
	if r := Call(linux.SYS_SOCKET, [6]uintptr{linux.AF_NETLINK, linux.SOCK_RAW, linux.NETLINK_ROUTE, h}); r != 0 {
		t.Fatalf("socket = %d", int(r))
	}
	defer Call(linux.SYS_CLOSE, [6]uintptr{h})
	s := func() *nlSocket {
		sockets.mu.Lock()
		defer sockets.mu.Unlock()
		return sockets.all[h].(*nlSocket)
	}()
	s.stack = nil // no interfaces: a dump is NLMSG_DONE alone
	req := heap(17)
	copy(req, goRequest(syscall.RTM_GETLINK, 1, 0))
	sent := 0
	for ; s.queued+20 <= nlQueueMax; sent++ {
		Call(linux.SYS_WRITE, [6]uintptr{h, ptrOf(req), 17})
	}
	Call(linux.SYS_WRITE, [6]uintptr{h, ptrOf(req), 17})
	buf := heap(64)
	if r := Call(linux.SYS_READ, [6]uintptr{h, ptrOf(buf), 64}); r != linux.ENOBUFS.Ret() {
		t.Errorf("read after an overrun = %d, want ENOBUFS", int(r))
	}
	if r := Call(linux.SYS_READ, [6]uintptr{h, ptrOf(buf), 64}); r != 60 {
		t.Errorf("read = %d, want three NLMSG_DONE", int(r))
	}
	if sent != nlQueueMax/20 {
		t.Errorf("%d replies queued", sent)
	}
}

func TestNetlinkSocketArgs(t *testing.T) {
	watchKernel(t)
	for _, c := range []struct {
		typ, proto int
		want       uintptr
	}{{linux.SOCK_STREAM, 0, linux.ESOCKTNOSUPPORT.Ret()}, {linux.SOCK_RAW, 16 /* NETLINK_GENERIC */, linux.EPROTONOSUPPORT.Ret()}} {
		if r := Call(linux.SYS_SOCKET, [6]uintptr{linux.AF_NETLINK, uintptr(c.typ), uintptr(c.proto), 904}); r != c.want {
			t.Errorf("socket(AF_NETLINK, %d, %d) = %d, want %d", c.typ, c.proto, int(r), int(c.want))
		}
	}
	if r := Call(linux.SYS_READ, [6]uintptr{904, 0, 0}); r != linux.EBADF.Ret() {
		t.Errorf("a refused socket exists: read = %d", int(r))
	}
}
