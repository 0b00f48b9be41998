// Package virtionet drives a virtio network device (virtio spec v1.2
// §5.1) over a virtio transport: it negotiates VERSION_1 and MAC, keeps
// the receive queue stocked with buffers, and moves Ethernet frames.
//
// Wire it in: d, err := New(transport, dma); call d.Transmit for each
// outgoing frame and, when the device interrupts, d.Interrupt() then
// d.Receive(deliver) and d.Reclaim().
package virtionet

import (
	"errors"
	"sync"

	"unigo/drivers/virtio"
)

// Feature bits (§5.1.3).
const (
	FeatureMAC    = 1 << 5
	FeatureStatus = 1 << 16
)

// Queue indexes and sizes.
const (
	rxQueue   = 0
	txQueue   = 1
	queueSize = 256
	// HeaderLen is struct virtio_net_hdr with VERSION_1 (§5.1.6: 12 bytes).
	HeaderLen = 12
	// bufLen holds the header and a full Ethernet frame (1514) with room.
	bufLen = 2048
	// MaxFrame is the largest frame Transmit takes (no TSO negotiated).
	MaxFrame = 1514
)

// Transport is the virtio transport the driver runs on.
type Transport = virtio.Transport

// DMA allocates device-visible memory.
type DMA = virtio.DMA

// Device is one virtio-net device.
type Device struct {
	t      Transport
	mu     sync.Mutex
	rx, tx *virtio.Queue
	rxMem  []byte
	rxPhys uint64
	txMem  []byte
	txPhys uint64
	txFree []uint16          // tx buffer slots
	txSlot map[uint16]uint16 // tx descriptor -> buffer slot
	rxSlot map[uint16]uint16 // rx descriptor -> buffer slot
	MAC    [6]byte
	Stats  struct{ RxPackets, TxPackets, RxDropped, TxDropped uint64 }
	failed error
}

// ErrFull: the transmit queue has no room; retry after Reclaim.
var ErrFull = errors.New("virtionet: transmit queue full")

// New initialises the device (§3.1.1) and fills the receive queue.
func New(t Transport, dma DMA) (*Device, error) {
	d := &Device{t: t, txSlot: map[uint16]uint16{}, rxSlot: map[uint16]uint16{}}
	want, err := virtio.Negotiate(t, "virtionet", FeatureMAC)
	if err != nil {
		return nil, err
	}
	if want&FeatureMAC != 0 {
		for i := range d.MAC {
			d.MAC[i] = t.Config(i)
		}
	} else {
		d.MAC = [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}
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

// Interrupt acknowledges the device's interrupt.
func (d *Device) Interrupt() { d.t.AckInterrupt() }

// Transmit queues Ethernet frames and returns how many it consumed: a
// frame longer than MaxFrame is dropped (and counted in TxDropped);
// ErrFull means the rest found no free buffer (retry them after Reclaim).
func (d *Device) Transmit(frames ...[]byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed != nil {
		return 0, d.failed
	}
	if err := d.reclaimLocked(); err != nil {
		return 0, err
	}
	sent, done := 0, 0 // queued, and consumed (queued or dropped)
	for _, frame := range frames {
		if len(frame) > MaxFrame {
			d.Stats.TxDropped++ // no TSO negotiated: such a frame cannot be sent
			done++
			continue
		}
		if len(d.txFree) == 0 {
			break
		}
		slot := d.txFree[len(d.txFree)-1]
		buf := d.txMem[int(slot)*bufLen:]
		clear(buf[:HeaderLen])
		copy(buf[HeaderLen:], frame)
		id, err := d.tx.Add(d.txPhys+uint64(int(slot)*bufLen), uint32(HeaderLen+len(frame)), false)
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
// call) and gives the buffers back to the device.
func (d *Device) Receive(deliver func(frame []byte)) error {
	d.mu.Lock()
	var frames [][]byte
	var slots []uint16
	for {
		id, n, ok, err := d.rx.Used()
		if err != nil {
			d.failed = err
			d.mu.Unlock()
			return err
		}
		if !ok {
			break
		}
		slot := d.rxSlot[id]
		delete(d.rxSlot, id)
		if n <= HeaderLen { // a header and no frame: nothing to deliver
			d.Stats.RxDropped++
		} else {
			off := int(slot) * bufLen
			frames = append(frames, d.rxMem[off+HeaderLen:off+int(n)])
			d.Stats.RxPackets++
		}
		slots = append(slots, slot)
	}
	d.mu.Unlock()
	for _, f := range frames {
		deliver(f)
	}
	if len(slots) == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, slot := range slots {
		if err := d.postRx(slot); err != nil {
			return err
		}
	}
	d.rx.Publish()
	if d.rx.NeedsNotify() {
		d.t.Notify(rxQueue)
	}
	return nil
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
