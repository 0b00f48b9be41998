// Package e1000 drives Intel's gigabit Ethernet controllers of the
// 8254x family (82540EM, 82545EM: QEMU's e1000, VMware's and
// VirtualBox's default NIC) and the 82574L (QEMU's e1000e), which keeps
// the 8254x register model and legacy descriptors. It implements
// netstack/nic.NIC and stays a leaf: the registers and DMA memory come
// from the caller (kernel/platform on a guest, a fake in tests).
//
// What it does: reset, the MAC from RAL0/RAH0 (loaded by the device from
// its EEPROM at reset) or else the EEPROM through EERD, link up by
// CTRL.SLU with speed and duplex autonegotiated by the PHY, one receive
// and one transmit ring of legacy descriptors, interrupt causes read
// from ICR, the receive interrupt switched with IMS/IMC for the stack's
// polling, and throttling (ITR). Multicast frames are all accepted
// (RCTL.MPE): IPv6 needs the all-nodes and solicited-node groups, and
// the stack filters what it did not join.
//
// Not yet: checksum offload (the stack computes and checks checksums;
// the legacy descriptor's CSO/CSS and RXCSUM are the way in), TSO,
// MSI-X (the 82574L's IVAR routes causes to vectors; MSI serves one
// queue as well), several queues.
//
// The I217 and I219 (desktop and small-server PHYs on the PCH) keep this
// register model but differ where this driver leans on the 8254x: the
// NVM is in the platform's SPI flash (no EERD), the PHY is reached
// through MDIC and may sit in ULP (Ultra Low Power) mode after boot,
// needing a wake-up before the link comes up. They are untested here.
//
// A device is trusted with nothing: every receive descriptor it writes
// back is checked (a length beyond the buffer, a frame split across
// buffers, a descriptor the driver did not post), and a bad one is an
// error, never an access outside the driver's buffers.
package e1000

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"unigo/netstack/nic"
)

// Model is a supported controller.
type Model int

const (
	Model8254x Model = iota // 82540EM, 82545EM
	Model82574              // 82574L
)

// PCI ids (vendor 0x8086) of the supported controllers.
const (
	VendorIntel = 0x8086
	ID82540EM   = 0x100E
	ID82545EM   = 0x100F
	ID82574L    = 0x10D3
)

// ModelOf returns the model of a PCI device id.
func ModelOf(id uint16) (Model, bool) {
	switch id {
	case ID82540EM, ID82545EM:
		return Model8254x, true
	case ID82574L:
		return Model82574, true
	}
	return 0, false
}

func (m Model) String() string {
	if m == Model82574 {
		return "82574L"
	}
	return "8254x"
}

// Registers is the device's register window (BAR 0).
type Registers interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// DMA returns n bytes of zeroed memory the device can reach, and its
// physical address.
type DMA func(n int) ([]byte, uint64, error)

const (
	// ringLen descriptors per ring: RDLEN and TDLEN must be multiples of
	// 128 bytes (8 descriptors); 256 gives the stack room for bursts.
	ringLen = 256
	// bufSize is a receive buffer (RCTL.BSIZE 2048) and a transmit slot:
	// a whole frame, as long packet reception (RCTL.LPE) stays off.
	bufSize = 2048
	// maxFrame is the longest frame sent: the MTU and the Ethernet header.
	maxFrame = mtu + 14
	mtu      = 1500
	// resetPolls bounds the waits for the device (reset, EEPROM reads):
	// each poll is one register read, microseconds on hardware.
	resetPolls = 100_000
)

// Errors a misbehaving device or an impossible request produce.
var (
	ErrFull    = errors.New("e1000: transmit ring full")
	ErrTimeout = errors.New("e1000: the device did not answer")
	ErrDevice  = errors.New("e1000: the device wrote a bad receive descriptor")
)

