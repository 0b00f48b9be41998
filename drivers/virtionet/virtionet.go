// Package virtionet drives a virtio network device (virtio spec v1.2
// §5.1) over a virtio transport: it negotiates the features below, keeps
// the receive queue stocked with buffers, and moves Ethernet frames.
//
// Features (§5.1.3), each used when the device offers it:
//   - MAC, STATUS, MTU: read from the device's configuration (§5.1.4);
//   - CSUM: the device completes the TCP/UDP checksum of frames sent
//     with a checksum request (Frame.CsumOffset), so the stack need not;
//   - GUEST_CSUM: the device may hand over frames whose checksum is only
//     partial (VIRTIO_NET_HDR_F_NEEDS_CSUM); the driver completes it, so
//     that what it delivers is always a valid frame;
//   - MRG_RXBUF: a received frame may span several receive buffers;
//   - EVENT_IDX: interrupts and notifications by event index (§2.7.7).
//
// A legacy device (no VERSION_1) gets the 10-byte header of §5.1.6.1
// unless MRG_RXBUF was negotiated.
//
// Wire it in: d, err := New(transport, dma); call d.Transmit for
// outgoing frames and, when the device interrupts, d.Interrupt(), then
// d.Receive(deliver) and d.Reclaim(). Under load, poll instead:
// d.DisableRxInterrupts(), Receive until nothing comes, then
// d.EnableRxInterrupts() and poll again if it reports pending frames.
package virtionet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"unigo/drivers/virtio"
	"unigo/netstack/nic"
)

// Feature bits (§5.1.3).
const (
	FeatureCsum      = 1 << 0
	FeatureGuestCsum = 1 << 1
	FeatureMTU       = 1 << 3
	FeatureMAC       = 1 << 5
	FeatureMrgRxbuf  = 1 << 15
	FeatureStatus    = 1 << 16
)

// wanted is every optional feature the driver can use.
const wanted = FeatureCsum | FeatureGuestCsum | FeatureMTU | FeatureMAC | FeatureMrgRxbuf | FeatureStatus | virtio.FeatureEventIdx

// Device configuration layout (§5.1.4).
const (
	cfgMAC    = 0
	cfgStatus = 6 // le16, VIRTIO_NET_S_LINK_UP = 1
	cfgMTU    = 10
	linkUp    = 1
	minMTU    = 68 // §5.1.4.1: the device must offer at least this
)

// struct virtio_net_hdr (§5.1.6).
const (
	hdrFlags      = 0
	hdrCsumStart  = 6
	hdrCsumOffset = 8
	hdrNumBuffers = 10
	needsCsum     = 1 // VIRTIO_NET_HDR_F_NEEDS_CSUM
)

// Queue indexes and sizes.
const (
	rxQueue   = 0
	txQueue   = 1
	queueSize = 256
	// HeaderLen is struct virtio_net_hdr with VERSION_1 or MRG_RXBUF
	// (§5.1.6: 12 bytes); legacyHeaderLen is a legacy device's without
	// MRG_RXBUF (§5.1.6.1).
	HeaderLen       = 12
	legacyHeaderLen = 10
	// bufLen holds the header and a full Ethernet frame (1514) with room.
	bufLen = 2048
	// MaxFrame is the largest frame Transmit takes by default (no TSO
	// negotiated, MTU 1500).
	MaxFrame = 1514
	// ethHeader is an Ethernet header without VLAN tag.
	ethHeader = 14
	// maxRxFrame bounds a frame assembled from several buffers.
	maxRxFrame = 65535 + ethHeader
)

// Transport is the virtio transport the driver runs on.
type Transport = virtio.Transport

// DMA allocates device-visible memory.
type DMA = virtio.DMA

// Frame is one outgoing Ethernet frame (nic.Frame). A checksum request
// becomes VIRTIO_NET_HDR_F_NEEDS_CSUM (§5.1.6.2) when CSUM was
// negotiated; the driver completes the checksum otherwise.
type Frame = nic.Frame

