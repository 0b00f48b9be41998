package link

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"

	"unigo/netstack/netconf"
	"unigo/netstack/nic"
)

// The test network: stack A runs on the package's Endpoint (over fakeNIC),
// stack B on gVisor's channel endpoint; both wrapped by ethernet.New.
const (
	linkMACA = tcpip.LinkAddress("\x02\x00\x00\x00\x07\x01")
	linkMACB = tcpip.LinkAddress("\x02\x00\x00\x00\x07\x02")
	linkMTU  = 1514 // a whole Ethernet frame: IP gets 1500

	linkWait = 30 * time.Second
)

var (
	linkIPA = tcpip.AddrFrom4([4]byte{192, 168, 7, 1})
	linkIPB = tcpip.AddrFrom4([4]byte{192, 168, 7, 2})
)

var errLinkFake = errors.New("fake NIC: no room")

// fakeNIC is a nic.NIC. Its Transmit copies each frame and hands it
// to out, which a goroutine drains into the peer stack, so no netstack
// lock is held across the hop. It records what it transmitted.
type fakeNIC struct {
	out  chan []byte
	done chan struct{} // closed at teardown: Transmit stops blocking

	// transmit, if set (before the link is used), replaces the above.
	transmit func(frames [][]byte) (int, error)
	// failing makes Transmit refuse everything, as a full or failed
	// virtio-net device does: (0, error).
	failing atomic.Bool
	refused atomic.Int64 // frames refused while failing
	// csumRequests counts frames that asked for a checksum.
	csumRequests atomic.Int64

	mu       sync.Mutex
	frames   int
	maxFrame int
	types    map[uint16]int // EtherType → frames sent
}

func newFakeNIC(queue int) *fakeNIC {
	return &fakeNIC{out: make(chan []byte, queue), done: make(chan struct{}), types: map[uint16]int{}}
}

// TransmitFrames joins each frame's parts and transmits them; a checksum
// request is completed as the device would.
func (f *fakeNIC) TransmitFrames(fs []nic.Frame) (int, error) {
	frames := make([][]byte, len(fs))
	for i, fr := range fs {
		frames[i] = bytes.Join(fr.Parts, nil)
		if fr.CsumOffset != 0 {
			f.csumRequests.Add(1)
			completeTestCsum(frames[i], int(fr.CsumStart), int(fr.CsumOffset))
		}
	}
	return f.Transmit(frames...)
}

// completeTestCsum is RFC 1071 over frame[start:], stored at start+offset.
func completeTestCsum(frame []byte, start, offset int) {
	var sum uint32
	b := frame[start:]
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xFFFF {
		sum = sum&0xFFFF + sum>>16
	}
	binary.BigEndian.PutUint16(frame[start+offset:], ^uint16(sum))
}

func (f *fakeNIC) Transmit(frames ...[]byte) (int, error) {
	if f.transmit != nil {
		return f.transmit(frames)
	}
	if f.failing.Load() {
		f.refused.Add(int64(len(frames)))
		return 0, errLinkFake
	}
	for i, fr := range frames {
		c := append([]byte(nil), fr...)
		f.mu.Lock()
		f.frames++
		f.maxFrame = max(f.maxFrame, len(c))
		if len(c) >= header.EthernetMinimumSize {
			f.types[uint16(header.Ethernet(c).Type())]++
		}
		f.mu.Unlock()
		select {
		case f.out <- c:
		case <-f.done:
			return i, errLinkFake
		}
	}
	return len(frames), nil
}

func (f *fakeNIC) Properties() nic.Properties {
	return nic.Properties{MTU: linkMTU - header.EthernetMinimumSize}
}
func (f *fakeNIC) LinkUp() bool                      { return true }
func (f *fakeNIC) Statistics() nic.Statistics        { return nic.Statistics{} }
func (f *fakeNIC) Receive(func([]byte)) (int, error) { return 0, nil }
func (f *fakeNIC) Reclaim() error                    { return nil }
func (f *fakeNIC) Interrupt()                        {}
func (f *fakeNIC) DisableRxInterrupts()              {}
func (f *fakeNIC) EnableRxInterrupts() bool          { return false }

