// netcheck runs one network check per argument and prints the outcome:
//
//	get URL            HTTP GET, print status and body
//	udp HOST:PORT      send "ping", print the reply
//	lookup NAME        resolve NAME, print the addresses
//	udpserve PORT N    echo N UDP datagrams back, upper-cased
//	addrs              print the local address used to reach the gateway
//	ping6 ADDR ZONE    ICMPv6 echo (a Linux "ping socket") to ADDR on NIC ZONE
//	interfaces         print net.Interfaces with their addresses, then net.InterfaceAddrs
//	fetch URL          HTTP GET, print status, body length and SHA-256
//	post URL N         HTTP POST of N pattern bytes, print status and the reply
//	netstats           print the NIC's counters and negotiated features
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"unigo/guest"
)

// Pattern is the body of post: byte i is i*7+i/251, so that a dropped,
// duplicated or reordered segment changes the digest.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func fetch(url string) error {
	c := &http.Client{Timeout: 60 * time.Second}
	r, err := c.Get(url)
	if err != nil {
		return err
	}
	defer r.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		return err
	}
	fmt.Printf("fetch %s: %d %d bytes sha256 %x\n", url, r.StatusCode, n, h.Sum(nil))
	return nil
}

func post(url string, n int) error {
	c := &http.Client{Timeout: 60 * time.Second}
	r, err := c.Post(url, "application/octet-stream", bytes.NewReader(pattern(n)))
	if err != nil {
		return err
	}
	defer r.Body.Close()
	reply, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	fmt.Printf("post %s: %d %s\n", url, r.StatusCode, strings.TrimSpace(string(reply)))
	return nil
}

