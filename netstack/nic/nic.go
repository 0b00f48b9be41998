// Package nic is the contract between the network stack and a network
// device driver: what a NIC must do (move Ethernet frames, switch its
// receive interrupt, report its properties and counters) and how the
// stack finds one (a Probe). It names no device family and imports
// neither gVisor nor the kernel, so that a driver (drivers/virtionet,
// drivers/e1000) implements it directly and stays a leaf package; the
// stack's link endpoint (netstack/link) consumes it.
package nic

import "io"

// NIC is one network device as the stack drives it. Frames are whole
// Ethernet frames, header included, without any device header. The
// stack calls Transmit from any goroutine and the receive side (Receive,
// Reclaim and the interrupt methods) from one goroutine; a driver
// serialises what it must.
type NIC interface {
	// Properties are fixed once the device is set up.
	Properties() Properties
	// LinkUp reports the link status (true if the device cannot tell).
	LinkUp() bool
	// Statistics returns a snapshot of the counters.
	Statistics() Statistics

	// TransmitFrames queues frames in order and returns how many it
	// consumed (sent, or dropped as unsendable and counted in
	// TxDropped); an error with a short count means the rest found no
	// room (retry after Reclaim) or the device failed.
	TransmitFrames(frames []Frame) (int, error)
	// Reclaim takes back the buffers of frames the device has sent.
	Reclaim() error
	// Receive hands each received frame to deliver, valid only during
	// the call (the buffer is reused), and returns how many it handed.
	// Frames arrive with valid checksums: a device that hands over
	// partial checksums has them completed by its driver.
	Receive(deliver func(frame []byte)) (int, error)

	// Interrupt acknowledges the device's interrupt.
	Interrupt()
	// DisableRxInterrupts asks the device not to interrupt for received
	// frames while the stack polls.
	DisableRxInterrupts()
	// EnableRxInterrupts re-arms the receive interrupt and reports
	// whether frames arrived meanwhile (then poll again before waiting).
	EnableRxInterrupts() (pending bool)
}

// Frame is one outgoing Ethernet frame, in parts copied in order. With
// CsumOffset nonzero it asks for the Internet checksum (RFC 1071) of the
// bytes from CsumStart to the end to be stored at CsumStart+CsumOffset,
// where the stack left the pseudo-header sum: the device does it when it
// offloads (Properties.TxCsum), the driver otherwise.
type Frame struct {
	Parts                 [][]byte
	CsumStart, CsumOffset uint16
}

// Properties describe a device once set up.
type Properties struct {
	MAC [6]byte
	// MTU is the largest IP packet the device sends: a frame minus its
	// 14-byte Ethernet header.
	MTU int
	// TxCsum: the device completes TCP/UDP checksums of frames that ask
	// (Frame.CsumOffset), so the stack leaves them to it.
	TxCsum bool
	// RxCsumValidated: the device verified the TCP/UDP checksums of
	// every frame it delivers, so the stack need not.
	RxCsumValidated bool
	// Features names the device's negotiated features, for the
	// statistics page.
	Features string
}

// Statistics counts what a device did.
type Statistics struct {
	RxPackets, TxPackets, RxDropped, TxDropped uint64
	// RxCsumCompleted: received frames whose partial checksum the driver
	// completed; TxCsumOffloaded: sent frames whose checksum the device
	// completes.
	RxCsumCompleted, TxCsumOffloaded uint64
	RxMerged                         uint64 // received frames that spanned buffers
}

// Probe looks for a device of one kind and sets it up. It returns the
// device and the interrupt that signals it (a read blocks until the
// device interrupts), or a nil NIC and no error when there is none.
type Probe func() (dev NIC, irq io.Reader, err error)