func (f *fakeNIC) stats() (frames, maxFrame int, types map[uint16]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	types = make(map[uint16]int, len(f.types))
	for k, v := range f.types {
		types[k] = v
	}
	return f.frames, f.maxFrame, types
}

// next waits for the next frame the fake transmitted.
func (f *fakeNIC) next(t *testing.T) []byte {
	t.Helper()
	select {
	case fr := <-f.out:
		return fr
	case <-time.After(linkWait):
		t.Fatal("no frame transmitted")
		return nil
	}
}

func newLinkStack() *stack.Stack {
	return stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
		HandleLocal:        true,
	})
}

// configureLinkStack gives NIC netconf.NICEthernet its addresses and routes as
// netstack and netconf do: ip/24, the MAC's fe80:: address, and the two subnets.
func configureLinkStack(t *testing.T, s *stack.Stack, ep stack.LinkEndpoint, ip tcpip.Address, mac tcpip.LinkAddress) {
	t.Helper()
	if err := s.CreateNIC(netconf.NICEthernet, ep); err != nil {
		t.Fatalf("CreateNIC: %v", err)
	}
	netconf.AddAddr(s, netconf.NICEthernet, ip, 24)
	netconf.AddAddr(s, netconf.NICEthernet, netconf.LinkLocal6(mac), 64)
	s.SetRouteTable([]tcpip.Route{
		{Destination: netconf.Subnet(ip, 24), NIC: netconf.NICEthernet},
		{Destination: netconf.Subnet(tcpip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80}), 10), NIC: netconf.NICEthernet},
	})
	has := map[tcpip.Address]bool{}
	for _, a := range s.AllAddresses()[netconf.NICEthernet] {
		has[a.AddressWithPrefix.Address] = true
	}
	if !has[ip] || !has[netconf.LinkLocal6(mac)] {
		t.Fatalf("NIC addresses = %v, want %v and %v", has, ip, netconf.LinkLocal6(mac))
	}
}

// linkPair is two stacks joined by an Ethernet "wire": A on the
// package's link, B on gVisor's channel endpoint.
type linkPair struct {
	a, b *stack.Stack
	la   *Endpoint
	fake *fakeNIC
	chB  *channel.Endpoint
}

func newLinkPair(t *testing.T) *linkPair { t.Helper(); return newLinkPairCsum(t, false) }

// newLinkPairCsum makes a pair whose link A, with txCsum, has the
// device complete TCP and UDP checksums (the fake does, as virtio's
// CSUM feature would); B's stack verifies every checksum it receives.
func newLinkPairCsum(t *testing.T, txCsum bool) *linkPair {
	t.Helper()
	p := &linkPair{a: newLinkStack(), b: newLinkStack(), fake: newFakeNIC(1024)}
	p.la = &Endpoint{dev: p.fake, mac: linkMACA, mtu: linkMTU, txCsum: txCsum}
	p.chB = channel.New(1024, linkMTU, linkMACB)
	configureLinkStack(t, p.a, ethernet.New(p.la), linkIPA, linkMACA)
	configureLinkStack(t, p.b, ethernet.New(p.chB), linkIPB, linkMACB)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// A → B: the fake's frames, Ethernet header included, into B's
	// channel endpoint, whose dispatcher is B's ethernet.Endpoint: its
	// DeliverNetworkPacket consumes the header and takes the protocol
	// from the EtherType (the number passed here is ignored, as it is
	// for Endpoint.deliver).
	wg.Go(func() {
		for {
			select {
			case fr := <-p.fake.out:
				pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(fr)})
				p.chB.InjectInbound(0, pkt)
				pkt.DecRef()
			case <-ctx.Done():
				return
			}
		}
	})
	// B → A: the channel endpoint queues outbound packets with the
	// Ethernet header that B's ethernet.Endpoint.AddHeader pushed. Each
	// goes to Endpoint.deliver through one reused buffer, as the virtio
	// driver's receive buffers are reused: deliver must copy.
	wg.Go(func() {
		rx := make([]byte, linkMTU)
		for {
			pkt := p.chB.ReadContext(ctx)
			if pkt == nil {
				return
			}
			n := 0
			for _, s := range pkt.AsSlices() {
				n += copy(rx[n:], s)
			}
			size := pkt.Size()
			pkt.DecRef()
			if n != size {
				t.Errorf("B sent a %d-byte frame, larger than the NIC's %d", size, len(rx))
				continue
			}
			p.la.deliver(rx[:n])
			for i := range rx[:n] {
				rx[i] = 0xA5
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		close(p.fake.done)
		wg.Wait()
		p.a.Close()
		p.b.Close()
		p.a.Wait()
		p.b.Wait()
	})
	return p
}

func linkRandom(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{0: byte(seed), 1: byte(seed >> 8)})
	r.Read(b)
	return b
}