// Device is one controller, set up and running.
type Device struct {
	regs  Registers
	model Model
	mac   [6]byte

	rx struct {
		desc []byte // ringLen descriptors
		buf  []byte // ringLen buffers of bufSize
		next int    // the next descriptor the device completes
		tail int    // RDT: the one descriptor kept back from the device
	}

	txMu sync.Mutex // Transmit from any goroutine; Reclaim from the receive side
	tx   struct {
		desc  []byte
		buf   []byte
		tail  int // the next free descriptor (TDT)
		clean int // the oldest descriptor not yet reclaimed
	}

	statsMu sync.Mutex
	stats   nic.Statistics
}

var _ nic.NIC = (*Device)(nil)

// New resets the controller behind regs and starts it with rings in
// memory from dma. Its interrupts are masked except those the stack
// uses; the caller routes them (MSI, or polling).
func New(regs Registers, model Model, dma DMA) (*Device, error) {
	d := &Device{regs: regs, model: model}
	if err := d.reset(); err != nil {
		return nil, err
	}
	mac, err := d.readMAC()
	if err != nil {
		return nil, err
	}
	d.mac = mac
	if err := d.setupRx(dma); err != nil {
		return nil, err
	}
	if err := d.setupTx(dma); err != nil {
		return nil, err
	}
	regs.Write32(regITR, itrInterval)
	regs.Write32(regCTRL, regs.Read32(regCTRL)|ctrlSLU|ctrlASDE)
	regs.Write32(regIMS, intRx|intLSC)
	return d, nil
}

// reset masks every interrupt, resets the controller, waits for the
// reset to finish, and clears what it left pending.
func (d *Device) reset() error {
	d.regs.Write32(regIMC, intAll)
	d.regs.Write32(regCTRL, d.regs.Read32(regCTRL)|ctrlRST)
	done := false
	for i := 0; i < resetPolls; i++ {
		if d.regs.Read32(regCTRL)&ctrlRST == 0 {
			done = true
			break
		}
	}
	if !done {
		return fmt.Errorf("%w: reset", ErrTimeout)
	}
	d.regs.Write32(regIMC, intAll)
	d.regs.Read32(regICR)
	return nil
}

// readMAC takes the address the device loaded into RAL0/RAH0 from its
// EEPROM at reset, or else reads the EEPROM's first three words.
func (d *Device) readMAC() ([6]byte, error) {
	var mac [6]byte
	if hi := d.regs.Read32(regRAH0); hi&rahAV != 0 {
		lo := d.regs.Read32(regRAL0)
		binary.LittleEndian.PutUint32(mac[0:4], lo)
		binary.LittleEndian.PutUint16(mac[4:6], uint16(hi))
		return mac, nil
	}
	for i := 0; i < 3; i++ {
		w, err := d.eepromRead(uint32(i))
		if err != nil {
			return mac, err
		}
		binary.LittleEndian.PutUint16(mac[2*i:], w)
	}
	// The receive filter needs it in RAL0/RAH0 to accept unicast frames.
	d.regs.Write32(regRAL0, binary.LittleEndian.Uint32(mac[0:4]))
	d.regs.Write32(regRAH0, uint32(binary.LittleEndian.Uint16(mac[4:6]))|rahAV)
	return mac, nil
}

// eepromRead reads one 16-bit EEPROM word through EERD.
func (d *Device) eepromRead(addr uint32) (uint16, error) {
	done, shift := uint32(eerdDone8254x), eerdAddrShift8254x
	if d.model == Model82574 {
		done, shift = eerdDone82574, eerdAddrShift82574
	}
	d.regs.Write32(regEERD, addr<<shift|eerdStart)
	for i := 0; i < resetPolls; i++ {
		if v := d.regs.Read32(regEERD); v&done != 0 {
			return uint16(v >> eerdDataShift), nil
		}
	}
	return 0, fmt.Errorf("%w: EEPROM word %d", ErrTimeout, addr)
}

func alloc(dma DMA, n int) ([]byte, uint64, error) {
	b, phys, err := dma(n)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < n {
		return nil, 0, fmt.Errorf("e1000: DMA gave %d bytes, want %d", len(b), n)
	}
	return b[:n], phys, nil
}

