package net

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo/drivers/pci"
	"unigo/drivers/virtio"
	"unigo/drivers/virtionet"
	"unigo/kernel/cpu"
	"unigo/kernel/sys"
)

// QEMU microvm's virtio-mmio transports (hw/i386/microvm.c): 24 windows
// of 512 bytes from 0xfeb00000; window i interrupts on GSI 5+i.
const (
	mmioBase   = 0xFEB00000
	mmioSlots  = 24
	mmioSize   = 512
	mmioGSI0   = 5
	maxMMIOGSI = sys.MaxGSI
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
	l, err := findMMIO()
	if err == nil || !errors.Is(err, errNoNIC) {
		return l, err
	}
	return findPCI()
}

var errNoNIC = errors.New("no network device (virtio-net on virtio-mmio or PCI)")

// pciMSILine is the interrupt line (vector 48+15) the PCI NIC's MSI-X uses.
const pciMSILine = 15

// virtio-net PCI device ids: modern (0x1040+1) and transitional (§4.1.2).
const (
	pciNetModern       = 0x1041
	pciNetTransitional = 0x1000
)

func findPCI() (*link, error) {
	for _, d := range pci.Scan(cpu.Ports{}) {
		if d.Vendor != virtio.VendorVirtio || d.ID != pciNetModern && d.ID != pciNetTransitional {
			continue
		}
		t, err := virtio.NewPCI(d.Config, mapWindow, sys.IRQVectorBase+pciMSILine)
		if err != nil {
			return nil, err
		}
		return newLink(t, pciMSILine|sys.IRQMSI)
	}
	return nil, errNoNIC
}

// newLink starts the driver on transport t, interrupting on line.
func newLink(t virtionet.Transport, line int) (*link, error) {
	dev, err := virtionet.New(t, dmaAlloc)
	if err != nil {
		return nil, err
	}
	fd, _, e := syscall.RawSyscall(sys.SysIRQOpen, uintptr(line), 0, 0)
	if e != 0 {
		return nil, fmt.Errorf("interrupt line %d: %v", line&^sys.IRQMSI, e)
	}
	return &link{dev: dev, irq: os.NewFile(fd, "virtio-net-irq"), mac: tcpip.LinkAddress(dev.MAC[:]), mtu: virtionet.MaxFrame}, nil
}

// findMMIO probes the virtio-mmio windows for a network device.
func findMMIO() (*link, error) {
	for slot := 0; slot < mmioSlots; slot++ {
		t, err := virtio.NewMMIO(mmioRegs(mmioBase + slot*mmioSize))
		if errors.Is(err, virtio.ErrNoDevice) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if t.DeviceID() != virtio.DeviceNet {
			continue
		}
		gsi := mmioGSI0 + slot
		if gsi >= maxMMIOGSI {
			return nil, fmt.Errorf("virtio-net in window %d: GSI %d beyond the kernel's %d lines", slot, gsi, maxMMIOGSI)
		}
		return newLink(t, gsi)
	}
	return nil, errNoNIC
}

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