func TestLinkTCP(t *testing.T) {
	for _, csum := range []bool{false, true} {
		t.Run(fmt.Sprintf("txCsum=%v", csum), func(t *testing.T) {
			p := newLinkPairCsum(t, csum)
			linkTCPExchange(t, p)
			if got := p.fake.csumRequests.Load(); csum && got == 0 || !csum && got != 0 {
				t.Errorf("checksum requests with txCsum %v = %d", csum, got)
			}
		})
	}
}

func linkTCPExchange(t *testing.T, p *linkPair) {
	const size = 1 << 20
	toB, toA := linkRandom(1, size), linkRandom(2, size)

	ln, err := gonet.ListenTCP(p.b, tcpip.FullAddress{NIC: netconf.NICEthernet, Addr: linkIPB, Port: 8080}, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	acceptErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			acceptErr <- err
			return
		}
		accepted <- c
	}()

	ctx, cancel := context.WithTimeout(context.Background(), linkWait)
	defer cancel()
	ca, err := gonet.DialContextTCP(ctx, p.a, tcpip.FullAddress{NIC: netconf.NICEthernet, Addr: linkIPB, Port: 8080}, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ca.Close() })
	var cb net.Conn
	select {
	case cb = <-accepted:
	case err := <-acceptErr:
		t.Fatalf("accept: %v", err)
	case <-time.After(linkWait):
		t.Fatal("accept timed out")
	}
	t.Cleanup(func() { cb.Close() })
	if got, want := cb.RemoteAddr().String(), "192.168.7.1:"; !strings.HasPrefix(got, want) {
		t.Errorf("B sees the peer as %s, want %s*", got, want)
	}
	deadline := time.Now().Add(linkWait)
	ca.SetDeadline(deadline)
	cb.SetDeadline(deadline)

	// Each side writes its megabyte and half-closes, while reading the
	// other's to EOF.
	var wg sync.WaitGroup
	var gotA, gotB []byte
	var errs [4]error
	wg.Go(func() {
		if _, errs[0] = ca.Write(toB); errs[0] == nil {
			errs[0] = ca.CloseWrite()
		}
	})
	wg.Go(func() {
		if _, errs[1] = cb.Write(toA); errs[1] == nil {
			errs[1] = cb.(*gonet.TCPConn).CloseWrite()
		}
	})
	wg.Go(func() { gotB, errs[2] = io.ReadAll(cb) })
	wg.Go(func() { gotA, errs[3] = io.ReadAll(ca) })
	wg.Wait()
	for i, what := range []string{"A write", "B write", "B read", "A read"} {
		if errs[i] != nil {
			t.Errorf("%s: %v", what, errs[i])
		}
	}
	if !bytes.Equal(gotB, toB) {
		t.Errorf("B received %d bytes, not the %d A sent (first difference at %d)", len(gotB), len(toB), linkFirstDiff(gotB, toB))
	}
	if !bytes.Equal(gotA, toA) {
		t.Errorf("A received %d bytes, not the %d B sent (first difference at %d)", len(gotA), len(toA), linkFirstDiff(gotA, toA))
	}

	frames, maxFrame, types := p.fake.stats()
	t.Logf("A transmitted %d frames, largest %d bytes, by EtherType %v", frames, maxFrame, types)
	if maxFrame > linkMTU {
		t.Errorf("A transmitted a %d-byte frame; the link's MTU is %d", maxFrame, linkMTU)
	}
	if maxFrame < linkMTU-100 {
		t.Errorf("A's largest frame is %d bytes: the stream was not sent in full-sized segments", maxFrame)
	}
	if minFrames := size / linkMTU; frames < minFrames {
		t.Errorf("A transmitted %d frames, want at least %d for 1 MiB", frames, minFrames)
	}
	if types[uint16(header.ARPProtocolNumber)] == 0 {
		t.Error("A sent no ARP frame (it had to resolve B)")
	}
	if types[uint16(header.IPv4ProtocolNumber)] < frames/2 {
		t.Errorf("A sent only %d IPv4 frames of %d", types[uint16(header.IPv4ProtocolNumber)], frames)
	}
	for _, s := range []struct {
		name string
		st   *stack.Stack
	}{{"A", p.a}, {"B", p.b}} {
		if n := s.st.Stats().TCP.ChecksumErrors.Value(); n != 0 {
			t.Errorf("%s saw %d TCP checksum errors", s.name, n)
		}
		if n := s.st.Stats().NICs.MalformedL4RcvdPackets.Value(); n != 0 {
			t.Errorf("%s received %d malformed packets", s.name, n)
		}
	}
}

func linkFirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// linkUDPExchange sends ping from A to B's server at (addr, port) and
// pong back, and returns the address B saw the ping come from.
func linkUDPExchange(t *testing.T, p *linkPair, proto tcpip.NetworkProtocolNumber, bAddr tcpip.Address) net.Addr {
	t.Helper()
	const port = 9000
	srv, err := gonet.DialUDP(p.b, &tcpip.FullAddress{NIC: netconf.NICEthernet, Addr: bAddr, Port: port}, nil, proto)
	if err != nil {
		t.Fatalf("B bind: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	cli, err := gonet.DialUDP(p.a, nil, &tcpip.FullAddress{NIC: netconf.NICEthernet, Addr: bAddr, Port: port}, proto)
	if err != nil {
		t.Fatalf("A connect: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	deadline := time.Now().Add(linkWait)
	srv.SetDeadline(deadline)
	cli.SetDeadline(deadline)

	ping, pong := []byte("ping from A"), []byte("pong from B")
	if _, err := cli.Write(ping); err != nil {
		t.Fatalf("A write: %v", err)
	}
	buf := make([]byte, 2048)
	n, from, err := srv.ReadFrom(buf)
	if err != nil {
		t.Fatalf("B read: %v", err)
	}
	if !bytes.Equal(buf[:n], ping) {
		t.Errorf("B received %q, want %q", buf[:n], ping)
	}
	if _, err := srv.WriteTo(pong, from); err != nil {
		t.Fatalf("B write to %v: %v", from, err)
	}
	n, err = cli.Read(buf)
	if err != nil {
		t.Fatalf("A read: %v", err)
	}
	if !bytes.Equal(buf[:n], pong) {
		t.Errorf("A received %q, want %q", buf[:n], pong)
	}
	return from
}

func TestLinkUDP(t *testing.T) {
	for _, csum := range []bool{false, true} {
		p := newLinkPairCsum(t, csum)
		from := linkUDPExchange(t, p, ipv4.ProtocolNumber, linkIPB)
		if ip := from.(*net.UDPAddr).IP; !ip.Equal(net.IPv4(192, 168, 7, 1)) {
			t.Errorf("txCsum %v: B saw the datagram from %v, want 192.168.7.1", csum, ip)
		}
		if got := p.fake.csumRequests.Load(); csum && got == 0 || !csum && got != 0 {
			t.Errorf("checksum requests with txCsum %v = %d", csum, got)
		}
	}
}

// With TX offload, an IPv6 UDP datagram's checksum is completed too
// (IPv6 has no "no checksum": B's stack drops one without).
func TestLinkUDP6TxCsum(t *testing.T) {
	p := newLinkPairCsum(t, true)
	linkUDPExchange(t, p, ipv6.ProtocolNumber, netconf.LinkLocal6(linkMACB))
	if p.fake.csumRequests.Load() == 0 {
		t.Errorf("no checksum request for an IPv6 UDP datagram with txCsum")
	}
}

func TestLinkIPv6LinkLocal(t *testing.T) {
	p := newLinkPair(t)
	from := linkUDPExchange(t, p, ipv6.ProtocolNumber, netconf.LinkLocal6(linkMACB))
	want := netconf.LinkLocal6(linkMACA).As16()
	if ip := from.(*net.UDPAddr).IP; !ip.Equal(net.IP(want[:])) {
		t.Errorf("B saw the datagram from %v, want %v", ip, net.IP(want[:]))
	}
	if _, _, types := p.fake.stats(); types[uint16(header.IPv6ProtocolNumber)] == 0 {
		t.Error("A sent no IPv6 frame")
	}
}

// linkPackets makes n packets, each with a 14-byte link header pushed in
// front of its payload, as ethernet.Endpoint.AddHeader leaves them.
func linkPackets(n int) (stack.PacketBufferList, [][]byte) {
	var pkts stack.PacketBufferList
	var want [][]byte
	for i := range n {
		payload := bytes.Repeat([]byte{byte(i + 1)}, 10*(i+1))
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{
			ReserveHeaderBytes: header.EthernetMinimumSize,
			Payload:            buffer.MakeWithData(payload),
		})
		hdr := pkt.LinkHeader().Push(header.EthernetMinimumSize)
		for j := range hdr {
			hdr[j] = byte(0xE0 + j)
		}
		pkts.PushBack(pkt)
		want = append(want, append(append([]byte(nil), hdr...), payload...))
	}
	return pkts, want
}

func TestLinkWritePackets(t *testing.T) {
	tests := []struct {
		name       string
		n          int   // frames Transmit reports
		err        error // and its error
		wantN      int   // WritePackets' count
		wouldBlock bool  // its error is ErrWouldBlock (else nil)
	}{
		{name: "all", n: 3, wantN: 3},
		{name: "short", n: 1, wantN: 1},
		{name: "short with error", n: 2, err: errLinkFake, wantN: 2},
		{name: "none with error", n: 0, err: errLinkFake, wantN: 0, wouldBlock: true},
		{name: "device failed", n: 0, err: errors.New("virtio: device needs reset"), wantN: 0, wouldBlock: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeNIC(0)
			var got [][]byte
			fake.transmit = func(frames [][]byte) (int, error) {
				for _, f := range frames {
					got = append(got, append([]byte(nil), f...))
				}
				return tt.n, tt.err
			}
			l := &Endpoint{dev: fake, mac: linkMACA, mtu: linkMTU}
			pkts, want := linkPackets(3)
			defer pkts.DecRef()

			var (
				n    int
				terr tcpip.Error
			)
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("WritePackets panicked: %v", r)
					}
				}()
				n, terr = l.WritePackets(pkts)
			}()
			if n != tt.wantN {
				t.Errorf("WritePackets = %d, want %d", n, tt.wantN)
			}
			if _, wouldBlock := terr.(*tcpip.ErrWouldBlock); terr != nil && !wouldBlock || wouldBlock != tt.wouldBlock {
				t.Errorf("WritePackets error = %v, want ErrWouldBlock: %v", terr, tt.wouldBlock)
			}
			// Every packet reaches the device whole: link header, then payload.
			if len(got) != len(want) {
				t.Fatalf("Transmit got %d frames, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("frame %d = %x, want %x", i, got[i], want[i])
				}
			}
		})
	}
}