// setupRx posts every receive buffer but one (head == tail means the
// ring is empty to the device) and enables the receiver.
func (d *Device) setupRx(dma DMA) error {
	desc, descPhys, err := alloc(dma, ringLen*descSize)
	if err != nil {
		return err
	}
	buf, bufPhys, err := alloc(dma, ringLen*bufSize)
	if err != nil {
		return err
	}
	d.rx.desc, d.rx.buf = desc, buf
	for i := 0; i < ringLen; i++ {
		binary.LittleEndian.PutUint64(desc[i*descSize:], bufPhys+uint64(i*bufSize))
	}
	for i := 0; i < mtaWords; i++ {
		d.regs.Write32(regMTA+uintptr(4*i), 0)
	}
	d.regs.Write32(regRDBAL, uint32(descPhys))
	d.regs.Write32(regRDBAH, uint32(descPhys>>32))
	d.regs.Write32(regRDLEN, ringLen*descSize)
	d.regs.Write32(regRDH, 0)
	d.regs.Write32(regRDTR, 0) // interrupt at once: the throttle (ITR) bounds the rate
	d.rx.tail = ringLen - 1
	d.regs.Write32(regRDT, uint32(d.rx.tail))
	d.regs.Write32(regRCTL, rctlEN|rctlMPE|rctlBAM|rctlSECRC|rctlBSIZE2048)
	return nil
}

// setupTx gives the device an empty transmit ring and enables the
// transmitter.
func (d *Device) setupTx(dma DMA) error {
	desc, descPhys, err := alloc(dma, ringLen*descSize)
	if err != nil {
		return err
	}
	buf, bufPhys, err := alloc(dma, ringLen*bufSize)
	if err != nil {
		return err
	}
	d.tx.desc, d.tx.buf = desc, buf
	for i := 0; i < ringLen; i++ {
		binary.LittleEndian.PutUint64(desc[i*descSize:], bufPhys+uint64(i*bufSize))
	}
	d.regs.Write32(regTDBAL, uint32(descPhys))
	d.regs.Write32(regTDBAH, uint32(descPhys>>32))
	d.regs.Write32(regTDLEN, ringLen*descSize)
	d.regs.Write32(regTDH, 0)
	d.regs.Write32(regTDT, 0)
	d.regs.Write32(regTIPG, tipgCopper)
	d.regs.Write32(regTCTL, tctlEN|tctlPSP|tctlCT|tctlCOLD)
	return nil
}

// Properties: checksums are left to the stack (see the package doc).
func (d *Device) Properties() nic.Properties {
	return nic.Properties{MAC: d.mac, MTU: mtu, Features: "e1000 " + d.model.String() + " legacy-descriptors ITR"}
}

// LinkUp reports STATUS.LU.
func (d *Device) LinkUp() bool { return d.regs.Read32(regSTATUS)&statusLU != 0 }

// Statistics returns a snapshot of the counters.
func (d *Device) Statistics() nic.Statistics {
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	return d.stats
}

func (d *Device) count(f func(s *nic.Statistics)) {
	d.statsMu.Lock()
	f(&d.stats)
	d.statsMu.Unlock()
}

// TransmitFrames copies frames into free transmit descriptors, in order,
// and hands them to the device with one TDT write. A frame longer than
// maxFrame is dropped and counted. ErrFull: the rest found no room.
func (d *Device) TransmitFrames(frames []nic.Frame) (int, error) {
	d.txMu.Lock()
	defer d.txMu.Unlock()
	done, sent, dropped := 0, 0, 0
	var err error
	for _, f := range frames {
		n := 0
		for _, p := range f.Parts {
			n += len(p)
		}
		if n > maxFrame || n == 0 {
			done++
			dropped++
			continue
		}
		next := (d.tx.tail + 1) % ringLen
		if next == d.tx.clean {
			d.reclaimLocked()
			if next == d.tx.clean {
				err = ErrFull
				break
			}
		}
		slot := d.tx.buf[d.tx.tail*bufSize : (d.tx.tail+1)*bufSize]
		at := 0
		for _, p := range f.Parts {
			at += copy(slot[at:], p)
		}
		if f.CsumOffset != 0 {
			completeChecksum(slot[:n], int(f.CsumStart), int(f.CsumOffset))
		}
		desc := d.tx.desc[d.tx.tail*descSize : (d.tx.tail+1)*descSize]
		binary.LittleEndian.PutUint16(desc[txLength:], uint16(n))
		desc[txCmd] = txCmdEOP | txCmdIFCS | txCmdRS
		desc[txStatus] = 0
		d.tx.tail = next
		done++
		sent++
	}
	if sent > 0 {
		d.regs.Write32(regTDT, uint32(d.tx.tail)) // last: the descriptors are written
	}
	if sent > 0 || dropped > 0 {
		d.count(func(s *nic.Statistics) { s.TxPackets += uint64(sent); s.TxDropped += uint64(dropped) })
	}
	return done, err
}