// Device is one virtio-net device.
type Device struct {
	t        Transport
	mu       sync.Mutex
	rx, tx   *virtio.Queue
	rxMem    []byte
	rxPhys   uint64
	txMem    []byte
	txPhys   uint64
	txFree   []uint16          // tx buffer slots
	txSlot   map[uint16]uint16 // tx descriptor -> buffer slot
	rxSlot   map[uint16]uint16 // rx descriptor -> buffer slot
	features uint64
	hdrLen   int
	pend     rxFrame // a frame spanning buffers (MRG_RXBUF) whose later buffers are still to come
	MAC      [6]byte
	MTU      int // the largest IP packet Transmit takes (frame minus Ethernet header)
	Stats    Statistics
	failed   error
}

// Statistics counts what the device did (nic.Statistics).
type Statistics = nic.Statistics

// The device is what the network stack drives.
var _ nic.NIC = (*Device)(nil)

// ErrFull: the transmit queue has no room; retry after Reclaim.
var ErrFull = errors.New("virtionet: transmit queue full")

// New initialises the device (§3.1.1) and fills the receive queue.
func New(t Transport, dma DMA) (*Device, error) {
	d := &Device{t: t, txSlot: map[uint16]uint16{}, rxSlot: map[uint16]uint16{}, MTU: MaxFrame - ethHeader}
	want, err := virtio.Negotiate(t, "virtionet", wanted)
	if err != nil {
		return nil, err
	}
	d.features = want
	d.hdrLen = HeaderLen
	if want&(virtio.FeatureVersion1|FeatureMrgRxbuf) == 0 {
		d.hdrLen = legacyHeaderLen
	}
	if want&FeatureMAC != 0 {
		for i := range d.MAC {
			d.MAC[i] = t.Config(cfgMAC + i)
		}
	} else {
		d.MAC = [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}
	}
	if want&FeatureMTU != 0 {
		// Transmit buffers are bufLen bytes: a larger MTU is clamped,
		// which is allowed (the driver must only not exceed it).
		mtu := int(t.Config(cfgMTU)) | int(t.Config(cfgMTU+1))<<8
		if mtu < minMTU {
			t.SetStatus(virtio.StatusFailed)
			return nil, fmt.Errorf("virtionet: device MTU %d below the minimum %d (§5.1.4.1)", mtu, minMTU)
		}
		d.MTU = min(mtu, bufLen-d.hdrLen-ethHeader)
	}
	defer func() {
		if err != nil {
			t.SetStatus(virtio.StatusFailed) // §3.1.1: tell the device we gave up
		}
	}()
	if d.rx, err = virtio.NewDeviceQueue(t, rxQueue, queueSize, dma); err != nil {
		return nil, err
	}
	if d.tx, err = virtio.NewDeviceQueue(t, txQueue, queueSize, dma); err != nil {
		return nil, err
	}
	if want&virtio.FeatureEventIdx != 0 {
		d.rx.UseEventIdx()
		d.tx.UseEventIdx()
	}
	// Sent buffers are taken back on the next Transmit: their completion
	// needs no interrupt, which halves the interrupts of a busy server.
	d.tx.SuppressInterrupts()
	n := int(d.rx.Size())
	if d.rxMem, d.rxPhys, err = dma(n * bufLen); err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		if err = d.postRx(uint16(i)); err != nil {
			return nil, err
		}
	}
	m := int(d.tx.Size())
	if d.txMem, d.txPhys, err = dma(m * bufLen); err != nil {
		return nil, err
	}
	for i := m - 1; i >= 0; i-- {
		d.txFree = append(d.txFree, uint16(i))
	}
	virtio.Ready(t)
	d.rx.Publish()
	t.Notify(rxQueue)
	return d, nil
}

// Statistics returns a copy of the counters, taken under the lock.
func (d *Device) Statistics() Statistics {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.Stats
}

// Features is what was negotiated.
func (d *Device) Features() uint64 { return d.features }

// OffloadsTxCsum reports whether the device completes checksums of sent
// frames (CSUM); without it Transmit completes them in software.
func (d *Device) OffloadsTxCsum() bool { return d.features&FeatureCsum != 0 }

// LinkUp reads the link status (§5.1.4); without STATUS the link is
// assumed up.
func (d *Device) LinkUp() bool {
	if d.features&FeatureStatus == 0 {
		return true
	}
	return d.t.Config(cfgStatus)&linkUp != 0
}

