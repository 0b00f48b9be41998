// Package link is the stack's link endpoint over a NIC: it carries whole
// Ethernet frames between gVisor's netstack (through its ethernet
// endpoint) and any device that implements nic.NIC, polling the device's
// receive side NAPI-style and asking it to complete TCP/UDP checksums
// when it can.
package link

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/netstack/nic"
)

// Endpoint is a stack.LinkEndpoint that carries whole Ethernet frames
// over a NIC; gVisor's ethernet endpoint wraps it.
type Endpoint struct {
	dev     nic.NIC
	mac     tcpip.LinkAddress
	mtu     uint32 // the largest frame, Ethernet header included
	txCsum  bool   // the device completes TCP/UDP checksums
	rxCsum  bool   // the device validated received checksums
	mu      sync.RWMutex
	disp    stack.NetworkDispatcher
	batches uint64 // receive polls that found frames, for the statistics page
}

var _ stack.LinkEndpoint = (*Endpoint)(nil)

// New makes the endpoint of dev.
func New(dev nic.NIC) *Endpoint {
	p := dev.Properties()
	return &Endpoint{dev: dev, mac: tcpip.LinkAddress(p.MAC[:]),
		mtu: uint32(p.MTU + header.EthernetMinimumSize), txCsum: p.TxCsum, rxCsum: p.RxCsumValidated}
}

// Polls is how many receive polls found frames.
func (l *Endpoint) Polls() uint64 { return atomic.LoadUint64(&l.batches) }

// Run moves received frames into the stack whenever the device
// interrupts, irq being readable after each interrupt (an eventfd-like
// 8-byte count); it returns only when the device or irq fails.
func (l *Endpoint) Run(irq io.Reader) {
	var count [8]byte
	for {
		l.dev.Interrupt()
		if err := l.poll(); err != nil {
			fmt.Fprintln(os.Stderr, "unigo: network device failed:", err)
			return
		}
		if _, err := irq.Read(count[:]); err != nil { // parks on the netpoller until the next IRQ
			fmt.Fprintln(os.Stderr, "unigo: network interrupt:", err)
			return
		}
	}
}

// poll takes received frames with the device's interrupts off for as
// long as frames keep coming, yielding to the goroutines that consume
// them between batches: under load a busy server then takes no receive
// interrupts at all. Once a poll finds nothing, interrupts are re-armed
// and the ring checked once more, since a frame may have landed before
// the device saw the re-arm.
func (l *Endpoint) poll() error {
	l.dev.DisableRxInterrupts()
	for {
		n, err := l.dev.Receive(l.deliver)
		if err != nil {
			return err
		}
		if err := l.dev.Reclaim(); err != nil {
			return err
		}
		if n > 0 {
			atomic.AddUint64(&l.batches, 1)
			runtime.Gosched()
			continue
		}
		if !l.dev.EnableRxInterrupts() {
			return nil
		}
		l.dev.DisableRxInterrupts()
	}
}

func (l *Endpoint) deliver(frame []byte) {
	l.mu.RLock()
	d := l.disp
	l.mu.RUnlock()
	if d == nil {
		return
	}
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(append([]byte(nil), frame...))})
	d.DeliverNetworkPacket(0, pkt)
	pkt.DecRef()
}

// WritePackets hands the packets to the device in one batch; the device
// copies them, so their buffers are not kept.
func (l *Endpoint) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	frames := make([]nic.Frame, 0, pkts.Len())
	for _, p := range pkts.AsSlice() {
		f := nic.Frame{Parts: p.AsSlices()}
		if l.txCsum {
			f.CsumStart, f.CsumOffset = checksumRequest(p)
		}
		frames = append(frames, f)
	}
	n, err := l.dev.TransmitFrames(frames)
	if n == 0 && err != nil {
		return 0, &tcpip.ErrWouldBlock{}
	}
	return n, nil
}

func (l *Endpoint) MTU() uint32                        { return l.mtu }
func (l *Endpoint) SetMTU(m uint32)                    { l.mtu = m }
func (l *Endpoint) MaxHeaderLength() uint16            { return 0 }
func (l *Endpoint) LinkAddress() tcpip.LinkAddress     { return l.mac }
func (l *Endpoint) SetLinkAddress(a tcpip.LinkAddress) { l.mac = a }

// Capabilities: with the device completing checksums, the stack leaves
// TCP and UDP checksums to WritePackets (checksumRequest); with the
// device validating them, the stack trusts received ones.
func (l *Endpoint) Capabilities() stack.LinkEndpointCapabilities {
	var c stack.LinkEndpointCapabilities
	if l.txCsum {
		c |= stack.CapabilityTXChecksumOffload
	}
	if l.rxCsum {
		c |= stack.CapabilityRXChecksumOffload
	}
	return c
}
func (l *Endpoint) Wait()                                   {}
func (l *Endpoint) ARPHardwareType() header.ARPHardwareType { return header.ARPHardwareEther }
func (l *Endpoint) AddHeader(*stack.PacketBuffer)           {}
func (l *Endpoint) ParseHeader(*stack.PacketBuffer) bool    { return true }
func (l *Endpoint) Close()                                  {}
func (l *Endpoint) SetOnCloseAction(func())                 {}

func (l *Endpoint) Attach(d stack.NetworkDispatcher) {
	l.mu.Lock()
	l.disp = d
	l.mu.Unlock()
}

func (l *Endpoint) IsAttached() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.disp != nil
}