func main() {
	args := os.Args[1:]
	for len(args) > 0 {
		var err error
		switch args[0] {
		case "get":
			err = get(args[1])
			args = args[2:]
		case "udp":
			err = udp(args[1])
			args = args[2:]
		case "lookup":
			var addrs []string
			addrs, err = net.LookupHost(args[1])
			sort.Strings(addrs)
			fmt.Printf("lookup %s: %s\n", args[1], strings.Join(addrs, " "))
			args = args[2:]
		case "udpserve":
			n, _ := strconv.Atoi(args[2])
			err = udpserve(args[1], n)
			args = args[3:]
		case "ping6":
			zone, _ := strconv.Atoi(args[2])
			err = ping6(args[1], uint32(zone))
			args = args[3:]
		case "fetch":
			err = fetch(args[1])
			args = args[2:]
		case "post":
			n, _ := strconv.Atoi(args[2])
			err = post(args[1], n)
			args = args[3:]
		case "netstats":
			s, ok := guest.NICStats()
			fmt.Printf("netstats ok=%v features=[%s] mtu=%d link=%v tx_csum_offloaded=%d rx_csum_completed=%d rx=%d tx=%d rx_dropped=%d tx_dropped=%d rx_polls=%d\n",
				ok, s.Features, s.MTU, s.LinkUp, s.TxCsumOffloaded, s.RxCsumCompleted, s.RxPackets, s.TxPackets, s.RxDropped, s.TxDropped, s.RxPolls)
			args = args[1:]
		case "burst":
			n, _ := strconv.Atoi(args[1])
			err = burst(n)
			args = args[2:]
		case "interfaces":
			err = interfaces()
			args = args[1:]
		case "wait6":
			err = wait6()
			args = args[1:]
		case "addrs":
			var c net.Conn
			if c, err = net.Dial("udp", "10.0.2.2:9"); err == nil {
				fmt.Println("addr", c.LocalAddr().(*net.UDPAddr).IP)
				c.Close()
			}
			args = args[1:]
		default:
			fmt.Println("unknown check", args[0])
			os.Exit(2)
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
}

func get(url string) error {
	c := &http.Client{Timeout: 30 * time.Second}
	r, err := c.Get(url)
	if err != nil {
		return err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	fmt.Printf("get %s: %d %s\n", url, r.StatusCode, b)
	return err
}

func udp(addr string) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 100)
	for try := 0; try < 5; try++ {
		c.Write([]byte("ping"))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		if err == nil {
			fmt.Printf("udp %s: %s\n", addr, buf[:n])
			return nil
		}
	}
	return fmt.Errorf("no UDP reply from %s", addr)
}

func udpserve(port string, n int) error {
	c, err := net.ListenPacket("udp", ":"+port)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Println("udp serving on", port)
	buf := make([]byte, 1500)
	for i := 0; i < n; i++ {
		m, from, err := c.ReadFrom(buf)
		if err != nil {
			return err
		}
		c.WriteTo([]byte(strings.ToUpper(string(buf[:m]))), from)
	}
	return nil
}

// ping6 sends ICMPv6 echo requests through a ping socket (SOCK_DGRAM,
// IPPROTO_ICMPV6) until a reply comes back.
func ping6(addr string, zone uint32) error {
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_DGRAM, syscall.IPPROTO_ICMPV6)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	to := &syscall.SockaddrInet6{ZoneId: zone}
	copy(to.Addr[:], net.ParseIP(addr).To16())
	req := []byte{128, 0, 0, 0, 0, 1, 0, 1, 'u', 'n', 'i', 'g', 'o'} // echo request, id 1, seq 1
	buf := make([]byte, 1500)
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); {
		if err := syscall.Sendto(fd, req, 0, to); err != nil && err != syscall.EAGAIN {
			return err
		}
		for i := 0; i < 20; i++ {
			n, _, err := syscall.Recvfrom(fd, buf, 0)
			if err == nil && n >= 8 && buf[0] == 129 {
				fmt.Printf("ping6 %s: reply %q\n", addr, buf[8:n])
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return fmt.Errorf("no ICMPv6 echo reply from %s", addr)
}

// interfaces prints each interface as
//
//	iface NAME index=N mtu=N flags=FLAGS hw=MAC
//	  addr PREFIX
//
// and then every address on one line: "interface addrs: PREFIX...".
func interfaces() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, ifi := range ifs {
		fmt.Printf("iface %s index=%d mtu=%d flags=%v hw=%v\n", ifi.Name, ifi.Index, ifi.MTU, ifi.Flags, ifi.HardwareAddr)
		addrs, err := ifi.Addrs()
		if err != nil {
			return err
		}
		for _, a := range addrs {
			fmt.Printf("  addr %v\n", a)
		}
	}
	all, err := net.InterfaceAddrs()
	if err != nil {
		return err
	}
	var s []string
	for _, a := range all {
		s = append(s, a.String())
	}
	fmt.Printf("interface addrs: %s\n", strings.Join(s, " "))
	return nil
}

// wait6 waits up to 20 s for a global IPv6 address (SLAAC, from a router
// advertisement) and prints its prefix.
func wait6() error {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() == nil && n.IP.IsGlobalUnicast() {
				ones, _ := n.Mask.Size()
				fmt.Printf("global6 prefix %s/%d\n", n.IP.Mask(n.Mask), ones)
				return nil
			}
		}
	}
	return fmt.Errorf("no global IPv6 address after 20 s")
}

// burst dials n loopback connections at once to a listener that accepts
// none of them until all dials are over, then accepts them all. On Linux
// every dial completes (the kernel finishes the handshakes into the
// listen backlog, which net.Listen sizes from somaxconn, 4096); with a
// backlog of 128 the dials beyond it would wait in SYN retransmission.
func burst(n int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	start := time.Now()
	conns := make(chan net.Conn, n)
	failed := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 20*time.Second)
			if err != nil {
				failed <- err
				return
			}
			conns <- c
		}()
	}
	connected, errs := 0, 0
	var first error
	for connected+errs < n {
		select {
		case c := <-conns:
			defer c.Close()
			connected++
		case err := <-failed:
			if first == nil {
				first = err
			}
			errs++
		}
	}
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(20 * time.Second))
	accepted := 0
	for ; accepted < connected; accepted++ {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		c.Close()
	}
	fmt.Printf("burst %d: %d connected, %d accepted, %d failed", n, connected, accepted, errs)
	if first != nil {
		// With the guest's own clock: a failure after less than the dial
		// timeout of host time means the guest's clock jumped.
		fmt.Printf(" (first: %v; after %v by the guest's clock, wall clock now %s)", first, time.Since(start).Round(time.Millisecond), time.Now().UTC().Format(time.RFC3339))
	}
	fmt.Println()
	return nil
}