// Interrupt acknowledges the device's interrupt.
func (d *Device) Interrupt() { d.t.AckInterrupt() }

// DisableRxInterrupts asks the device not to interrupt for received
// frames while the driver polls.
func (d *Device) DisableRxInterrupts() {
	d.mu.Lock()
	d.rx.DisableInterrupts()
	d.mu.Unlock()
}

// EnableRxInterrupts re-arms the receive interrupt and reports whether
// frames arrived meanwhile (then poll again before waiting).
func (d *Device) EnableRxInterrupts() (pending bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rx.EnableInterrupts()
}

// Transmit queues whole Ethernet frames; see TransmitFrames.
func (d *Device) Transmit(frames ...[]byte) (int, error) {
	fs := make([]Frame, len(frames))
	for i, f := range frames {
		fs[i].Parts = [][]byte{f}
	}
	return d.TransmitFrames(fs)
}

// TransmitFrames queues Ethernet frames and returns how many it
// consumed: a frame longer than the MTU allows, or with a checksum
// request outside it, is dropped (and counted in TxDropped); ErrFull
// means the rest found no free buffer (retry them after Reclaim).
func (d *Device) TransmitFrames(frames []Frame) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed != nil {
		return 0, d.failed
	}
	if err := d.reclaimLocked(); err != nil {
		return 0, err
	}
	sent, done := 0, 0 // queued, and consumed (queued or dropped)
	for _, f := range frames {
		n := 0
		for _, p := range f.Parts {
			n += len(p)
		}
		if n > d.MTU+ethHeader || f.CsumOffset != 0 && int(f.CsumStart)+int(f.CsumOffset)+2 > n {
			d.Stats.TxDropped++ // no TSO negotiated: such a frame cannot be sent
			done++
			continue
		}
		if len(d.txFree) == 0 {
			break
		}
		slot := d.txFree[len(d.txFree)-1]
		buf := d.txMem[int(slot)*bufLen:]
		hdr, body := buf[:d.hdrLen], buf[d.hdrLen:d.hdrLen+n]
		clear(hdr)
		off := 0
		for _, p := range f.Parts {
			off += copy(body[off:], p)
		}
		if f.CsumOffset != 0 {
			if d.features&FeatureCsum != 0 {
				hdr[hdrFlags] = needsCsum
				binary.LittleEndian.PutUint16(hdr[hdrCsumStart:], f.CsumStart)
				binary.LittleEndian.PutUint16(hdr[hdrCsumOffset:], f.CsumOffset)
				d.Stats.TxCsumOffloaded++
			} else {
				completeCsum(body, int(f.CsumStart), int(f.CsumOffset))
			}
		}
		id, err := d.tx.Add(d.txPhys+uint64(int(slot)*bufLen), uint32(d.hdrLen+n), false)
		if err != nil {
			break
		}
		d.txFree = d.txFree[:len(d.txFree)-1]
		d.txSlot[id] = slot
		sent++
		done++
		d.Stats.TxPackets++
	}
	if sent > 0 {
		d.tx.Publish()
		if d.tx.NeedsNotify() {
			d.t.Notify(txQueue)
		}
	}
	if done < len(frames) {
		return done, ErrFull
	}
	return done, nil
}

// completeCsum stores the Internet checksum (RFC 1071) of frame[start:]
// at start+offset, whose 16 bits hold the pseudo-header sum: what the
// device does for VIRTIO_NET_HDR_F_NEEDS_CSUM.
func completeCsum(frame []byte, start, offset int) {
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
		sum = sum&0xffff + sum>>16
	}
	c := ^uint16(sum)
	if c == 0 {
		c = 0xffff // the same in one's complement, and UDP's 0 means "none" (RFC 768)
	}
	binary.BigEndian.PutUint16(frame[start+offset:], c)
}

// Reclaim takes back transmit buffers the device has sent.
func (d *Device) Reclaim() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reclaimLocked()
}

func (d *Device) reclaimLocked() error {
	for {
		id, _, ok, err := d.tx.Used()
		if err != nil {
			d.failed = err
			return err
		}
		if !ok {
			return nil
		}
		d.txFree = append(d.txFree, d.txSlot[id])
		delete(d.txSlot, id)
	}
}