// TestLinkWritePacketsEmpty: an empty batch is a no-op.
func TestLinkWritePacketsEmpty(t *testing.T) {
	fake := newFakeNIC(0)
	fake.transmit = func(frames [][]byte) (int, error) { return len(frames), nil }
	l := &Endpoint{dev: fake, mac: linkMACA, mtu: linkMTU}
	var pkts stack.PacketBufferList
	if n, err := l.WritePackets(pkts); n != 0 || err != nil {
		t.Errorf("WritePackets(empty) = %d, %v; want 0, nil", n, err)
	}
}

// TestLinkStackSendError: a device that refuses everything makes sends
// fail or drop, never panic, and the stack carries on once it recovers.
func TestLinkStackSendError(t *testing.T) {
	p := newLinkPair(t)
	p.fake.failing.Store(true)

	srv, err := gonet.DialUDP(p.b, &tcpip.FullAddress{NIC: netconf.NICEthernet, Addr: linkIPB, Port: 9000}, nil, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cli, err := gonet.DialUDP(p.a, nil, &tcpip.FullAddress{NIC: netconf.NICEthernet, Addr: linkIPB, Port: 9000}, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	cli.SetDeadline(time.Now().Add(linkWait))
	srv.SetDeadline(time.Now().Add(linkWait))
	// The ARP request for B fails to go out; the datagram waits for
	// resolution (or is dropped). Either way nothing panics.
	cli.Write([]byte("lost"))

	// Wait for a refusal (the first ARP probe goes out from a timer).
	for end := time.Now().Add(linkWait); p.fake.refused.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the failing device was never asked to transmit")
		}
	}
	p.fake.failing.Store(false)
	// gVisor retransmits the ARP request (1 s); keep sending until one
	// datagram arrives.
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 100)
		n, _, err := srv.ReadFrom(buf)
		if err == nil {
			got <- buf[:n]
		}
		close(got)
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(linkWait)
	for {
		select {
		case b, ok := <-got:
			if !ok {
				t.Fatal("B read failed")
			}
			if string(b) != "lost" && string(b) != "found" {
				t.Errorf("B received %q", b)
			}
			return
		case <-tick.C:
			cli.Write([]byte("found"))
		case <-timeout:
			t.Fatal("no datagram after the device recovered")
		}
	}
}