// Reclaim takes back the transmit descriptors the device has sent.
func (d *Device) Reclaim() error {
	d.txMu.Lock()
	d.reclaimLocked()
	d.txMu.Unlock()
	return nil
}

func (d *Device) reclaimLocked() {
	for d.tx.clean != d.tx.tail {
		if d.tx.desc[d.tx.clean*descSize+txStatus]&txDD == 0 {
			return
		}
		d.tx.clean = (d.tx.clean + 1) % ringLen
	}
}

// Receive hands each frame the device completed to deliver and gives
// its buffer back. A descriptor that could not have been written by a
// sound device is an error.
func (d *Device) Receive(deliver func(frame []byte)) (int, error) {
	n, dropped := 0, 0
	posted := false
	for {
		i := d.rx.next
		desc := d.rx.desc[i*descSize : (i+1)*descSize]
		status := desc[rxStatus]
		if status&rxDD == 0 {
			break
		}
		length := int(binary.LittleEndian.Uint16(desc[rxLength:]))
		switch {
		case i == d.rx.tail:
			return n, fmt.Errorf("%w: descriptor %d completed but not posted (RDT)", ErrDevice, i)
		case length > bufSize:
			return n, fmt.Errorf("%w: descriptor %d length %d beyond its %d-byte buffer", ErrDevice, i, length, bufSize)
		case status&rxEOP == 0:
			// Buffers are as long as the longest frame accepted, so a
			// frame never spans two: a device that says so is broken.
			return n, fmt.Errorf("%w: descriptor %d without end of packet", ErrDevice, i)
		case desc[rxErrors]&rxErrFrame != 0 || length == 0:
			dropped++
		default:
			deliver(d.rx.buf[i*bufSize : i*bufSize+length])
			n++
		}
		desc[rxStatus], desc[rxErrors] = 0, 0
		d.rx.next = (i + 1) % ringLen
		posted = true
	}
	if posted {
		// The descriptor before next is the one kept unused: RDT points
		// at it, and every other one is the device's again.
		d.rx.tail = (d.rx.next + ringLen - 1) % ringLen
		d.regs.Write32(regRDT, uint32(d.rx.tail))
	}
	if n > 0 || dropped > 0 {
		d.count(func(s *nic.Statistics) { s.RxPackets += uint64(n); s.RxDropped += uint64(dropped) })
	}
	return n, nil
}

// Interrupt acknowledges the device's interrupt: reading ICR clears its
// causes.
func (d *Device) Interrupt() { d.regs.Read32(regICR) }

// DisableRxInterrupts masks the receive causes while the stack polls.
func (d *Device) DisableRxInterrupts() { d.regs.Write32(regIMC, intRx) }

// EnableRxInterrupts unmasks them and reports whether a frame is waiting
// already (the stack polls again rather than wait for an interrupt that
// may have been raised while masked).
func (d *Device) EnableRxInterrupts() bool {
	d.regs.Write32(regIMS, intRx)
	return d.rx.desc[d.rx.next*descSize+rxStatus]&rxDD != 0
}

// completeChecksum stores the Internet checksum (RFC 1071) of
// frame[start:] at start+offset, where the stack left the pseudo-header
// sum: for a frame that asks while the device does not offload.
func completeChecksum(frame []byte, start, offset int) {
	if start < 0 || start+offset+2 > len(frame) {
		return
	}
	var sum uint32
	b := frame[start:]
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	binary.BigEndian.PutUint16(frame[start+offset:], ^uint16(sum))
}