// Receive hands each received frame to deliver (valid only during the
// call) and gives the buffers back to the device. It returns how many
// frames it delivered.
func (d *Device) Receive(deliver func(frame []byte)) (int, error) {
	d.mu.Lock()
	if d.failed != nil { // the ring is not to be trusted any more
		d.mu.Unlock()
		return 0, d.failed
	}
	var frames [][]byte
	var slots []uint16
	fail := func(err error) (int, error) {
		d.failed = err
		d.mu.Unlock()
		return 0, err
	}
	for {
		id, n, ok, err := d.rx.Used()
		if err != nil {
			return fail(err)
		}
		if !ok {
			break
		}
		slot := d.rxSlot[id]
		delete(d.rxSlot, id)
		slots = append(slots, slot)
		buf := d.rxMem[int(slot)*bufLen : int(slot)*bufLen+int(n)]
		if d.pend.missing > 0 { // a later buffer of a merged frame: data only (§5.1.6.4)
			if len(d.pend.frame)+len(buf) > maxRxFrame {
				return fail(fmt.Errorf("virtionet: merged frame longer than %d bytes: %w", maxRxFrame, virtio.ErrDevice))
			}
			d.pend.frame = append(d.pend.frame, buf...)
			if d.pend.missing--; d.pend.missing == 0 {
				d.Stats.RxMerged++
				frames = d.accept(frames, d.pend)
				d.pend = rxFrame{}
			}
			continue
		}
		if len(buf) < d.hdrLen { // not even a header
			d.Stats.RxDropped++
			continue
		}
		hdr := buf[:d.hdrLen]
		f := rxFrame{frame: buf[d.hdrLen:], missing: 1}
		if hdr[hdrFlags]&needsCsum != 0 {
			f.csum = true
			f.csumStart = int(binary.LittleEndian.Uint16(hdr[hdrCsumStart:]))
			f.csumOffset = int(binary.LittleEndian.Uint16(hdr[hdrCsumOffset:]))
		}
		if d.features&FeatureMrgRxbuf != 0 {
			f.missing = int(binary.LittleEndian.Uint16(hdr[hdrNumBuffers:]))
			if f.missing == 0 || f.missing > int(d.rx.Size()) {
				return fail(fmt.Errorf("virtionet: num_buffers %d (queue of %d): %w", f.missing, d.rx.Size(), virtio.ErrDevice))
			}
		}
		if f.missing--; f.missing > 0 { // a first buffer may hold just the header
			f.frame = append(make([]byte, 0, (f.missing+1)*bufLen), f.frame...)
			d.pend = f
			continue
		}
		frames = d.accept(frames, f)
	}
	d.mu.Unlock()
	for _, f := range frames {
		deliver(f)
	}
	if len(slots) == 0 {
		return len(frames), nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, slot := range slots {
		if err := d.postRx(slot); err != nil {
			return len(frames), err
		}
	}
	d.rx.Publish()
	if d.rx.NeedsNotify() {
		d.t.Notify(rxQueue)
	}
	return len(frames), nil
}

// rxFrame is a received frame being put together.
type rxFrame struct {
	frame                 []byte
	missing               int // buffers still to come (MRG_RXBUF)
	csum                  bool
	csumStart, csumOffset int
}

// accept completes a partial checksum (GUEST_CSUM) and adds the frame
// to frames; an empty frame, or a checksum request outside the frame,
// is dropped.
func (d *Device) accept(frames [][]byte, f rxFrame) [][]byte {
	if len(f.frame) == 0 { // a header and no frame: nothing to deliver
		d.Stats.RxDropped++
		return frames
	}
	if f.csum {
		if f.csumStart+f.csumOffset+2 > len(f.frame) {
			d.Stats.RxDropped++
			return frames
		}
		completeCsum(f.frame, f.csumStart, f.csumOffset)
		d.Stats.RxCsumCompleted++
	}
	d.Stats.RxPackets++
	return append(frames, f.frame)
}

// postRx offers receive buffer slot to the device.
func (d *Device) postRx(slot uint16) error {
	id, err := d.rx.Add(d.rxPhys+uint64(int(slot)*bufLen), bufLen, true)
	if err != nil {
		return err
	}
	d.rxSlot[id] = slot
	return nil
}