func TestLinkDeliverDetached(t *testing.T) {
	fake := newFakeNIC(16)
	l := &Endpoint{dev: fake, mac: linkMACA, mtu: linkMTU}
	arpReq := linkARPRequest()

	// Before Attach: no dispatcher, the frame is dropped.
	l.deliver(arpReq)
	l.deliver(nil)
	if l.IsAttached() {
		t.Fatal("IsAttached before CreateNIC")
	}

	s := newLinkStack()
	defer func() { s.Close(); s.Wait() }()
	configureLinkStack(t, s, ethernet.New(l), linkIPA, linkMACA)
	if !l.IsAttached() {
		t.Fatal("not attached after CreateNIC")
	}

	// Attached: a runt frame is dropped; an ARP request for A's address
	// is answered through Transmit.
	l.deliver(nil)
	l.deliver([]byte{1, 2, 3})
	l.deliver(arpReq)
	reply := fake.next(t)
	eth := header.Ethernet(reply)
	if len(reply) < header.EthernetMinimumSize+header.ARPSize || eth.Type() != header.ARPProtocolNumber {
		t.Fatalf("A answered with %x, want an ARP reply", reply)
	}
	if eth.DestinationAddress() != linkMACB || eth.SourceAddress() != linkMACA {
		t.Errorf("ARP reply %v → %v, want %v → %v", eth.SourceAddress(), eth.DestinationAddress(), linkMACA, linkMACB)
	}
	a := header.ARP(reply[header.EthernetMinimumSize:])
	if a.Op() != header.ARPReply || tcpip.LinkAddress(a.HardwareAddressSender()) != linkMACA ||
		tcpip.AddrFromSlice(a.ProtocolAddressSender()) != linkIPA {
		t.Errorf("ARP reply op %d: %v is at %v, want %v at %v", a.Op(),
			tcpip.AddrFromSlice(a.ProtocolAddressSender()), tcpip.LinkAddress(a.HardwareAddressSender()), linkIPA, linkMACA)
	}

	// Removing the NIC detaches the link; later frames are dropped.
	if err := s.RemoveNIC(netconf.NICEthernet); err != nil {
		t.Fatalf("RemoveNIC: %v", err)
	}
	if l.IsAttached() {
		t.Fatal("still attached after RemoveNIC")
	}
	l.deliver(arpReq)
	l.deliver(nil)
	select {
	case fr := <-fake.out:
		t.Errorf("detached link transmitted %x", fr)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestLinkDeliverRace delivers frames while the NIC is removed.
func TestLinkDeliverRace(t *testing.T) {
	fake := newFakeNIC(0)
	fake.transmit = func(frames [][]byte) (int, error) { return len(frames), nil }
	l := &Endpoint{dev: fake, mac: linkMACA, mtu: linkMTU}
	s := newLinkStack()
	defer func() { s.Close(); s.Wait() }()
	configureLinkStack(t, s, ethernet.New(l), linkIPA, linkMACA)
	arpReq := linkARPRequest()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					l.deliver(arpReq)
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.RemoveNIC(netconf.NICEthernet); err != nil {
		t.Errorf("RemoveNIC: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if l.IsAttached() {
		t.Error("still attached after RemoveNIC")
	}
}

// linkARPRequest is B asking who has A's address.
func linkARPRequest() []byte {
	f := make([]byte, header.EthernetMinimumSize+header.ARPSize)
	header.Ethernet(f).Encode(&header.EthernetFields{
		SrcAddr: linkMACB, DstAddr: header.EthernetBroadcastAddress, Type: header.ARPProtocolNumber,
	})
	a := header.ARP(f[header.EthernetMinimumSize:])
	a.SetIPv4OverEthernet()
	a.SetOp(header.ARPRequest)
	copy(a.HardwareAddressSender(), linkMACB)
	copy(a.ProtocolAddressSender(), linkIPB.AsSlice())
	copy(a.ProtocolAddressTarget(), linkIPA.AsSlice())
	return f
}

func TestLinkProperties(t *testing.T) {
	fake := newFakeNIC(0)
	l := &Endpoint{dev: fake, mac: linkMACA, mtu: linkMTU}
	if got := l.Capabilities(); got != 0 {
		t.Errorf("Capabilities = %#x, want 0", got)
	}
	if got := l.MTU(); got != linkMTU {
		t.Errorf("MTU = %d, want %d", got, linkMTU)
	}
	if got := l.MaxHeaderLength(); got != 0 {
		t.Errorf("MaxHeaderLength = %d, want 0", got)
	}
	if got := l.LinkAddress(); got != linkMACA {
		t.Errorf("LinkAddress = %v, want %v", got, linkMACA)
	}
	if got := l.ARPHardwareType(); got != header.ARPHardwareEther {
		t.Errorf("ARPHardwareType = %d, want %d (Ethernet)", got, header.ARPHardwareEther)
	}
	if l.IsAttached() {
		t.Error("IsAttached before Attach")
	}
	l.SetMTU(9000)
	l.SetLinkAddress(linkMACB)
	if l.MTU() != 9000 || l.LinkAddress() != linkMACB {
		t.Errorf("after SetMTU/SetLinkAddress: MTU %d, address %v", l.MTU(), l.LinkAddress())
	}
	l.SetMTU(linkMTU)
	l.SetLinkAddress(linkMACA)

	// As the stack sees it through ethernet.New: the link's MTU is the
	// whole frame, so IP gets 14 bytes less; addresses must be resolved.
	e := ethernet.New(l)
	if got, want := e.MTU(), uint32(linkMTU-header.EthernetMinimumSize); got != want {
		t.Errorf("ethernet MTU = %d, want %d", got, want)
	}
	if got := e.Capabilities(); got != stack.CapabilityResolutionRequired {
		t.Errorf("ethernet Capabilities = %#x, want CapabilityResolutionRequired", got)
	}
	if got := e.MaxHeaderLength(); got != header.EthernetMinimumSize {
		t.Errorf("ethernet MaxHeaderLength = %d, want %d", got, header.EthernetMinimumSize)
	}
	if got := e.LinkAddress(); got != linkMACA {
		t.Errorf("ethernet LinkAddress = %v, want %v", got, linkMACA)
	}
	if got := e.ARPHardwareType(); got != header.ARPHardwareEther {
		t.Errorf("ethernet ARPHardwareType = %d", got)
	}

	s := newLinkStack()
	defer func() { s.Close(); s.Wait() }()
	configureLinkStack(t, s, e, linkIPA, linkMACA)
	if !l.IsAttached() || !e.IsAttached() {
		t.Errorf("after CreateNIC: link attached %v, ethernet attached %v", l.IsAttached(), e.IsAttached())
	}
	info := s.NICInfo()[netconf.NICEthernet]
	if info.MTU != linkMTU-header.EthernetMinimumSize || info.LinkAddress != linkMACA || info.ARPHardwareType != header.ARPHardwareEther {
		t.Errorf("NIC info: MTU %d, address %v, ARP hardware %d", info.MTU, info.LinkAddress, info.ARPHardwareType)
	}
	l.Attach(nil)
	if l.IsAttached() {
		t.Error("IsAttached after Attach(nil)")
	}
}
