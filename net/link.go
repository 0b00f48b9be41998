package net

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/drivers/virtio"
	"unigo/drivers/virtionet"
	"unigo/kernel/virtiodev"
)

// frameDevice is what the link needs of a NIC (virtionet.Device).
type frameDevice interface {
	Transmit(frames ...[]byte) (int, error)
	Receive(deliver func(frame []byte)) error
	Reclaim() error
	Interrupt()
}

var _ frameDevice = (*virtionet.Device)(nil)

// link is a stack.LinkEndpoint that carries whole Ethernet frames over
// a NIC; gVisor's ethernet endpoint wraps it.
type link struct {
	dev  frameDevice
	irq  *os.File
	mac  tcpip.LinkAddress
	mtu  uint32
	mu   sync.RWMutex
	disp stack.NetworkDispatcher
}

var _ stack.LinkEndpoint = (*link)(nil)

// findNIC finds a virtio network device: on virtio-mmio (microvm), or
// on PCI (q35, pc).
func findNIC() (*link, error) {
	found, err := virtiodev.Find(virtio.DeviceNet, virtiodev.LineNet)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errNoNIC
	}
	dev, err := virtionet.New(found[0].Transport, virtiodev.DMA)
	if err != nil {
		return nil, err
	}
	irq, err := virtiodev.OpenIRQ(found[0].Line)
	if err != nil {
		return nil, err
	}
	return &link{dev: dev, irq: irq, mac: tcpip.LinkAddress(dev.MAC[:]), mtu: virtionet.MaxFrame}, nil
}

var errNoNIC = errors.New("no network device (virtio-net on virtio-mmio or PCI)")

// run moves received frames into the stack whenever the device interrupts.
func (l *link) run() {
	var count [8]byte
	for {
		l.dev.Interrupt()
		if err := l.dev.Receive(l.deliver); err != nil {
			fmt.Fprintln(os.Stderr, "unigo: network device failed:", err)
			return
		}
		l.dev.Reclaim()
		if _, err := l.irq.Read(count[:]); err != nil { // parks on the netpoller until the next IRQ
			fmt.Fprintln(os.Stderr, "unigo: network interrupt:", err)
			return
		}
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

func (l *link) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	frames := make([][]byte, 0, pkts.Len())
	for _, p := range pkts.AsSlice() {
		var f []byte
		for _, s := range p.AsSlices() {
			f = append(f, s...)
		}
		frames = append(frames, f)
	}
	n, err := l.dev.Transmit(frames...)
	if n == 0 && err != nil {
		return 0, &tcpip.ErrWouldBlock{}
	}
	return n, nil
}

func (l *link) MTU() uint32                                  { return l.mtu }
func (l *link) SetMTU(m uint32)                              { l.mtu = m }
func (l *link) MaxHeaderLength() uint16                      { return 0 }
func (l *link) LinkAddress() tcpip.LinkAddress               { return l.mac }
func (l *link) SetLinkAddress(a tcpip.LinkAddress)           { l.mac = a }
func (l *link) Capabilities() stack.LinkEndpointCapabilities { return 0 }
func (l *link) Wait()                                        {}
func (l *link) ARPHardwareType() header.ARPHardwareType      { return header.ARPHardwareEther }
func (l *link) AddHeader(*stack.PacketBuffer)                {}
func (l *link) ParseHeader(*stack.PacketBuffer) bool         { return true }
func (l *link) Close()                                       {}
func (l *link) SetOnCloseAction(func())                      {}

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
