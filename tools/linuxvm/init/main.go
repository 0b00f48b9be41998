// Command init is /init of the Linux guest that the benchmarks compare
// unigo with: it loads the virtio network modules Debian's kernel ships,
// configures eth0 as QEMU user networking expects (10.0.2.15/24 via
// 10.0.2.2) over netlink, and executes the program under test, /app.
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// modules in dependency order (Debian builds virtio as modules).
var modules = []string{"virtio_ring", "virtio", "virtio_mmio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
	"virtio_pci", "failover", "net_failover", "virtio_net"}

func main() {
	// Module parameters on the kernel command line ("virtio_mmio.device=...",
	// which QEMU microvm adds) reach a loadable module only if its loader
	// passes them, as modprobe does.
	os.Mkdir("/proc", 0o555)
	unix.Mount("proc", "/proc", "proc", 0, "")
	cmdline, _ := os.ReadFile("/proc/cmdline")
	for _, m := range modules {
		f, err := os.Open("/modules/" + m + ".ko")
		if err != nil {
			continue
		}
		var params []string
		for _, tok := range strings.Fields(string(cmdline)) {
			if p, ok := strings.CutPrefix(tok, m+"."); ok {
				params = append(params, p)
			}
		}
		if err := unix.FinitModule(int(f.Fd()), strings.Join(params, " "), 0); err != nil && err != unix.EEXIST {
			fmt.Fprintf(os.Stderr, "init: %s: %v\n", m, err)
		}
		f.Close()
	}
	var eth *net.Interface
	for i := 0; i < 500 && eth == nil; i++ {
		eth, _ = net.InterfaceByName("eth0")
		if eth == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if eth == nil {
		fmt.Fprintln(os.Stderr, "init: no eth0")
		os.Exit(1)
	}
	lo, _ := net.InterfaceByName("lo")
	nl, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		fmt.Fprintln(os.Stderr, "init: netlink:", err)
		os.Exit(1)
	}
	check := func(what string, err error) {
		if err != nil {
			fmt.Fprintf(os.Stderr, "init: %s: %v\n", what, err)
			os.Exit(1)
		}
	}
	check("lo up", request(nl, unix.RTM_NEWLINK, linkUp(lo.Index)))
	check("eth0 up", request(nl, unix.RTM_NEWLINK, linkUp(eth.Index)))
	check("address", request(nl, unix.RTM_NEWADDR|createFlags, addr(eth.Index, net.IPv4(10, 0, 2, 15), 24)))
	check("route", request(nl, unix.RTM_NEWROUTE|createFlags, route(eth.Index, net.IPv4(10, 0, 2, 2))))
	check("exec", syscall.Exec("/app", append([]string{"/app"}, os.Args[1:]...), os.Environ()))
}

// createFlags marks a request (packed above the 16-bit message type).
const createFlags = (unix.NLM_F_CREATE | unix.NLM_F_EXCL) << 16

// request sends one netlink message and waits for its acknowledgement.
func request(fd int, typ int, body []byte) error {
	hdr := make([]byte, unix.NLMSG_HDRLEN)
	l := uint32(len(hdr) + len(body))
	ne := nativeEndian
	ne.PutUint32(hdr[0:], l)
	ne.PutUint16(hdr[4:], uint16(typ))
	ne.PutUint16(hdr[6:], uint16(unix.NLM_F_REQUEST|unix.NLM_F_ACK|typ>>16))
	ne.PutUint32(hdr[8:], 1)
	if err := unix.Sendto(fd, append(hdr, body...), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	if n >= 20 && ne.Uint16(buf[4:]) == unix.NLMSG_ERROR {
		if code := int32(ne.Uint32(buf[16:])); code != 0 {
			return syscall.Errno(-code)
		}
	}
	return nil
}

func rtattr(typ int, data []byte) []byte {
	b := make([]byte, 4, (4+len(data)+3)&^3)
	nativeEndian.PutUint16(b[0:], uint16(4+len(data)))
	nativeEndian.PutUint16(b[2:], uint16(typ))
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// linkUp is struct ifinfomsg setting IFF_UP.
func linkUp(index int) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	nativeEndian.PutUint32(b[4:], uint32(index))
	nativeEndian.PutUint32(b[8:], unix.IFF_UP)
	nativeEndian.PutUint32(b[12:], unix.IFF_UP)
	return b
}

// addr is struct ifaddrmsg with IFA_LOCAL and IFA_ADDRESS.
func addr(index int, ip net.IP, prefix int) []byte {
	b := []byte{unix.AF_INET, byte(prefix), 0, unix.RT_SCOPE_UNIVERSE, 0, 0, 0, 0}
	nativeEndian.PutUint32(b[4:], uint32(index))
	b = append(b, rtattr(unix.IFA_LOCAL, ip.To4())...)
	return append(b, rtattr(unix.IFA_ADDRESS, ip.To4())...)
}

// route is struct rtmsg for a default route via gw on the interface.
func route(index int, gw net.IP) []byte {
	b := []byte{unix.AF_INET, 0, 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST, 0, 0, 0, 0}
	b = append(b, rtattr(unix.RTA_GATEWAY, gw.To4())...)
	oif := make([]byte, 4)
	nativeEndian.PutUint32(oif, uint32(index))
	return append(b, rtattr(unix.RTA_OIF, oif)...)
}
