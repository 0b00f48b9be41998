// Package virtio9p drives a virtio 9P transport device (device id 9 in
// the table of virtio spec v1.2 §5, which reserves the id but leaves the
// device to its implementations: QEMU's -device virtio-9p-*, exporting a
// host directory). The device has one request queue; each 9P request
// goes out in a device-readable buffer chained to a device-writable
// buffer that receives the reply. Its config space holds the export's
// mount tag as a 16-bit length and the bytes.
//
// Wire it in: d, err := New(transport, dma, msize, wait); then hand d to
// ninep.Dial, which speaks 9P2000.L through d.RPC. wait blocks until the
// device interrupts (or returns at once for polling).
package virtio9p

import (
	"errors"
	"fmt"
	"sync"

	"unigo/drivers/virtio"
)

// FeatureMountTag is VIRTIO_9P_MOUNT_TAG: the config space holds the
// export's tag (struct virtio_9p_config { le16 tag_len; u8 tag[]; }).
const FeatureMountTag = 1 << 0

// Config-space layout.
const (
	cfgTagLen = 0
	cfgTag    = 2
	maxTag    = 256 // longer tags are refused rather than trusted
)

const requestQueue = 0

// Device is one 9P transport.
type Device struct {
	t         virtio.Transport
	q         *virtio.Queue
	mu        sync.Mutex
	out, in   []byte // request and reply buffers (device memory)
	outP, inP uint64
	wait      func() error
	Tag       string // the export's mount tag ("" when not offered)
	failed    error
}

// New initialises the device (§3.1.1) with request and reply buffers of
// msize bytes each (the 9P msize the client will negotiate, at most).
func New(t virtio.Transport, dma virtio.DMA, msize int, wait func() error) (*Device, error) {
	if msize < 4096 {
		return nil, fmt.Errorf("virtio9p: msize %d too small", msize)
	}
	feat, err := virtio.Negotiate(t, "virtio9p", FeatureMountTag)
	if err != nil {
		return nil, err
	}
	d := &Device{t: t, wait: wait}
	defer func() {
		if err != nil {
			t.SetStatus(virtio.StatusFailed)
		}
	}()
	if feat&FeatureMountTag != 0 {
		n := int(t.Config(cfgTagLen)) | int(t.Config(cfgTagLen+1))<<8
		if n > maxTag {
			err = fmt.Errorf("virtio9p: mount tag of %d bytes", n)
			return nil, err
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = t.Config(cfgTag + i)
		}
		d.Tag = string(b)
	}
	if d.q, err = virtio.NewDeviceQueue(t, requestQueue, 8, dma); err != nil {
		return nil, err
	}
	if d.out, d.outP, err = dma(msize); err != nil {
		return nil, err
	}
	if d.in, d.inP, err = dma(msize); err != nil {
		return nil, err
	}
	virtio.Ready(t)
	return d, nil
}

// Msize is the largest message the buffers hold.
func (d *Device) Msize() int { return len(d.out) }

// ErrTooLarge: a request or reply does not fit the buffers.
var ErrTooLarge = errors.New("virtio9p: message larger than msize")

// RPC sends one request and waits for its reply, which it copies into
// reply; it returns the reply's length. One request is in flight at a
// time. A device that misbehaves fails this and every later call.
func (d *Device) RPC(req, reply []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed != nil {
		return 0, d.failed
	}
	if len(req) == 0 {
		return 0, errors.New("virtio9p: empty request")
	}
	if len(req) > len(d.out) {
		return 0, ErrTooLarge
	}
	copy(d.out, req)
	inLen := min(len(reply), len(d.in))
	head, err := d.q.AddChain(
		virtio.Buffer{Addr: d.outP, Len: uint32(len(req))},
		virtio.Buffer{Addr: d.inP, Len: uint32(inLen), Write: true})
	if err != nil {
		return 0, err
	}
	d.q.Publish()
	d.t.Notify(requestQueue)
	for {
		id, n, ok, err := d.q.Used()
		if err != nil {
			d.failed = err
			d.t.Reset() // §2.7: a device that breaks the ring is stopped
			return 0, err
		}
		if ok {
			if n > uint32(inLen) {
				d.failed = fmt.Errorf("virtio9p: device wrote %d bytes into a %d-byte reply buffer", n, inLen)
				d.t.Reset()
				return 0, d.failed
			}
			if id != head {
				d.failed = fmt.Errorf("virtio9p: device completed descriptor %d, want %d", id, head)
				d.t.Reset()
				return 0, d.failed
			}
			return copy(reply, d.in[:n]), nil
		}
		if err := d.wait(); err != nil {
			// The device still owns the buffers: it cannot be used again.
			d.failed = fmt.Errorf("virtio9p: waiting for the device: %w", err)
			d.t.Reset()
			return 0, d.failed
		}
		d.t.AckInterrupt()
	}
}
