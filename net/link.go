package net

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/drivers/virtio"
	"unigo/drivers/virtionet"
	"unigo/kernel/platform"
)

// frameDevice is what the link needs of a NIC (virtionet.Device).
type frameDevice interface {
	TransmitFrames(frames []virtionet.Frame) (int, error)
	Receive(deliver func(frame []byte)) (int, error)
	Reclaim() error
	Interrupt()
	DisableRxInterrupts()
	EnableRxInterrupts() (pending bool)
}

var _ frameDevice = (*virtionet.Device)(nil)

// link is a stack.LinkEndpoint that carries whole Ethernet frames over
// a NIC; gVisor's ethernet endpoint wraps it.
type link struct {
	dev     frameDevice
	irq     *os.File
	mac     tcpip.LinkAddress
	mtu     uint32 // the largest frame, Ethernet header included
	txCsum  bool   // the device completes TCP/UDP checksums (virtio CSUM)
	mu      sync.RWMutex
	disp    stack.NetworkDispatcher
	batches uint64 // receive polls that found frames, for the statistics page
}

var _ stack.LinkEndpoint = (*link)(nil)

// findNIC finds a virtio network device: on virtio-mmio (microvm), or
// on PCI (q35, pc).
func findNIC() (*link, error) {
	found, err := platform.FindVirtio(virtio.DeviceNet)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errNoNIC
	}
	dev, err := virtionet.New(found[0].Transport, platform.DMA)
	if err != nil {
		return nil, err
	}
	irq, err := platform.OpenIRQ(found[0].Line)
	if err != nil {
		return nil, err
	}
	l := &link{dev: dev, irq: irq, mac: tcpip.LinkAddress(dev.MAC[:]),
		mtu: uint32(dev.MTU + header.EthernetMinimumSize), txCsum: dev.OffloadsTxCsum()}
	registerStats(l, dev)
	return l, nil
}

var errNoNIC = errors.New("no network device (virtio-net on virtio-mmio or PCI)")

// run moves received frames into the stack whenever the device interrupts.
func (l *link) run() {
	var count [8]byte
	for {
		l.dev.Interrupt()
		if err := l.poll(); err != nil {
			fmt.Fprintln(os.Stderr, "unigo: network device failed:", err)
			return
		}
		if _, err := l.irq.Read(count[:]); err != nil { // parks on the netpoller until the next IRQ
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
func (l *link) poll() error {
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

func (l *link) deliver(frame []byte) {
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
func (l *link) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	frames := make([]virtionet.Frame, 0, pkts.Len())
	for _, p := range pkts.AsSlice() {
		f := virtionet.Frame{Parts: p.AsSlices()}
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

func (l *link) MTU() uint32                        { return l.mtu }
func (l *link) SetMTU(m uint32)                    { l.mtu = m }
func (l *link) MaxHeaderLength() uint16            { return 0 }
func (l *link) LinkAddress() tcpip.LinkAddress     { return l.mac }
func (l *link) SetLinkAddress(a tcpip.LinkAddress) { l.mac = a }

// Capabilities: with the device completing checksums, the stack leaves
// TCP and UDP checksums to WritePackets (checksumRequest).
func (l *link) Capabilities() stack.LinkEndpointCapabilities {
	if l.txCsum {
		return stack.CapabilityTXChecksumOffload
	}
	return 0
}
func (l *link) Wait()                                   {}
func (l *link) ARPHardwareType() header.ARPHardwareType { return header.ARPHardwareEther }
func (l *link) AddHeader(*stack.PacketBuffer)           {}
func (l *link) ParseHeader(*stack.PacketBuffer) bool    { return true }
func (l *link) Close()                                  {}
func (l *link) SetOnCloseAction(func())                 {}

func (l *link) Attach(d stack.NetworkDispatcher) {
	l.mu.Lock()
	l.disp = d
	l.mu.Unlock()
}

func (l *link) IsAttached() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.disp != nil
}
