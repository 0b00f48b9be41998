package link

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/netstack/nic"
)

// pollNIC is a nic.NIC whose receive side plays a script: each Receive
// hands over the next batch of frames; it records every call.
type pollNIC struct {
	*fakeNIC
	mu      sync.Mutex
	batches [][][]byte
	// pendingOnce: the first re-arm finds frames that arrived meanwhile
	// (the last batch is held back until then).
	pendingOnce bool
	late        [][]byte
	log         []string
	failAfter   int // Receive fails on this call (1-based; 0: never)
	receives    int
}

func (n *pollNIC) record(s string) {
	n.mu.Lock()
	n.log = append(n.log, s)
	n.mu.Unlock()
}

func (n *pollNIC) Receive(deliver func([]byte)) (int, error) {
	n.receives++
	if n.receives == n.failAfter {
		n.record("receive failed")
		return 0, errors.New("device needs reset")
	}
	var b [][]byte
	if len(n.batches) > 0 {
		b, n.batches = n.batches[0], n.batches[1:]
	}
	for _, f := range b {
		deliver(f)
	}
	n.record(fmt.Sprintf("receive %d", len(b)))
	return len(b), nil
}
func (n *pollNIC) Reclaim() error       { n.record("reclaim"); return nil }
func (n *pollNIC) Interrupt()           { n.record("ack") }
func (n *pollNIC) DisableRxInterrupts() { n.record("off") }
func (n *pollNIC) EnableRxInterrupts() bool {
	if n.pendingOnce {
		n.pendingOnce = false
		n.batches = append(n.batches, n.late)
		n.record("on (pending)")
		return true
	}
	n.record("on")
	return false
}

// scriptedIRQ fires count times, then fails (ending Run).
type scriptedIRQ struct {
	nic   *pollNIC
	count int
}

func (q *scriptedIRQ) Read(p []byte) (int, error) {
	if q.count == 0 {
		q.nic.record("irq closed")
		return 0, errors.New("closed")
	}
	q.count--
	q.nic.record("irq")
	return 8, nil
}

// countingDispatcher counts the frames the endpoint delivers.
type countingDispatcher struct {
	mu     sync.Mutex
	frames int
	bytes  int
}

func (d *countingDispatcher) DeliverNetworkPacket(_ tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	d.mu.Lock()
	d.frames++
	d.bytes += pkt.Size()
	d.mu.Unlock()
}
func (d *countingDispatcher) DeliverLinkPacket(tcpip.NetworkProtocolNumber, *stack.PacketBuffer) {}

// TestLinkRun: receive interrupts stay off while frames keep coming
// (each batch a poll), are re-armed when the device has nothing, and a
// frame that lands during the re-arm is polled before waiting again.
func TestLinkRun(t *testing.T) {
	frame := make([]byte, 60)
	n := &pollNIC{fakeNIC: newFakeNIC(0), batches: [][][]byte{{frame, frame}, {frame}}, pendingOnce: true, late: [][]byte{frame}}
	l := New(n)
	d := &countingDispatcher{}
	l.Attach(d)
	l.Run(&scriptedIRQ{nic: n, count: 1})
	want := []string{
		"ack", "off", "receive 2", "reclaim", "receive 1", "reclaim", "receive 0", "reclaim",
		"on (pending)", "off", "receive 1", "reclaim", "receive 0", "reclaim", "on",
		"irq", "ack", "off", "receive 0", "reclaim", "on", "irq closed",
	}
	if got := strings.Join(n.log, ", "); got != strings.Join(want, ", ") {
		t.Errorf("calls:\n%s\nwant\n%s", got, strings.Join(want, ", "))
	}
	if d.frames != 4 || d.bytes != 4*len(frame) {
		t.Errorf("delivered %d frames, %d bytes; want 4, %d", d.frames, d.bytes, 4*len(frame))
	}
	if got := l.Polls(); got != 3 {
		t.Errorf("Polls = %d, want 3 (the polls that found frames)", got)
	}
}

// TestLinkRunDeviceFails: Run gives up when the device fails.
func TestLinkRunDeviceFails(t *testing.T) {
	n := &pollNIC{fakeNIC: newFakeNIC(0), failAfter: 1}
	l := New(n)
	l.Run(&scriptedIRQ{nic: n, count: 5})
	if got, want := strings.Join(n.log, ", "), "ack, off, receive failed"; got != want {
		t.Errorf("calls: %s, want %s", got, want)
	}
}

// TestLinkNew: the endpoint takes the device's properties: its MAC, its
// MTU plus the Ethernet header, and its checksum offloads.
func TestLinkNew(t *testing.T) {
	mac := [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}
	for _, p := range []nic.Properties{
		{MAC: mac, MTU: 1500},
		{MAC: mac, MTU: 9000, TxCsum: true},
		{MAC: mac, MTU: 1500, RxCsumValidated: true},
		{MAC: mac, MTU: 576, TxCsum: true, RxCsumValidated: true},
	} {
		l := New(propsNIC{fakeNIC: newFakeNIC(0), p: p})
		if l.LinkAddress() != tcpip.LinkAddress(mac[:]) || l.MTU() != uint32(p.MTU+header.EthernetMinimumSize) {
			t.Errorf("%+v: address %v, MTU %d", p, l.LinkAddress(), l.MTU())
		}
		var want stack.LinkEndpointCapabilities
		if p.TxCsum {
			want |= stack.CapabilityTXChecksumOffload
		}
		if p.RxCsumValidated {
			want |= stack.CapabilityRXChecksumOffload
		}
		if got := l.Capabilities(); got != want {
			t.Errorf("%+v: Capabilities = %#x, want %#x", p, got, want)
		}
	}
}

type propsNIC struct {
	*fakeNIC
	p nic.Properties
}

func (n propsNIC) Properties() nic.Properties { return n.p }
